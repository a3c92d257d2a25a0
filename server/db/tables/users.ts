import { sql } from 'drizzle-orm';
import { check, index, pgTable, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { accounts } from './accounts.js';
import { tenants } from './tenants.js';

export const users = pgTable(
  'users',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    id: uuid('id').notNull(),
    /** Stored lower-cased: emails compare case-insensitively within a tenant. */
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: text('role', { enum: ['admin', 'user'] }).notNull(),
    groups: text('groups')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** Permissions granted on top of the role; admins hold every permission implicitly. */
    permissions: text('permissions')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /**
     * Set while this user is an admin of the workspace's account (organisation): the person then acts
     * as an admin here, and may act in the account's other workspaces as their row there carrying the
     * same mark (server/accounts). Only the account's grant and revoke set and clear it.
     */
    managingAccountId: uuid('managing_account_id').references(() => accounts.id),
    disabledAt: timestamp('disabled_at', { withTimezone: true, precision: 6 }),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 6 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 6 }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ name: 'users_pkey', columns: [table.tenantId, table.id] }),
    unique('users_tenant_email_unique').on(table.tenantId, table.email),
    index('users_tenant_role_idx').on(table.tenantId, table.role),
    check('users_role_check', sql`${table.role} in ('admin', 'user')`),
    check('users_email_lowercase_check', sql`${table.email} = lower(${table.email})`),
  ],
);

export type UserRow = typeof users.$inferSelect;
