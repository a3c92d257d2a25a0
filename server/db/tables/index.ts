/** Vigil's drizzle schema: every table, in one object for drizzle and drizzle-kit. */
export * from './tenants.js';
export * from './users.js';
export * from './servers.js';
export * from './api-tokens.js';
