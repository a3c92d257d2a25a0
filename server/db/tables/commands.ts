import { sql } from 'drizzle-orm';
import { index, integer, pgTable, primaryKey, text, unique, uuid } from 'drizzle-orm/pg-core';
import { accessSessions } from './access-sessions.js';
import { apiTokens } from './api-tokens.js';
import { eventTime, oneOf, sameTenantReference, tenantId, writtenAt } from './columns.js';
import { servers } from './servers.js';
import { terminalSessions, SESSION_SOURCES } from './terminal-sessions.js';
import { users } from './users.js';

export const COMMAND_STATUSES = ['scheduled', 'running', 'success', 'failed', 'unresponsive'] as const;
export type CommandStatus = (typeof COMMAND_STATUSES)[number];
export const COMMAND_SHELLS = ['system', 'internal'] as const;
export type CommandShell = (typeof COMMAND_SHELLS)[number];
export const VERIFICATION_OUTCOMES = ['pending', 'verified', 'failed', 'skipped'] as const;
export type VerificationOutcome = (typeof VERIFICATION_OUTCOMES)[number];

/**
 * Commands run on servers: typed in a terminal session or submitted to the agent (`system`), or
 * run by the agent itself (`internal`). Delay and elapsed time are derived from the timestamps.
 */
export const commands = pgTable(
  'commands',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    eventId: text('event_id').notNull(),
    serverId: uuid('server_id').notNull(),
    terminalSessionId: uuid('terminal_session_id'),
    accessSessionId: uuid('access_session_id'),
    approvalId: uuid('approval_id'),
    shell: text('shell', { enum: COMMAND_SHELLS }).notNull(),
    source: text('source', { enum: SESSION_SOURCES }),
    line: text('line').notNull(),
    /** Where the line ran (the shell's working directory), when the agent knows it. */
    workingDirectory: text('working_directory'),
    result: text('result'),
    operatorUserId: uuid('operator_user_id'),
    operatorTokenId: uuid('operator_token_id'),
    status: text('status', { enum: COMMAND_STATUSES }).notNull(),
    exitCode: integer('exit_code'),
    verification: text('verification', { enum: VERIFICATION_OUTCOMES }).notNull().default('pending'),
    verificationMessage: text('verification_message'),
    submittedAt: eventTime('submitted_at').notNull(),
    startedAt: eventTime('started_at'),
    finishedAt: eventTime('finished_at'),
    /** When the agent last reported on the command; the Unresponsive sweeper reads it. */
    lastUpdateAt: eventTime('last_update_at').notNull(),
    createdAt: writtenAt(),
  },
  (table) => [
    primaryKey({ name: 'commands_pkey', columns: [table.tenantId, table.id] }),
    unique('commands_event_unique').on(table.tenantId, table.serverId, table.eventId),
    index('commands_tenant_time_idx').on(table.tenantId, table.submittedAt, table.id),
    index('commands_tenant_operator_time_idx').on(table.tenantId, table.operatorUserId, table.submittedAt, table.id),
    index('commands_tenant_server_time_idx').on(table.tenantId, table.serverId, table.submittedAt, table.id),
    index('commands_tenant_terminal_time_idx').on(table.tenantId, table.terminalSessionId, table.submittedAt, table.id),
    index('commands_tenant_access_time_idx').on(table.tenantId, table.accessSessionId, table.submittedAt, table.id),
    index('commands_tenant_status_time_idx').on(table.tenantId, table.status, table.submittedAt, table.id),
    index('commands_running_idx')
      .on(table.tenantId, table.lastUpdateAt)
      .where(sql`${table.status} = 'running'`),
    index('commands_line_trgm_idx').using('gin', table.tenantId, sql`${table.line} gin_trgm_ops`),
    sameTenantReference('commands_server_fk', { tenantId: table.tenantId, column: table.serverId }, servers),
    sameTenantReference('commands_terminal_fk', { tenantId: table.tenantId, column: table.terminalSessionId }, terminalSessions),
    sameTenantReference('commands_access_fk', { tenantId: table.tenantId, column: table.accessSessionId }, accessSessions),
    sameTenantReference('commands_operator_fk', { tenantId: table.tenantId, column: table.operatorUserId }, users),
    sameTenantReference('commands_token_fk', { tenantId: table.tenantId, column: table.operatorTokenId }, apiTokens),
    oneOf('commands_status_check', table.status, COMMAND_STATUSES),
    oneOf('commands_shell_check', table.shell, COMMAND_SHELLS),
    oneOf('commands_verification_check', table.verification, VERIFICATION_OUTCOMES),
  ],
);

export type CommandRow = typeof commands.$inferSelect;

/**
 * Every status report on a command, kept as history. Its event id makes a re-sent update a no-op,
 * so an old "running" report replayed after "success" cannot move the command back.
 */
export const commandStatusChanges = pgTable(
  'command_status_changes',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    eventId: text('event_id').notNull(),
    serverId: uuid('server_id').notNull(),
    commandId: uuid('command_id').notNull(),
    fromStatus: text('from_status', { enum: COMMAND_STATUSES }).notNull(),
    toStatus: text('to_status', { enum: COMMAND_STATUSES }).notNull(),
    reportedAt: eventTime('reported_at').notNull(),
    createdAt: writtenAt(),
  },
  (table) => [
    primaryKey({ name: 'command_status_changes_pkey', columns: [table.tenantId, table.id] }),
    unique('command_status_changes_event_unique').on(table.tenantId, table.serverId, table.eventId),
    index('command_status_changes_command_idx').on(table.tenantId, table.commandId, table.reportedAt),
    sameTenantReference('command_status_changes_command_fk', { tenantId: table.tenantId, column: table.commandId }, commands),
  ],
);
