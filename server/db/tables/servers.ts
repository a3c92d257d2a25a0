import { sql } from 'drizzle-orm';
import { inet, jsonb, pgTable, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { tenants } from './tenants.js';

/** Servers registered in a tenant: the machines people connect to and agents report from. */
export const servers = pgTable(
  'servers',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    id: uuid('id').notNull(),
    name: text('name').notNull(),
    hostname: text('hostname').notNull(),
    os: text('os'),
    ipAddress: inet('ip_address'),
    /** Key/value labels (`env=prod`), used later to scope access requests and approval policies. */
    labels: jsonb('labels')
      .$type<Record<string, string>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 6 }).notNull().defaultNow(),
    /** Servers are retired, never deleted: the audit records that mention them must keep resolving. */
    deletedAt: timestamp('deleted_at', { withTimezone: true, precision: 6 }),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 6 }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ name: 'servers_pkey', columns: [table.tenantId, table.id] }), unique('servers_tenant_name_unique').on(table.tenantId, table.name)],
);

export type ServerRow = typeof servers.$inferSelect;
