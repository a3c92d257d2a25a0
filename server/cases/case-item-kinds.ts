/**
 * What an incident case may hold, kind by kind: the records the verifiable log covers that the API
 * can show, each found through its own list's row rule (server/auth/scope.ts recordScope, and the
 * list's *InScope query). A case attaches and shows an item only as far as the person asking may
 * see it that way: a row they may not see gets the answer of a row that does not exist, and the
 * rule is asked again at every read, not remembered from the attach. An item kind is its leaf kind
 * (server/log/leaf-kinds.ts): the bundle proves each item by the leaf its id names.
 */
import type { Actor } from '../auth/actor.js';
import type { Permission } from '../auth/permissions.js';
import { hasPermission, referenceScope, type RecordKind, type RowScope } from '../auth/scope.js';
import { getAuditEntry } from '../audit/list-entries.js';
import { getApprovalInScope } from '../approvals/approval-queries.js';
import type { Executor } from '../db/database.js';
import { desktopRecordings, type CaseItemKind } from '../db/tables/index.js';
import { DESKTOP_RECORDING_SCOPE } from '../recordings/desktop-recording-queries.js';
import { getRecordingInScope } from '../recordings/recording-queries.js';
import { findInScope } from '../records/queries/conditions.js';
import { getAccessSessionInScope } from '../records/queries/list-access-sessions.js';
import { getActivityInScope } from '../records/queries/list-activity.js';
import { getCommandInScope } from '../records/queries/list-commands.js';
import { getFileTransferInScope } from '../records/queries/list-file-transfers.js';
import { getSudoAuthorizationInScope } from '../records/queries/list-sudo-authorizations.js';
import { getSystemLogInScope } from '../records/queries/list-system-logs.js';
import { getTerminalSessionInScope } from '../records/queries/list-terminal-sessions.js';

/** Who reads an item kind: the row rule of a record list, or (the audit log) a permission over the whole tenant. */
type ItemReader = { readonly records: RecordKind } | { readonly permission: Permission };

export interface CaseItemSource {
  readonly kind: CaseItemKind;
  /** How an error names one (`Command 0193… was not found`). */
  readonly label: string;
  readonly reader: ItemReader;
  /** The row by id within `scope`; undefined when it does not exist or is not in it. */
  find(db: Executor, scope: RowScope, id: string): Promise<{ id: string } | undefined>;
}

const records = (kind: CaseItemKind, label: string, reader: RecordKind, find: CaseItemSource['find']): CaseItemSource => ({
  kind,
  label,
  reader: { records: reader },
  find,
});

/** The kinds the API offers, in the order the GraphQL enum lists them. */
export const CASE_ITEM_SOURCES: readonly CaseItemSource[] = [
  {
    kind: 'audit_entry',
    label: 'Audit entry',
    reader: { permission: 'audit_logs.view' },
    find: (db, scope, id) => getAuditEntry(db, scope.tenantId, { id }),
  },
  records('activity', 'Activity entry', 'activityLog', getActivityInScope),
  records('access_session', 'Access session', 'accessSessions', getAccessSessionInScope),
  records('terminal_session', 'Terminal session', 'terminalSessions', getTerminalSessionInScope),
  records('command', 'Command', 'commands', getCommandInScope),
  records('file_transfer', 'File transfer', 'fileTransfers', getFileTransferInScope),
  records('system_log', 'System log', 'systemLogs', getSystemLogInScope),
  records('sudo_authorization', 'Sudo authorization', 'sudoAuthorizations', getSudoAuthorizationInScope),
  records('approval', 'Approval', 'approvals', getApprovalInScope),
  records('terminal_recording', 'Terminal recording', 'terminalRecordings', getRecordingInScope),
  records('desktop_recording', 'Desktop recording', 'desktopRecordings', (db, scope, id) =>
    findInScope(db, desktopRecordings, DESKTOP_RECORDING_SCOPE, scope, id),
  ),
];

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
  return scope ? item.find(db, scope, id) : undefined;
}
