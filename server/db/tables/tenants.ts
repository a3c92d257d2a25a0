import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { accounts } from './accounts.js';

/**
 * Workspaces. The tenant is the unit of isolation: every other table carries `tenant_id`, leads its
 * keys and indexes with it, and references other rows through (tenant_id, id) pairs, so a row can
 * never point into another tenant. On Citus this table is a reference table and the rest are
 * distributed by `tenant_id`.
 */
export const tenants = pgTable('tenants', {
  id: uuid('id').primaryKey(),
  slug: text('slug').notNull().unique('tenants_slug_unique'),
  name: text('name').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 6 }).notNull().defaultNow(),
  /** The organisation (account) the workspace belongs to, if any; only the operator CLI changes it. */
  accountId: uuid('account_id').references(() => accounts.id),
});

export type TenantRow = typeof tenants.$inferSelect;
