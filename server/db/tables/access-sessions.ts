import { sql } from 'drizzle-orm';
import { boolean, index, jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { eventTime, oneOf, sameTenantReference, tenantId, writtenAt } from './columns.js';
import { users } from './users.js';

export const ACCESS_SESSION_STATUSES = ['pending', 'approved', 'denied', 'cancelled', 'expired', 'active', 'ended', 'revoked'] as const;
export type AccessSessionStatus = (typeof ACCESS_SESSION_STATUSES)[number];

/**
 * Access sessions: scoped, time-bounded grants of access to servers. Everything done inside one
 * (terminal sessions, commands, transfers, sudo grants) carries its id and the approval behind it.
 */
export const accessSessions = pgTable(
  'access_sessions',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    requesterId: uuid('requester_id').notNull(),
    approverId: uuid('approver_id'),
    approvalId: uuid('approval_id'),
    /** The servers in scope, by id. */
    serverIds: uuid('server_ids')
      .array()
      .notNull()
      .default(sql`'{}'::uuid[]`),
    /** Servers in scope by label, as requested (`{ "env": "prod" }`). */
    serverLabels: jsonb('server_labels')
      .$type<Record<string, string>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    isSudoAllowed: boolean('is_sudo_allowed').notNull().default(false),
    reason: text('reason').notNull(),
    status: text('status', { enum: ACCESS_SESSION_STATUSES }).notNull(),
    requestedAt: eventTime('requested_at').notNull(),
    startsAt: eventTime('starts_at'),
    expiresAt: eventTime('expires_at'),
    endedAt: eventTime('ended_at'),
    endedById: uuid('ended_by_id'),
    endReason: text('end_reason'),
    createdAt: writtenAt(),
  },
  (table) => [
    primaryKey({ name: 'access_sessions_pkey', columns: [table.tenantId, table.id] }),
    index('access_sessions_tenant_time_idx').on(table.tenantId, table.requestedAt, table.id),
    index('access_sessions_tenant_requester_time_idx').on(table.tenantId, table.requesterId, table.requestedAt, table.id),
    index('access_sessions_tenant_status_time_idx').on(table.tenantId, table.status, table.requestedAt, table.id),
    sameTenantReference('access_sessions_requester_fk', { tenantId: table.tenantId, column: table.requesterId }, users),
    sameTenantReference('access_sessions_approver_fk', { tenantId: table.tenantId, column: table.approverId }, users),
    oneOf('access_sessions_status_check', table.status, ACCESS_SESSION_STATUSES),
  ],
);

export type AccessSessionRow = typeof accessSessions.$inferSelect;
