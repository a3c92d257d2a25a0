import { integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Requests per minute, per key (a bearer token's hash, a client IP), counted in the database so
 * every instance enforces one limit. Not tenant-owned (a request is counted before anyone knows
 * its tenant), unlogged (a lost count after a crash costs nothing), and swept after a few minutes.
 */
export const rateLimitWindows = pgTable(
  'rate_limit_windows',
  {
    key: text('key').notNull(),
    windowStart: timestamp('window_start', { withTimezone: true, precision: 3 }).notNull(),
    count: integer('count').notNull(),
  },
  (table) => [primaryKey({ name: 'rate_limit_windows_pkey', columns: [table.key, table.windowStart] })],
);
