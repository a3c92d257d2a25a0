/**
 * The nested lists of the record types: a terminal session's commands, and an access session's
 * terminal sessions, commands, file transfers and sudo authorizations. A parent the viewer may see
 * shows all of its children (they belong to the same person), so only the tenant bounds them;
 * fields within them still follow the field rules.
 */
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { RowScope } from '../../auth/scope.js';
import type { Executor } from '../../db/database.js';
import { commands, fileTransfers, sudoAuthorizations, terminalSessions } from '../../db/tables/index.js';
import type { Page, PageArgs } from '../../pagination/keyset.js';
import type { CommandRecord, FileTransferRecord, SudoAuthorizationRecord, TerminalSessionRecord } from '../record-types.js';
import { listCommands } from './list-commands.js';
import { listFileTransfers } from './list-file-transfers.js';
import { listSudoAuthorizations } from './list-sudo-authorizations.js';
import { listTerminalSessions } from './list-terminal-sessions.js';
import { firstRowsOfParents, type NestedListSource } from './nested-page.js';

/** A parent of a nested list, named by the children's column that holds it. */
export type ParentColumn = 'terminalSessionId' | 'accessSessionId';

export interface ChildrenByKind {
  commands: CommandRecord;
  terminalSessions: TerminalSessionRecord;
  fileTransfers: FileTransferRecord;
  sudoAuthorizations: SudoAuthorizationRecord;
}

export type ChildKind = keyof ChildrenByKind;

interface ChildTable<Row> {
  readonly table: PgTable & { tenantId: PgColumn; id: PgColumn; $inferSelect: Row };
  /** The parents this kind hangs from. */
  readonly parents: Partial<Record<ParentColumn, PgColumn>>;
  /** Newest first by this time, then id: the keyset of the kind's own list, so cursors carry over. */
  readonly time: PgColumn;
  readonly timeOf: (row: Row) => Date;
  readonly list: (db: Executor, scope: RowScope, filter: Partial<Record<ParentColumn, string>>, args: PageArgs) => Promise<Page<Row>>;
}

const CHILDREN: { readonly [Kind in ChildKind]: ChildTable<ChildrenByKind[Kind]> } = {
  commands: {
    table: commands,
    parents: { terminalSessionId: commands.terminalSessionId, accessSessionId: commands.accessSessionId },
    time: commands.submittedAt,
    timeOf: (row) => row.submittedAt,
    list: listCommands,
  },
  terminalSessions: {
    table: terminalSessions,
    parents: { accessSessionId: terminalSessions.accessSessionId },
    time: terminalSessions.startedAt,
    timeOf: (row) => row.startedAt,
    list: listTerminalSessions,
  },
  fileTransfers: {
    table: fileTransfers,
    parents: { accessSessionId: fileTransfers.accessSessionId },
    time: fileTransfers.occurredAt,
    timeOf: (row) => row.occurredAt,
    list: listFileTransfers,
  },
  sudoAuthorizations: {
    table: sudoAuthorizations,
    parents: { accessSessionId: sudoAuthorizations.accessSessionId },
    time: sudoAuthorizations.grantedAt,
    timeOf: (row) => row.grantedAt,
    list: listSudoAuthorizations,
  },
};

/** The children of one kind under parents named by `parent`, in the tenant, for a nested list. */
export function childrenOf<Kind extends ChildKind>(db: Executor, tenantId: string, kind: Kind, parent: ParentColumn): NestedListSource<ChildrenByKind[Kind]> {
  const child: ChildTable<ChildrenByKind[Kind]> = CHILDREN[kind];
  const { table, time } = child;
  const parentColumn = child.parents[parent];
  if (!parentColumn) throw new Error(`${kind} have no ${parent}`);
  return {
    batch: (parentIds, perParent) =>
      firstRowsOfParents(db, table, { tenantId: table.tenantId, id: table.id, parent: parentColumn, time }, tenantId, parentIds, perParent),
    parentOf: (row) => (row as Partial<Record<ParentColumn, string | null>>)[parent] ?? null,
    keyValues: (row) => [child.timeOf(row).toISOString(), row.id],
    single: (parentId, args) => child.list(db, { tenantId }, { [parent]: parentId }, args),
  };
}
