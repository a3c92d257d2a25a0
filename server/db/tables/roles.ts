import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { sameTenantReference, tenantId, writtenAt } from './columns.js';
import { users } from './users.js';

/**
 * One server label selector: every key must equal its value on a server (`labels @> selector`).
 * A role's selectors are OR-ed: a server matches the role when it matches any one of them.
 */
export type ServerSelector = Record<string, string>;

/**
 * A tenant's custom role: a named set of permissions from the catalogue (server/auth/permissions.ts),
 * held for the servers its selectors match, or tenant-wide when it has none. The built-in roles
 * (admin, user) are users.role, not rows here.
 */
export const roles = pgTable(
  'roles',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    permissions: text('permissions')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** Label maps, OR of ANDs: [{"env":"prod","team":"db"}]. Empty: the whole tenant. */
    serverSelectors: jsonb('server_selectors')
      .$type<ServerSelector[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    createdAt: writtenAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 6 }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ name: 'roles_pkey', columns: [table.tenantId, table.id] }),
    uniqueIndex('roles_tenant_name_unique').on(table.tenantId, sql`lower(${table.name})`),
    check('roles_server_selectors_array_check', sql`jsonb_typeof(${table.serverSelectors}) = 'array'`),
  ],
);

export type RoleRow = typeof roles.$inferSelect;

/**
 * Who holds a custom role: one user, or every member of a group (users.groups), until `expires_at`
 * when it has one. An expired assignment stays as a fact of the log; it simply stops counting.
 * A role is deleted only once nothing is assigned it (no cascade: the service refuses).
 */
export const roleAssignments = pgTable(
  'role_assignments',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    roleId: uuid('role_id').notNull(),
    userId: uuid('user_id'),
    groupName: text('group_name'),
    /** Who assigned it: a user id, or the name of the system actor. */
    grantedBy: text('granted_by').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 6 }),
    createdAt: writtenAt(),
  },
  (table) => [
    primaryKey({ name: 'role_assignments_pkey', columns: [table.tenantId, table.id] }),
    sameTenantReference('role_assignments_role_fk', { tenantId: table.tenantId, column: table.roleId }, roles),
    sameTenantReference('role_assignments_user_fk', { tenantId: table.tenantId, column: table.userId }, users),
    check('role_assignments_one_holder_check', sql`(${table.userId} is null) <> (${table.groupName} is null)`),
    uniqueIndex('role_assignments_tenant_role_user_unique')
      .on(table.tenantId, table.roleId, table.userId)
      .where(sql`${table.userId} is not null`),
    uniqueIndex('role_assignments_tenant_role_group_unique')
      .on(table.tenantId, table.roleId, table.groupName)
      .where(sql`${table.groupName} is not null`),
    // The actor's lookup at authentication: by user, and by the user's groups.
    index('role_assignments_tenant_user_idx').on(table.tenantId, table.userId),
    index('role_assignments_tenant_group_idx').on(table.tenantId, table.groupName),
  ],
);

export type RoleAssignmentRow = typeof roleAssignments.$inferSelect;
