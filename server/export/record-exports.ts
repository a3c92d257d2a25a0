/**
 * The record exports, one per GraphQL list: /export/commands.csv, terminal-sessions,
 * file-transfers, access-sessions, approvals and activity-log. Each reads the list's filter from the query
 * string under the filter input's field names and pages through the list function itself.
 */
import { isIP } from 'node:net';
import { sql } from 'drizzle-orm';
import { canSeeField, canSeeRow, fieldScope, onServer, referenceScope } from '../auth/scope.js';
import {
  ACCESS_SESSION_STATUSES,
  accessSessions,
  APPROVAL_STATUSES,
  COMMAND_SHELLS,
  DECISION_CHANNELS,
  REQUEST_KINDS,
  COMMAND_STATUSES,
  commands,
  servers,
  users,
  fileTransfers,
  terminalSessions,
  SESSION_SOURCES,
  TRANSFER_DIRECTIONS,
  TRANSFER_STATUSES,
  type AccessSessionRow,
  type ActivityRow,
  type ApprovalRow,
  type CommandRow,
  type FileTransferRow,
  type TerminalSessionRow,
} from '../db/tables/index.js';
import { BadInput } from '../errors.js';
import { listApprovals } from '../approvals/approval-queries.js';
import { ACCESS_SESSION_ORDER, accessSessionConditions, listAccessSessions } from '../records/queries/list-access-sessions.js';
import { listActivity } from '../records/queries/list-activity.js';
import { COMMAND_ORDER, commandConditions, listCommands } from '../records/queries/list-commands.js';
import { ownerInScope, rowInScope } from '../records/queries/conditions.js';
import { booleanCell, cellWhen, labelsCell, outputTextCell, plainCell, secondsCell, textCell, timeCell } from './csv-cell-sql.js';
import { FILE_TRANSFER_ORDER, fileTransferConditions, listFileTransfers } from '../records/queries/list-file-transfers.js';
import { listTerminalSessions, TERMINAL_SESSION_ORDER, terminalSessionConditions } from '../records/queries/list-terminal-sessions.js';
import { givenOnly, type QueryParams } from './query-params.js';
import { accessSessionColumn, defineRecordExport, sameTenantJoin, personColumns, secondsBetween, serverColumns, type RecordExportKind } from './record-kind.js';

/** userId, serverId, accessSessionId, from, to: what every record of a person on a server filters by. */
const personServerFilter = (params: QueryParams) => ({
  userId: params.id('userId'),
  serverId: params.id('serverId'),
  accessSessionId: params.id('accessSessionId'),
  from: params.date('from'),
  to: params.date('to'),
});

/** The access session a record ran in, as the COPY joins name it (export_access). */
const EXPORT_ACCESS = {
  id: sql`export_access.id`,
  requesterId: sql`export_access.requester_id`,
  serverIds: sql`export_access.server_ids`,
  serverLabels: sql`export_access.server_labels`,
};

const commandsExport = defineRecordExport<CommandRow, Parameters<typeof listCommands>[2]>({
  name: 'commands',
  scopeKind: 'commands',
  parseFilter: (params) =>
    givenOnly({
      ...personServerFilter(params),
      terminalSessionId: params.id('terminalSessionId'),
      status: params.list('status', COMMAND_STATUSES),
      shell: params.oneOf('shell', COMMAND_SHELLS),
      source: params.oneOf('source', SESSION_SOURCES),
      search: params.text('search'),
    }),
  list: listCommands,
  references: (rows) => ({
    servers: rows.map((row) => row.serverId),
    users: rows.map((row) => row.operatorUserId),
    accessSessions: rows.map((row) => row.accessSessionId),
    terminalSessions: rows.map((row) => row.terminalSessionId),
  }),
  columns: [
    ['id', (row) => row.id, () => plainCell(commands.id)],
    ['submitted_at', (row) => row.submittedAt, () => timeCell(commands.submittedAt)],
    ['started_at', (row) => row.startedAt, () => timeCell(commands.startedAt)],
    ['finished_at', (row) => row.finishedAt, () => timeCell(commands.finishedAt)],
    ['status', (row) => row.status, () => textCell(commands.status)],
    ['exit_code', (row) => row.exitCode, () => plainCell(commands.exitCode)],
    ['shell', (row) => row.shell, () => textCell(commands.shell)],
    ['source', (row) => row.source, () => textCell(commands.source)],
    ['line', (row) => row.line, () => textCell(commands.line)],
    [
      'result',
      (row, { actor }) => (canSeeField(actor, 'Command.result', row.operatorUserId) ? row.result : null),
      ({ actor }) => cellWhen(ownerInScope(fieldScope(actor), commands.operatorUserId), textCell(commands.result)),
    ],
    ...serverColumns<CommandRow>((row) => row.serverId, { id: commands.serverId, name: sql`export_server.name` }),
    ...personColumns<CommandRow>('operator', (row) => row.operatorUserId, { id: commands.operatorUserId, email: sql`export_operator.email` }),
    [
      'operator_token_id',
      (row, { actor }) => (canSeeField(actor, 'Command.operatorToken', row.operatorUserId) ? row.operatorTokenId : null),
      ({ actor }) => cellWhen(ownerInScope(fieldScope(actor), commands.operatorUserId), plainCell(commands.operatorTokenId)),
    ],
    [
      'terminal_session_id',
      (row, { actor, refs }) => {
        const session = refs.terminalSessions.get(row.terminalSessionId ?? '');
        return session && canSeeRow(actor, 'terminalSessions', session.userId, onServer(session.serverId)) ? session.id : null;
      },
      ({ actor }) =>
        cellWhen(
          rowInScope(referenceScope(actor, 'terminalSessions'), sql`export_terminal.user_id`, { serverId: sql`export_terminal.server_id` }),
          plainCell(sql`export_terminal.id`),
        ),
    ],
    accessSessionColumn<CommandRow>((row) => row.accessSessionId, EXPORT_ACCESS),
    ['approval_id', (row) => row.approvalId, () => plainCell(commands.approvalId)],
    ['delay_seconds', (row) => secondsBetween(row.submittedAt, row.startedAt), () => secondsCell(commands.submittedAt, commands.startedAt)],
    ['elapsed_seconds', (row) => secondsBetween(row.startedAt, row.finishedAt), () => secondsCell(commands.startedAt, commands.finishedAt)],
    ['verification', (row) => row.verification, () => textCell(commands.verification)],
    ['verification_message', (row) => row.verificationMessage, () => textCell(commands.verificationMessage)],
    ['working_directory', (row) => row.workingDirectory, () => textCell(commands.workingDirectory)],
    ['event_id', (row) => row.eventId, () => textCell(commands.eventId)],
  ],
  copy: {
    table: commands,
    joins: [
      sameTenantJoin(servers, 'export_server', commands.tenantId, commands.serverId),
      sameTenantJoin(users, 'export_operator', commands.tenantId, commands.operatorUserId),
      sameTenantJoin(terminalSessions, 'export_terminal', commands.tenantId, commands.terminalSessionId),
      sameTenantJoin(accessSessions, 'export_access', commands.tenantId, commands.accessSessionId),
    ],
    where: commandConditions,
    order: COMMAND_ORDER,
  },
});

const terminalSessionsExport = defineRecordExport<TerminalSessionRow, Parameters<typeof listTerminalSessions>[2]>({
  name: 'terminal-sessions',
  scopeKind: 'terminalSessions',
  parseFilter: (params) =>
    givenOnly({
      ...personServerFilter(params),
      source: params.oneOf('source', SESSION_SOURCES),
      isActive: params.boolean('isActive'),
      username: params.text('username'),
    }),
  list: listTerminalSessions,
  references: (rows) => ({
    servers: rows.map((row) => row.serverId),
    users: rows.map((row) => row.userId),
    accessSessions: rows.map((row) => row.accessSessionId),
  }),
  columns: [
    ['id', (row) => row.id, () => plainCell(terminalSessions.id)],
    ['started_at', (row) => row.startedAt, () => timeCell(terminalSessions.startedAt)],
    ['ended_at', (row) => row.endedAt, () => timeCell(terminalSessions.endedAt)],
    ['duration_seconds', (row) => secondsBetween(row.startedAt, row.endedAt), () => secondsCell(terminalSessions.startedAt, terminalSessions.endedAt)],
    ['is_active', (row) => row.endedAt === null, () => booleanCell(sql`${terminalSessions.endedAt} is null`)],
    ...personColumns<TerminalSessionRow>('user', (row) => row.userId, { id: terminalSessions.userId, email: sql`export_user.email` }),
    ['username', (row) => row.username, () => textCell(terminalSessions.username)],
    ['groupname', (row) => row.groupname, () => textCell(terminalSessions.groupname)],
    ['source', (row) => row.source, () => textCell(terminalSessions.source)],
    ...serverColumns<TerminalSessionRow>((row) => row.serverId, { id: terminalSessions.serverId, name: sql`export_server.name` }),
    [
      'remote_ip',
      (row, { actor }) => (canSeeField(actor, 'TerminalSession.remoteIp', row.userId) ? row.remoteIp : null),
      ({ actor }) => cellWhen(ownerInScope(fieldScope(actor), terminalSessions.userId), outputTextCell(terminalSessions.remoteIp)),
    ],
    [
      'browser',
      (row, { actor }) => (canSeeField(actor, 'TerminalSession.browser', row.userId) ? row.browser : null),
      ({ actor }) => cellWhen(ownerInScope(fieldScope(actor), terminalSessions.userId), textCell(terminalSessions.browser)),
    ],
    accessSessionColumn<TerminalSessionRow>((row) => row.accessSessionId, EXPORT_ACCESS),
    ['approval_id', (row) => row.approvalId, () => plainCell(terminalSessions.approvalId)],
    ['event_id', (row) => row.eventId, () => textCell(terminalSessions.eventId)],
  ],
  copy: {
    table: terminalSessions,
    joins: [
      sameTenantJoin(servers, 'export_server', terminalSessions.tenantId, terminalSessions.serverId),
      sameTenantJoin(users, 'export_user', terminalSessions.tenantId, terminalSessions.userId),
      sameTenantJoin(accessSessions, 'export_access', terminalSessions.tenantId, terminalSessions.accessSessionId),
    ],
    where: terminalSessionConditions,
    order: TERMINAL_SESSION_ORDER,
  },
});

const fileTransfersExport = defineRecordExport<FileTransferRow, Parameters<typeof listFileTransfers>[2]>({
  name: 'file-transfers',
  scopeKind: 'fileTransfers',
  parseFilter: (params) =>
    givenOnly({
      ...personServerFilter(params),
      direction: params.oneOf('direction', TRANSFER_DIRECTIONS),
      status: params.oneOf('status', TRANSFER_STATUSES),
      search: params.text('search'),
    }),
  list: listFileTransfers,
  references: (rows) => ({
    servers: rows.map((row) => row.serverId),
    users: rows.map((row) => row.userId),
    accessSessions: rows.map((row) => row.accessSessionId),
  }),
  columns: [
    ['id', (row) => row.id, () => plainCell(fileTransfers.id)],
    ['occurred_at', (row) => row.occurredAt, () => timeCell(fileTransfers.occurredAt)],
    ['direction', (row) => row.direction, () => textCell(fileTransfers.direction)],
    ['status', (row) => row.status, () => textCell(fileTransfers.status)],
    ['object_name', (row) => row.objectName, () => textCell(fileTransfers.objectName)],
    ['path', (row) => row.path, () => textCell(fileTransfers.path)],
    ['size_bytes', (row) => row.sizeBytes, () => plainCell(fileTransfers.sizeBytes)],
    ['error', (row) => row.error, () => textCell(fileTransfers.error)],
    ...personColumns<FileTransferRow>('user', (row) => row.userId, { id: fileTransfers.userId, email: sql`export_user.email` }),
    ['username', (row) => row.username, () => textCell(fileTransfers.username)],
    ['groupname', (row) => row.groupname, () => textCell(fileTransfers.groupname)],
    ...serverColumns<FileTransferRow>((row) => row.serverId, { id: fileTransfers.serverId, name: sql`export_server.name` }),
    [
      'remote_ip',
      (row, { actor }) => (canSeeField(actor, 'FileTransfer.remoteIp', row.userId) ? row.remoteIp : null),
      ({ actor }) => cellWhen(ownerInScope(fieldScope(actor), fileTransfers.userId), outputTextCell(fileTransfers.remoteIp)),
    ],
    accessSessionColumn<FileTransferRow>((row) => row.accessSessionId, EXPORT_ACCESS),
    ['approval_id', (row) => row.approvalId, () => plainCell(fileTransfers.approvalId)],
    ['event_id', (row) => row.eventId, () => textCell(fileTransfers.eventId)],
  ],
  copy: {
    table: fileTransfers,
    joins: [
      sameTenantJoin(servers, 'export_server', fileTransfers.tenantId, fileTransfers.serverId),
      sameTenantJoin(users, 'export_user', fileTransfers.tenantId, fileTransfers.userId),
      sameTenantJoin(accessSessions, 'export_access', fileTransfers.tenantId, fileTransfers.accessSessionId),
    ],
    where: fileTransferConditions,
    order: FILE_TRANSFER_ORDER,
  },
});

const accessSessionsExport = defineRecordExport<AccessSessionRow, Parameters<typeof listAccessSessions>[2]>({
  name: 'access-sessions',
  scopeKind: 'accessSessions',
  parseFilter: (params) =>
    givenOnly({
      userId: params.id('userId'),
      approverId: params.id('approverId'),
      serverId: params.id('serverId'),
      status: params.list('status', ACCESS_SESSION_STATUSES),
      from: params.date('from'),
      to: params.date('to'),
    }),
  list: listAccessSessions,
  references: (rows) => ({
    users: rows.flatMap((row) => [row.requesterId, row.approverId, row.endedById]),
    servers: rows.flatMap((row) => row.serverIds),
  }),
  columns: [
    ['id', (row) => row.id, () => plainCell(accessSessions.id)],
    ['requested_at', (row) => row.requestedAt, () => timeCell(accessSessions.requestedAt)],
    ['status', (row) => row.status, () => textCell(accessSessions.status)],
    ['reason', (row) => row.reason, () => textCell(accessSessions.reason)],
    ...personColumns<AccessSessionRow>('requester', (row) => row.requesterId, { id: accessSessions.requesterId, email: sql`export_requester.email` }),
    ...personColumns<AccessSessionRow>('approver', (row) => row.approverId, { id: accessSessions.approverId, email: sql`export_approver.email` }),
    ['server_ids', (row) => row.serverIds.join(' '), () => textCell(sql`array_to_string(${accessSessions.serverIds}, ' ')`)],
    [
      'server_names',
      (row, { refs }) => row.serverIds.map((id) => refs.servers.get(id)?.name ?? id).join(', '),
      () =>
        textCell(sql`(select string_agg(coalesce(named.name, listed.id::text), ', ' order by listed.ord)
          from unnest(${accessSessions.serverIds}) with ordinality as listed(id, ord)
          left join servers named on named.tenant_id = ${accessSessions.tenantId} and named.id = listed.id)`),
    ],
    ['server_labels', (row) => (Object.keys(row.serverLabels).length > 0 ? row.serverLabels : null), () => labelsCell(accessSessions.serverLabels)],
    ['is_sudo_allowed', (row) => row.isSudoAllowed, () => booleanCell(accessSessions.isSudoAllowed)],
    ['starts_at', (row) => row.startsAt, () => timeCell(accessSessions.startsAt)],
    ['expires_at', (row) => row.expiresAt, () => timeCell(accessSessions.expiresAt)],
    ['ended_at', (row) => row.endedAt, () => timeCell(accessSessions.endedAt)],
    ...personColumns<AccessSessionRow>('ended_by', (row) => row.endedById, { id: accessSessions.endedById, email: sql`export_ended_by.email` }),
    ['end_reason', (row) => row.endReason, () => textCell(accessSessions.endReason)],
    ['approval_id', (row) => row.approvalId, () => plainCell(accessSessions.approvalId)],
  ],
  copy: {
    table: accessSessions,
    joins: [
      sameTenantJoin(users, 'export_requester', accessSessions.tenantId, accessSessions.requesterId),
      sameTenantJoin(users, 'export_approver', accessSessions.tenantId, accessSessions.approverId),
      sameTenantJoin(users, 'export_ended_by', accessSessions.tenantId, accessSessions.endedById),
    ],
    where: accessSessionConditions,
    order: ACCESS_SESSION_ORDER,
  },
});

/** The approval history: what was requested, who reviewed it, the outcome and the justification. */
const approvalsExport = defineRecordExport<ApprovalRow, Parameters<typeof listApprovals>[2]>({
  name: 'approvals',
  scopeKind: 'approvals',
  parseFilter: (params) =>
    givenOnly({
      status: params.list('status', APPROVAL_STATUSES),
      kind: params.list('kind', REQUEST_KINDS),
      requesterId: params.id('requesterId'),
      reviewerId: params.id('reviewerId'),
      serverId: params.id('serverId'),
      policyId: params.id('policyId'),
      accessSessionId: params.id('accessSessionId'),
      channel: params.oneOf('channel', DECISION_CHANNELS),
      from: params.date('from'),
      to: params.date('to'),
    }),
  list: listApprovals,
  references: (rows) => ({
    users: rows.flatMap((row) => [row.requesterId, row.closedById]),
    servers: rows.map((row) => row.serverId),
    accessSessions: rows.map((row) => row.accessSessionId),
    serversOfAccessSessions: true,
    approvalDecisions: rows.map((row) => row.id),
  }),
  columns: [
    ['id', (row) => row.id],
    ['requested_at', (row) => row.requestedAt],
    ['kind', (row) => row.kind],
    ['status', (row) => row.status],
    ['reason', (row) => row.reason],
    ...personColumns<ApprovalRow>('requester', (row) => row.requesterId),
    [
      'server_names',
      (row, { refs }) =>
        (row.serverId ? [row.serverId] : (refs.accessSessions.get(row.accessSessionId)?.serverIds ?? []))
          .map((id) => refs.servers.get(id)?.name ?? id)
          .join(', '),
    ],
    ['command', (row) => row.command],
    ['is_pattern', (row) => row.isPattern],
    ['duration_minutes', (row) => (row.durationSeconds == null ? null : row.durationSeconds / 60)],
    ['policy_id', (row) => row.policyId],
    ['policy_name', (row) => row.policyName],
    ['required_approvals', (row) => row.requiredApprovals],
    ['is_auto_approved', (row) => row.isAutoApproved],
    [
      'decisions',
      (row, { refs }) =>
        (refs.decisions.get(row.id) ?? [])
          .map((decision) => {
            const who = refs.users.get(decision.approverId)?.email ?? decision.approverId;
            const why = decision.justification ? `: ${decision.justification}` : '';
            return `${decision.decision} by ${who} via ${decision.channel} at ${decision.decidedAt.toISOString()}${why}`;
          })
          .join(' | '),
    ],
    ...personColumns<ApprovalRow>('closed_by', (row) => row.closedById),
    ['closed_at', (row) => row.closedAt],
    ['decide_by', (row) => row.decideBy],
    ['cancel_reason', (row) => row.cancelReason],
    accessSessionColumn<ApprovalRow>((row) => row.accessSessionId),
    ['sudo_authorization_id', (row) => row.sudoAuthorizationId],
  ],
});

const activityLogExport = defineRecordExport<ActivityRow, Parameters<typeof listActivity>[2]>({
  name: 'activity-log',
  scopeKind: 'activityLog',
  parseFilter: (params) => {
    const ipAddress = params.text('ipAddress');
    if (ipAddress !== undefined && isIP(ipAddress) === 0) throw new BadInput('ipAddress', 'ipAddress: is not an IP address');
    return givenOnly({
      userId: params.id('userId'),
      userEmail: params.text('userEmail'),
      action: params.list('action'),
      result: params.int('result'),
      ipAddress,
      from: params.date('from'),
      to: params.date('to'),
    });
  },
  list: listActivity,
  references: () => ({}),
  columns: [
    ['id', (row) => row.id],
    ['occurred_at', (row) => row.occurredAt],
    ['action', (row) => row.action],
    ['result', (row) => row.result],
    ['user_id', (row) => row.userId],
    ['user_email', (row) => row.userEmail],
    ['ip_address', (row) => row.ipAddress],
    ['user_agent', (row) => row.userAgent],
    ['details', (row) => row.details],
    ['request_id', (row) => row.requestId],
  ],
});

export const RECORD_EXPORTS: readonly RecordExportKind[] = [
  commandsExport,
  terminalSessionsExport,
  fileTransfersExport,
  accessSessionsExport,
  approvalsExport,
  activityLogExport,
];
