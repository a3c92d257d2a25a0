import { index, inet, pgTable, primaryKey, text, unique, uuid } from 'drizzle-orm/pg-core';
import { accessSessions } from './access-sessions.js';
import { eventTime, oneOf, sameTenantReference, tenantId, writtenAt } from './columns.js';
import { servers } from './servers.js';
import { users } from './users.js';

export const SESSION_SOURCES = ['web_terminal', 'shell_cli', 'vscode', 'api'] as const;
export type SessionSource = (typeof SESSION_SOURCES)[number];

/** Terminal (websh) sessions opened on servers, as their agents report them. */
export const terminalSessions = pgTable(
  'terminal_sessions',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    /** The reporting agent's id for the session: unique per server, makes re-sends idempotent. */
    eventId: text('event_id').notNull(),
    serverId: uuid('server_id').notNull(),
    userId: uuid('user_id'),
    /** The account on the server. */
    username: text('username').notNull(),
    groupname: text('groupname'),
    browser: text('browser'),
    remoteIp: inet('remote_ip'),
    source: text('source', { enum: SESSION_SOURCES }).notNull(),
    accessSessionId: uuid('access_session_id'),
    approvalId: uuid('approval_id'),
    startedAt: eventTime('started_at').notNull(),
    endedAt: eventTime('ended_at'),
    /** Set when Vigil ended it (an agent carried out a directive): why, e.g. `access_session.revoked: <reason>`. */
    endReason: text('end_reason'),
    /** Who ended it that way (the person who revoked the access session, disabled the user, or terminated it). */
    endedById: uuid('ended_by_id'),
    createdAt: writtenAt(),
  },
  (table) => [
    primaryKey({ name: 'terminal_sessions_pkey', columns: [table.tenantId, table.id] }),
    unique('terminal_sessions_event_unique').on(table.tenantId, table.serverId, table.eventId),
    index('terminal_sessions_tenant_time_idx').on(table.tenantId, table.startedAt, table.id),
    index('terminal_sessions_tenant_user_time_idx').on(table.tenantId, table.userId, table.startedAt, table.id),
    index('terminal_sessions_tenant_server_time_idx').on(table.tenantId, table.serverId, table.startedAt, table.id),
    index('terminal_sessions_tenant_access_time_idx').on(table.tenantId, table.accessSessionId, table.startedAt, table.id),
    sameTenantReference('terminal_sessions_server_fk', { tenantId: table.tenantId, column: table.serverId }, servers),
    sameTenantReference('terminal_sessions_user_fk', { tenantId: table.tenantId, column: table.userId }, users),
    sameTenantReference('terminal_sessions_access_fk', { tenantId: table.tenantId, column: table.accessSessionId }, accessSessions),
    oneOf('terminal_sessions_source_check', table.source, SESSION_SOURCES),
  ],
);

export type TerminalSessionRow = typeof terminalSessions.$inferSelect;
