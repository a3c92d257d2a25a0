import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Organisations above workspaces: an account holds several tenants, and its account admins act as
 * admins in each of them. Nothing crosses the tenant boundary through this table: an account admin
 * acts in one workspace per request, as that workspace's own user row (marked with the account,
 * server/accounts), so every read and write stays bound to one tenant. A reference table on Citus.
 */
export const accounts = pgTable('accounts', {
  id: uuid('id').primaryKey(),
  slug: text('slug').notNull().unique('accounts_slug_unique'),
  name: text('name').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 6 }).notNull().defaultNow(),
});

export type AccountRow = typeof accounts.$inferSelect;
