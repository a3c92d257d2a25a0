/**
 * The agent-reported record kinds as subscriptions deliver them: which kind of record an event
 * names, whose it is (for the row rule of server/auth/scope.ts) and its GraphQL form.
 */
import { canSeeRow, onServer } from '../../server/auth/scope.js';
import { recordsByIds } from '../../server/lookups/records-by-ids.js';
import type { DomainEvent, RecordEventKind } from '../../server/realtime/domain-events.js';
import type { CommandRecord, FileTransferRecord, SudoAuthorizationRecord, SystemLogRecord, TerminalSessionRecord } from '../../server/records/record-types.js';
import type { GraphQLContext } from '../context.js';
import { Command } from '../records/command.type.js';
import { AgentEventKindEnum } from '../records/enums.js';
import { FileTransfer } from '../records/file-transfer.type.js';
import { SudoAuthorization } from '../records/sudo-authorization.type.js';
import { SystemLog } from '../records/system-log.type.js';
import { TerminalSession } from '../records/terminal-session.type.js';
import { RecordChangeEnum, RecordedEvent } from './change.types.js';
import type { Delivery } from './subscription-hub.js';

type RecordsEvent = Extract<DomainEvent, { type: 'records.changed' }>;

interface SourceRecord {
  id: string;
  serverId: string;
}

interface RecordSource {
  /** The kind's records, and its row rule (both are named alike). */
  readonly recordKind: 'commands' | 'terminalSessions' | 'fileTransfers' | 'systemLogs' | 'sudoAuthorizations';
  readonly owner: (row: never) => string | null;
  /** The GraphQL event for a row of this kind. */
  readonly toEvent: (row: never, change: RecordChangeEnum) => RecordedEvent;
}

const event = (kind: AgentEventKindEnum, change: RecordChangeEnum, fields: Partial<RecordedEvent>): RecordedEvent =>
  Object.assign(new RecordedEvent(), {
    kind,
    change,
    terminalSession: null,
    command: null,
    fileTransfer: null,
    systemLog: null,
    sudoAuthorization: null,
    ...fields,
  });

export const RECORD_SOURCES: Record<RecordEventKind, RecordSource> = {
  command: {
    recordKind: 'commands',
    owner: (row: CommandRecord) => row.operatorUserId,
    toEvent: (row: CommandRecord, change) =>
      event(change === RecordChangeEnum.CREATED ? AgentEventKindEnum.COMMAND : AgentEventKindEnum.COMMAND_UPDATE, change, { command: Command.from(row) }),
  },
  terminal_session: {
    recordKind: 'terminalSessions',
    owner: (row: TerminalSessionRecord) => row.userId,
    toEvent: (row: TerminalSessionRecord, change) =>
      event(change === RecordChangeEnum.ENDED ? AgentEventKindEnum.TERMINAL_SESSION_ENDED : AgentEventKindEnum.TERMINAL_SESSION_STARTED, change, {
        terminalSession: TerminalSession.from(row),
      }),
  },
  file_transfer: {
    recordKind: 'fileTransfers',
    owner: (row: FileTransferRecord) => row.userId,
    toEvent: (row: FileTransferRecord, change) => event(AgentEventKindEnum.FILE_TRANSFER, change, { fileTransfer: FileTransfer.from(row) }),
  },
  system_log: {
    recordKind: 'systemLogs',
    owner: () => null,
    toEvent: (row: SystemLogRecord, change) => event(AgentEventKindEnum.SYSTEM_LOG, change, { systemLog: SystemLog.from(row) }),
  },
  sudo_authorization: {
    recordKind: 'sudoAuthorizations',
    owner: (row: SudoAuthorizationRecord) => row.userId,
    toEvent: (row: SudoAuthorizationRecord, change) => event(AgentEventKindEnum.SUDO_AUTHORIZATION, change, { sudoAuthorization: SudoAuthorization.from(row) }),
  },
};

/**
 * The rows of a `records.changed` delivery the subscriber may see (loaded once for every
 * subscriber on this instance), with their owner.
 */
export async function visibleRecords<Row extends SourceRecord>(
  ctx: GraphQLContext,
  delivery: Delivery,
): Promise<{ event: RecordsEvent; source: RecordSource; rows: { row: Row; owner: string | null }[] }> {
  const event = delivery.event as RecordsEvent;
  const source = RECORD_SOURCES[event.kind];
  const rows = await delivery.once('rows', () => recordsByIds(ctx.deps.db, source.recordKind, event.tenantId, event.ids) as Promise<unknown[]>);
  const owned = (rows as Row[]).map((row) => ({ row, owner: (source.owner as (row: Row) => string | null)(row) }));
  return { event, source, rows: owned.filter(({ row, owner }) => canSeeRow(ctx.actor, source.recordKind, owner, onServer(row.serverId))) };
}
