import { boolean, index, pgTable, primaryKey, text, unique, uuid } from 'drizzle-orm/pg-core';
import { accessSessions } from './access-sessions.js';
import { eventTime, oneOf, sameTenantReference, tenantId, writtenAt } from './columns.js';
import { servers } from './servers.js';
import { users } from './users.js';

export const SUDO_GRANT_SOURCES = ['policy', 'approval', 'admin'] as const;
export type SudoGrantSource = (typeof SUDO_GRANT_SOURCES)[number];

/** Who may run which privileged command (or command pattern) on which server, and why. */
export const sudoAuthorizations = pgTable(
  'sudo_authorizations',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    /** Set when an agent reported the grant; null for grants Vigil made itself. */
    eventId: text('event_id'),
    serverId: uuid('server_id').notNull(),
    userId: uuid('user_id').notNull(),
    command: text('command').notNull(),
    isPattern: boolean('is_pattern').notNull().default(false),
    grantedVia: text('granted_via', { enum: SUDO_GRANT_SOURCES }).notNull(),
    policyId: uuid('policy_id'),
    approvalId: uuid('approval_id'),
    grantedById: uuid('granted_by_id'),
    accessSessionId: uuid('access_session_id'),
    grantedAt: eventTime('granted_at').notNull(),
    expiresAt: eventTime('expires_at'),
    revokedAt: eventTime('revoked_at'),
    revokedById: uuid('revoked_by_id'),
    createdAt: writtenAt(),
  },
  (table) => [
    primaryKey({ name: 'sudo_authorizations_pkey', columns: [table.tenantId, table.id] }),
    unique('sudo_authorizations_event_unique').on(table.tenantId, table.serverId, table.eventId),
    index('sudo_authorizations_tenant_time_idx').on(table.tenantId, table.grantedAt, table.id),
    index('sudo_authorizations_tenant_user_time_idx').on(table.tenantId, table.userId, table.grantedAt, table.id),
    index('sudo_authorizations_tenant_server_time_idx').on(table.tenantId, table.serverId, table.grantedAt, table.id),
    index('sudo_authorizations_tenant_access_time_idx').on(table.tenantId, table.accessSessionId, table.grantedAt, table.id),
    sameTenantReference('sudo_authorizations_server_fk', { tenantId: table.tenantId, column: table.serverId }, servers),
    sameTenantReference('sudo_authorizations_user_fk', { tenantId: table.tenantId, column: table.userId }, users),
    sameTenantReference('sudo_authorizations_granted_by_fk', { tenantId: table.tenantId, column: table.grantedById }, users),
    sameTenantReference('sudo_authorizations_access_fk', { tenantId: table.tenantId, column: table.accessSessionId }, accessSessions),
    oneOf('sudo_authorizations_granted_via_check', table.grantedVia, SUDO_GRANT_SOURCES),
  ],
);

export type SudoAuthorizationRow = typeof sudoAuthorizations.$inferSelect;
