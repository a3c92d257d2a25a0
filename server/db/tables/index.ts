/** Vigil's drizzle schema: every table, in one object for drizzle and drizzle-kit. */
export { SEVERITIES, type Severity } from './columns.js';
export * from './tenants.js';
export * from './users.js';
export * from './servers.js';
export * from './api-tokens.js';
export * from './access-sessions.js';
export * from './terminal-sessions.js';
export * from './commands.js';
export * from './file-transfers.js';
export * from './system-logs.js';
export * from './sudo-authorizations.js';
export * from './activity-log.js';
export * from './audit.js';
export * from './approvals.js';
export * from './sudo-checks.js';
export * from './notifications.js';
export * from './webhooks.js';
export * from './channels.js';
