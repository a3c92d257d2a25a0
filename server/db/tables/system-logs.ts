import { sql } from 'drizzle-orm';
import { index, integer, pgTable, primaryKey, text, unique, uuid } from 'drizzle-orm/pg-core';
import { eventTime, oneOf, sameTenantReference, tenantId, writtenAt } from './columns.js';
import { servers } from './servers.js';

/** Syslog severities, lowest first. */
export const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** Log entries forwarded by servers' agents. */
export const systemLogs = pgTable(
  'system_logs',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    eventId: text('event_id').notNull(),
    serverId: uuid('server_id').notNull(),
    program: text('program').notNull(),
    level: text('level', { enum: LOG_LEVELS }).notNull(),
    pid: integer('pid'),
    message: text('message').notNull(),
    loggedAt: eventTime('logged_at').notNull(),
    createdAt: writtenAt(),
  },
  (table) => [
    primaryKey({ name: 'system_logs_pkey', columns: [table.tenantId, table.id] }),
    unique('system_logs_event_unique').on(table.tenantId, table.serverId, table.eventId),
    index('system_logs_tenant_time_idx').on(table.tenantId, table.loggedAt, table.id),
    index('system_logs_tenant_server_time_idx').on(table.tenantId, table.serverId, table.loggedAt, table.id),
    index('system_logs_tenant_level_time_idx').on(table.tenantId, table.level, table.loggedAt, table.id),
    index('system_logs_tenant_program_time_idx').on(table.tenantId, table.program, table.loggedAt, table.id),
    index('system_logs_message_trgm_idx').using('gin', table.tenantId, sql`${table.message} gin_trgm_ops`),
    sameTenantReference('system_logs_server_fk', { tenantId: table.tenantId, column: table.serverId }, servers),
    oneOf('system_logs_level_check', table.level, LOG_LEVELS),
  ],
);

export type SystemLogRow = typeof systemLogs.$inferSelect;
