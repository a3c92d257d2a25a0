/**
 * What a record export is made of: the GraphQL list it mirrors (same filter, same scope, same
 * rows), how its filter reads from the query string, and its columns. Columns follow the API's
 * field rules: a field hidden from the actor in the API (another person's command output, remote
 * IP) is an empty cell here, and a referenced session the actor may not see is left out.
 */
import type { Actor } from '../auth/actor.js';
import { canSeeRow, type RecordKind, type RowScope } from '../auth/scope.js';
import type { Executor } from '../db/database.js';
import { MAX_PAGE_SIZE, type Page, type PageArgs } from '../pagination/keyset.js';
import { csvCell } from './csv-cells.js';
import type { QueryParams } from './query-params.js';
import { loadReferences, type PageReferences, type ReferencedIds } from './record-references.js';
import { listPages } from './stream-rows.js';

export interface CellContext {
  readonly actor: Actor;
  readonly refs: PageReferences;
}

export type Column<Row> = readonly [header: string, read: (row: Row, ctx: CellContext) => unknown];

export interface RecordExportKind {
  /** In the URL and the file name: `/export/<name>.csv`. */
  readonly name: string;
  /** Whose rows the actor may export: the row rule of this GraphQL list. */
  readonly scopeKind: RecordKind;
  readonly header: readonly string[];
  /** The filter, read from the query string; a bad parameter is a BadInput naming it. */
  parseFilter(params: QueryParams): object;
  /** The CSV records, a page at a time, in the GraphQL list's order (newest first). */
  pages(db: Executor, scope: RowScope, filter: object, actor: Actor): AsyncGenerator<string[][]>;
}

export function defineRecordExport<Row, Filter extends object>(definition: {
  name: string;
  scopeKind: RecordKind;
  parseFilter(params: QueryParams): Filter;
  list(db: Executor, scope: RowScope, filter: Filter, args: PageArgs): Promise<Page<Row>>;
  references(rows: readonly Row[]): ReferencedIds;
  columns: readonly Column<Row>[];
}): RecordExportKind {
  const { columns } = definition;
  return {
    name: definition.name,
    scopeKind: definition.scopeKind,
    header: columns.map(([header]) => header),
    parseFilter: (params) => definition.parseFilter(params),
    async *pages(db, scope, filter, actor) {
      for await (const rows of listPages((args) => definition.list(db, scope, filter as Filter, args), MAX_PAGE_SIZE)) {
        const refs = await loadReferences(db, scope.tenantId, definition.references(rows));
        yield rows.map((row) => columns.map(([, read]) => csvCell(read(row, { actor, refs }))));
      }
    },
  };
}

// Columns several kinds share.

export function serverColumns<Row>(serverId: (row: Row) => string | null): Column<Row>[] {
  return [
    ['server_id', (row) => serverId(row)],
    ['server_name', (row, { refs }) => refs.servers.get(serverId(row) ?? '')?.name],
  ];
}

/** `<role>_id` and `<role>_email` of a person a record names (operator, requester, approver …). */
export function personColumns<Row>(role: string, userId: (row: Row) => string | null): Column<Row>[] {
  return [
    [`${role}_id`, (row) => userId(row)],
    [`${role}_email`, (row, { refs }) => refs.users.get(userId(row) ?? '')?.email],
  ];
}

/** The access session a record ran in, when the actor may see that session (as the API's `accessSession`). */
export function accessSessionColumn<Row>(accessSessionId: (row: Row) => string | null): Column<Row> {
  return [
    'access_session_id',
    (row, { actor, refs }) => {
      const session = refs.accessSessions.get(accessSessionId(row) ?? '');
      return session && canSeeRow(actor, 'accessSessions', session.requesterId) ? session.id : null;
    },
  ];
}

export const secondsBetween = (from: Date | null, to: Date | null) => (from && to ? Math.max(0, (to.getTime() - from.getTime()) / 1000) : null);
