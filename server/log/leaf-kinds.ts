/**
 * What the verifiable log covers: every table whose rows are records, each as one leaf kind. A
 * leaf is queued (by a trigger, server/log/leaf-sql.ts) for every row inserted and, where records
 * change, for every version written, so the latest leaf of a record always equals the stored row.
 *
 * A leaf is the RFC 8785 text of { "kind", "row": { every column by name }, "v": 1 }. Columns
 * listed in `digested` appear as "<column>_sha256": the hex SHA-256 of their bytes (UTF-8 for
 * text), so a leaf stays small while still pinning a recording's content.
 */
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import {
  accessSessions,
  activityLog,
  approvalDecisions,
  approvals,
  auditEntries,
  commandStatusChanges,
  commands,
  fileTransfers,
  sudoAuthorizations,
  sudoChecks,
  systemLogs,
  terminalRecordingChunks,
  terminalRecordings,
  terminalSessions,
} from '../db/tables/index.js';

export interface LeafKind {
  readonly kind: string;
  readonly table: PgTable;
  /** SQL over the row alias `n` giving the record's id as text. */
  readonly recordId: string;
  /** Whether rows change after they are written (a leaf per version), or are written once. */
  readonly isVersioned: boolean;
  /** Columns the sequencer fills in after the leaf was queued; they are not part of the leaf. */
  readonly excluded?: readonly string[];
  readonly digested?: readonly string[];
}

export const LEAF_KINDS: readonly LeafKind[] = [
  { kind: 'audit_entry', table: auditEntries, recordId: 'n.id::text', isVersioned: false, excluded: ['seq', 'prev_hash', 'hash'] },
  { kind: 'activity', table: activityLog, recordId: 'n.id::text', isVersioned: false },
  { kind: 'access_session', table: accessSessions, recordId: 'n.id::text', isVersioned: true },
  { kind: 'terminal_session', table: terminalSessions, recordId: 'n.id::text', isVersioned: true },
  { kind: 'command', table: commands, recordId: 'n.id::text', isVersioned: true },
  { kind: 'command_status_change', table: commandStatusChanges, recordId: 'n.id::text', isVersioned: false },
  { kind: 'file_transfer', table: fileTransfers, recordId: 'n.id::text', isVersioned: true },
  { kind: 'system_log', table: systemLogs, recordId: 'n.id::text', isVersioned: false },
  { kind: 'sudo_authorization', table: sudoAuthorizations, recordId: 'n.id::text', isVersioned: true },
  { kind: 'sudo_check', table: sudoChecks, recordId: 'n.id::text', isVersioned: false },
  { kind: 'approval', table: approvals, recordId: 'n.id::text', isVersioned: true },
  { kind: 'approval_decision', table: approvalDecisions, recordId: 'n.id::text', isVersioned: false },
  { kind: 'terminal_recording', table: terminalRecordings, recordId: 'n.id::text', isVersioned: true },
  {
    kind: 'recording_chunk',
    table: terminalRecordingChunks,
    recordId: `n.recording_id::text || ':' || n.seq::text`,
    isVersioned: false,
    digested: ['data', 'output_text', 'input_text'],
  },
];

/** Leaves Vigil writes about the log itself (a retention cut), not about a stored row. */
export const LOG_STATEMENT_KIND = 'log_statement';

export function tableNameOf(kind: LeafKind): string {
  return getTableConfig(kind.table).name;
}

export function leafKindByName(name: string): LeafKind | undefined {
  return LEAF_KINDS.find((kind) => kind.kind === name);
}
