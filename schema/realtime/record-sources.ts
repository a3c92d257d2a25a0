/**
 * The agent-reported record kinds as subscriptions deliver them: where their rows live, whose they
 * are (for the row rule of server/auth/scope.ts) and their GraphQL form.
 */
import { canSeeRow, type RecordKind } from '../../server/auth/scope.js';
import { rowsByIds } from '../../server/db/rows-by-ids.js';
import { commands, fileTransfers, sudoAuthorizations, systemLogs, terminalSessions } from '../../server/db/tables/index.js';
import type { DomainEvent, RecordEventKind } from '../../server/realtime/domain-events.js';
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

interface SourceRow {
  id: string;
  serverId: string;
}

interface RecordSource {
  readonly table: typeof commands | typeof terminalSessions | typeof fileTransfers | typeof systemLogs | typeof sudoAuthorizations;
  readonly scopeKind: RecordKind;
  readonly owner: (row: never) => string | null;
  /** The GraphQL event for a row of this kind. */
  readonly toEvent: (row: never, change: RecordChangeEnum) => RecordedEvent;
}

const event = (kind: AgentEventKindEnum, change: RecordChangeEnum, fields: Partial<RecordedEvent>): RecordedEvent =>
  Object.assign(new RecordedEvent(), { kind, change, terminalSession: null, command: null, fileTransfer: null, systemLog: null, sudoAuthorization: null, ...fields });

export const RECORD_SOURCES: Record<RecordEventKind, RecordSource> = {
  command: {
    table: commands,
    scopeKind: 'commands',
    owner: (row: typeof commands.$inferSelect) => row.operatorUserId,
    toEvent: (row: typeof commands.$inferSelect, change) =>
      event(change === RecordChangeEnum.CREATED ? AgentEventKindEnum.COMMAND : AgentEventKindEnum.COMMAND_UPDATE, change, { command: Command.from(row) }),
  },
  terminal_session: {
    table: terminalSessions,
    scopeKind: 'terminalSessions',
    owner: (row: typeof terminalSessions.$inferSelect) => row.userId,
    toEvent: (row: typeof terminalSessions.$inferSelect, change) =>
      event(change === RecordChangeEnum.ENDED ? AgentEventKindEnum.TERMINAL_SESSION_ENDED : AgentEventKindEnum.TERMINAL_SESSION_STARTED, change, {
        terminalSession: TerminalSession.from(row),
      }),
  },
  file_transfer: {
    table: fileTransfers,
    scopeKind: 'fileTransfers',
    owner: (row: typeof fileTransfers.$inferSelect) => row.userId,
    toEvent: (row: typeof fileTransfers.$inferSelect, change) => event(AgentEventKindEnum.FILE_TRANSFER, change, { fileTransfer: FileTransfer.from(row) }),
  },
  system_log: {
    table: systemLogs,
    scopeKind: 'systemLogs',
    owner: () => null,
    toEvent: (row: typeof systemLogs.$inferSelect, change) => event(AgentEventKindEnum.SYSTEM_LOG, change, { systemLog: SystemLog.from(row) }),
  },
  sudo_authorization: {
    table: sudoAuthorizations,
    scopeKind: 'sudoAuthorizations',
    owner: (row: typeof sudoAuthorizations.$inferSelect) => row.userId,
    toEvent: (row: typeof sudoAuthorizations.$inferSelect, change) =>
      event(AgentEventKindEnum.SUDO_AUTHORIZATION, change, { sudoAuthorization: SudoAuthorization.from(row) }),
  },
};

/**
 * The rows of a `records.changed` delivery the subscriber may see (loaded once for every
 * subscriber on this instance), with their owner.
 */
export async function visibleRecords<Row extends SourceRow>(
  ctx: GraphQLContext,
  delivery: Delivery,
): Promise<{ event: RecordsEvent; source: RecordSource; rows: { row: Row; owner: string | null }[] }> {
  const event = delivery.event as RecordsEvent;
  const source = RECORD_SOURCES[event.kind];
  const rows = await delivery.once('rows', () => rowsByIds(ctx.deps.db, source.table, event.tenantId, event.ids) as Promise<unknown[]>);
  const owned = (rows as Row[]).map((row) => ({ row, owner: (source.owner as (row: Row) => string | null)(row) }));
  return { event, source, rows: owned.filter(({ owner }) => canSeeRow(ctx.actor, source.scopeKind, owner)) };
}
