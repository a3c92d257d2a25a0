/**
 * The nested lists of the record types: a terminal session's commands, and an access session's
 * terminal sessions, commands, file transfers and sudo authorizations. A parent the viewer may see
 * shows all of its children (they belong to the same person); fields within them still follow
 * the field rules.
 */
import { getTableName } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { RowScope } from '../../server/auth/scope.js';
import {
  commands,
  fileTransfers,
  sudoAuthorizations,
  terminalSessions,
  type CommandRow,
  type FileTransferRow,
  type SudoAuthorizationRow,
  type TerminalSessionRow,
} from '../../server/db/tables/index.js';
import type { Page, PageArgs } from '../../server/pagination/keyset.js';
import { listCommands } from '../../server/records/queries/list-commands.js';
import { listFileTransfers } from '../../server/records/queries/list-file-transfers.js';
import { listSudoAuthorizations } from '../../server/records/queries/list-sudo-authorizations.js';
import { listTerminalSessions } from '../../server/records/queries/list-terminal-sessions.js';
import { firstRowsOfParents } from '../../server/records/queries/nested-page.js';
import type { GraphQLContext } from '../context.js';
import { loadNestedPage } from './nested-list.js';

interface ChildKind<Row> {
  readonly table: PgTable & { tenantId: AnyPgColumn; id: AnyPgColumn };
  readonly time: AnyPgColumn;
  readonly timeOf: (row: Row) => Date;
  readonly list: (ctx: GraphQLContext, scope: RowScope, filter: Record<string, string>, args: PageArgs) => Promise<Page<Row>>;
}

const COMMANDS: ChildKind<CommandRow> = {
  table: commands,
  time: commands.submittedAt,
  timeOf: (row) => row.submittedAt,
  list: (ctx, scope, filter, args) => listCommands(ctx.deps.db, scope, filter, args),
};
const TERMINAL_SESSIONS: ChildKind<TerminalSessionRow> = {
  table: terminalSessions,
  time: terminalSessions.startedAt,
  timeOf: (row) => row.startedAt,
  list: (ctx, scope, filter, args) => listTerminalSessions(ctx.deps.db, scope, filter, args),
};
const FILE_TRANSFERS: ChildKind<FileTransferRow> = {
  table: fileTransfers,
  time: fileTransfers.occurredAt,
  timeOf: (row) => row.occurredAt,
  list: (ctx, scope, filter, args) => listFileTransfers(ctx.deps.db, scope, filter, args),
};
const SUDO_AUTHORIZATIONS: ChildKind<SudoAuthorizationRow> = {
  table: sudoAuthorizations,
  time: sudoAuthorizations.grantedAt,
  timeOf: (row) => row.grantedAt,
  list: (ctx, scope, filter, args) => listSudoAuthorizations(ctx.deps.db, scope, filter, args),
};

function children<Row extends { id: string }>(
  ctx: GraphQLContext,
  kind: ChildKind<Row>,
  parentField: 'terminalSessionId' | 'accessSessionId',
  parentId: string,
  args: PageArgs,
): Promise<Page<Row>> {
  const tenantId = ctx.actor!.tenantId;
  const parent = (kind.table as unknown as Record<string, AnyPgColumn>)[parentField]!;
  return loadNestedPage(ctx, `${getTableName(kind.table)}:${parentField}`, parentId, args, {
    batch: (parentIds, perParent) =>
      firstRowsOfParents<Row>(ctx.deps.db, kind.table, { tenantId: kind.table.tenantId, id: kind.table.id, parent, time: kind.time }, tenantId, parentIds, perParent),
    parentOf: (row) => (row as unknown as Record<string, string | null>)[parentField] ?? null,
    keyValues: (row) => [kind.timeOf(row).toISOString(), row.id],
    single: (id, pageArgs) => kind.list(ctx, { tenantId }, { [parentField]: id }, pageArgs),
  });
}

export const commandsOfTerminalSession = (ctx: GraphQLContext, id: string, args: PageArgs) => children(ctx, COMMANDS, 'terminalSessionId', id, args);
export const commandsOfAccessSession = (ctx: GraphQLContext, id: string, args: PageArgs) => children(ctx, COMMANDS, 'accessSessionId', id, args);
export const terminalSessionsOfAccessSession = (ctx: GraphQLContext, id: string, args: PageArgs) =>
  children(ctx, TERMINAL_SESSIONS, 'accessSessionId', id, args);
export const fileTransfersOfAccessSession = (ctx: GraphQLContext, id: string, args: PageArgs) => children(ctx, FILE_TRANSFERS, 'accessSessionId', id, args);
export const sudoAuthorizationsOfAccessSession = (ctx: GraphQLContext, id: string, args: PageArgs) =>
  children(ctx, SUDO_AUTHORIZATIONS, 'accessSessionId', id, args);
