/**
 * What an incident case may hold, kind by kind: the records the verifiable log covers that the API
 * can show, each found through its own list's row rule (server/auth/scope.ts recordScope, and the
 * set form of the list's *InScope query: a page's items of one kind in one statement). A case attaches and shows an item only as far as the person asking may
 * see it that way: a row they may not see gets the answer of a row that does not exist, and the
 * rule is asked again at every read, not remembered from the attach. An item kind is its leaf kind
 * (server/log/leaf-kinds.ts): the bundle proves each item by the leaf its id names.
 */
import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import type { Actor } from '../auth/actor.js';
import type { Permission } from '../auth/permissions.js';
import { hasPermission, referenceScope, type RecordKind, type RowScope } from '../auth/scope.js';
import { getApprovalsInScope } from '../approvals/approval-queries.js';
import type { Executor } from '../db/database.js';
import { auditEntries, desktopRecordings, terminalRecordings, type CaseItemKind } from '../db/tables/index.js';
import { DESKTOP_RECORDING_SCOPE } from '../recordings/desktop-recording-queries.js';
import { RECORDING_SCOPE } from '../recordings/recording-queries.js';
import { findManyInScope } from '../records/queries/conditions.js';
import { getAccessSessionsInScope } from '../records/queries/list-access-sessions.js';
import { getActivityEntriesInScope } from '../records/queries/list-activity.js';
import { getCommandsInScope } from '../records/queries/list-commands.js';
import { getFileTransfersInScope } from '../records/queries/list-file-transfers.js';
import { getSudoAuthorizationsInScope } from '../records/queries/list-sudo-authorizations.js';
import { getSystemLogsInScope } from '../records/queries/list-system-logs.js';
import { getTerminalSessionsInScope } from '../records/queries/list-terminal-sessions.js';

/** Who reads an item kind: the row rule of a record list, or (the audit log) a permission over the whole tenant. */
type ItemReader = { readonly records: RecordKind } | { readonly permission: Permission };

export interface CaseItemSource {
  readonly kind: CaseItemKind;
  /** How an error names one (`Command 0193… was not found`). */
  readonly label: string;
  readonly reader: ItemReader;
  /** The rows of `ids` within `scope`, in one statement; those that do not exist or are not in it are left out. */
  findMany(db: Executor, scope: RowScope, ids: readonly string[]): Promise<{ id: string }[]>;
}

const records = (kind: CaseItemKind, label: string, reader: RecordKind, findMany: CaseItemSource['findMany']): CaseItemSource => ({
  kind,
  label,
  reader: { records: reader },
  findMany,
});

/** The kinds the API offers, in the order the GraphQL enum lists them. */
export const CASE_ITEM_SOURCES: readonly CaseItemSource[] = [
  {
    kind: 'audit_entry',
    label: 'Audit entry',
    reader: { permission: 'audit_logs.view' },
    findMany: (db, scope, ids) => auditEntriesByIds(db, scope.tenantId, ids),
  },
  records('activity', 'Activity entry', 'activityLog', getActivityEntriesInScope),
  records('access_session', 'Access session', 'accessSessions', getAccessSessionsInScope),
  records('terminal_session', 'Terminal session', 'terminalSessions', getTerminalSessionsInScope),
  records('command', 'Command', 'commands', getCommandsInScope),
  records('file_transfer', 'File transfer', 'fileTransfers', getFileTransfersInScope),
  records('system_log', 'System log', 'systemLogs', getSystemLogsInScope),
  records('sudo_authorization', 'Sudo authorization', 'sudoAuthorizations', getSudoAuthorizationsInScope),
  records('approval', 'Approval', 'approvals', getApprovalsInScope),
  records('terminal_recording', 'Terminal recording', 'terminalRecordings', (db, scope, ids) =>
    findManyInScope(db, terminalRecordings, RECORDING_SCOPE, scope, ids),
  ),
  records('desktop_recording', 'Desktop recording', 'desktopRecordings', (db, scope, ids) =>
    findManyInScope(db, desktopRecordings, DESKTOP_RECORDING_SCOPE, scope, ids),
  ),
];

/** Audit entries by id, once the sequencer has numbered them (as the audit log shows them). */
function auditEntriesByIds(db: Executor, tenantId: string, ids: readonly string[]): Promise<{ id: string }[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db
    .select()
    .from(auditEntries)
    .where(and(eq(auditEntries.tenantId, tenantId), isNotNull(auditEntries.seq), inArray(auditEntries.id, [...ids])));
}

const BY_KIND = new Map(CASE_ITEM_SOURCES.map((item) => [item.kind, item]));

export function caseItemSource(kind: string): CaseItemSource | undefined {
  return BY_KIND.get(kind as CaseItemKind);
}

/** The rows of the kind the actor sees (null: none), by the kind's reader rule. */
export function itemScope(actor: Actor | null, item: CaseItemSource): RowScope | null {
  if ('records' in item.reader) return referenceScope(actor, item.reader.records);
  return actor && actor.type !== 'agent' && hasPermission(actor, item.reader.permission) ? { tenantId: actor.tenantId } : null;
}

/** The item's row if the actor may see it (through the kind's list rule), else undefined. */
export async function findVisibleItem(db: Executor, actor: Actor | null, item: CaseItemSource, id: string): Promise<{ id: string } | undefined> {
  const scope = itemScope(actor, item);
  return scope ? (await item.findMany(db, scope, [id]))[0] : undefined;
}
