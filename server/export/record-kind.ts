/**
 * What a record export is made of: the GraphQL list it mirrors (same filter, same scope, same
 * rows), how its filter reads from the query string, and its columns. Columns follow the API's
 * field rules: a field hidden from the actor in the API (another person's command output, remote
 * IP) is an empty cell here, and a referenced session the actor may not see is left out.
 */
import { and, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Actor } from '../auth/actor.js';
import { canSeeRow, referenceScope, type RecordKind, type RowScope } from '../auth/scope.js';
import type { Executor } from '../db/database.js';
import { MAX_PAGE_SIZE, type Page, type PageArgs } from '../pagination/keyset.js';
import { rowInScope } from '../records/queries/conditions.js';
import { csvCell } from './csv-cells.js';
import { cellWhen, plainCell, textCell } from './csv-cell-sql.js';
import type { QueryParams } from './query-params.js';
import { loadReferences, type PageReferences, type ReferencedIds } from './record-references.js';
import { listPages } from './stream-rows.js';

export interface CellContext {
  readonly actor: Actor;
  readonly refs: PageReferences;
}

/** What a column's SQL depends on: who exports (the field rules). */
export interface SqlCellContext {
  readonly actor: Actor;
}

/**
 * A CSV column: its header, its cell read from a row and the page's references, and for a kind
 * that PostgreSQL renders with COPY, the same cell in SQL (csv-cell-sql.ts).
 */
export type Column<Row> = readonly [header: string, read: (row: Row, ctx: CellContext) => unknown, sqlCell?: (ctx: SqlCellContext) => SQL];

/**
 * How PostgreSQL renders a kind's export by itself: the table and the joins its columns' SQL
 * reads (sameTenantJoin), the list's own conditions (scope and filter) and the list's keys, in
 * whose descending order the list pages.
 */
export interface CopyDefinition<Filter> {
  readonly table: PgTable;
  readonly joins: readonly SQL[];
  where(scope: RowScope, filter: Filter): (SQL | undefined)[];
  readonly order: readonly AnyPgColumn[];
}

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
  /** The same records as one SELECT of text cells, for COPY; undefined for a kind rendered in JavaScript only. */
  readonly copySelect?: (scope: RowScope, filter: object, actor: Actor) => SQL;
}

export function defineRecordExport<Row, Filter extends object>(definition: {
  name: string;
  scopeKind: RecordKind;
  parseFilter(params: QueryParams): Filter;
  list(db: Executor, scope: RowScope, filter: Filter, args: PageArgs): Promise<Page<Row>>;
  references(rows: readonly Row[]): ReferencedIds;
  columns: readonly Column<Row>[];
  copy?: CopyDefinition<Filter>;
}): RecordExportKind {
  const { columns, copy } = definition;
  const missing = copy && columns.find(([, , sqlCell]) => !sqlCell);
  if (missing) throw new Error(`The ${definition.name} export is rendered by COPY, but its column ${missing[0]} has no SQL`);
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
    copySelect:
      copy &&
      ((scope, filter, actor) => {
        const cells = columns.map(([header, , cell]) => sql`${cell!({ actor })} as ${sql.identifier(header)}`);
        return sql`select ${sql.join(cells, sql`, `)}
          from ${copy.table} ${sql.join([...copy.joins], sql` `)}
          where ${and(...copy.where(scope, filter as Filter))}
          order by ${sql.join(
            copy.order.map((key) => sql`${key} desc`),
            sql`, `,
          )}`;
      }),
  };
}

// Columns several kinds share.

type SqlValue = AnyPgColumn | SQL;

/**
 * `left join <table> <alias>` on the row `id` names within the same tenant: the one way an
 * export's SELECT reaches another table, so a join never leaves the tenant (and stays on its node
 * when tenants are distributed).
 */
export function sameTenantJoin(table: PgTable, alias: string, tenantId: AnyPgColumn, id: AnyPgColumn): SQL {
  const other = sql.identifier(alias);
  return sql`left join ${table} ${other} on ${other}.tenant_id = ${tenantId} and ${other}.id = ${id}`;
}

/** `server_id` and `server_name`; in SQL, the record's server_id and the joined server's name. */
export function serverColumns<Row>(serverId: (row: Row) => string | null, inSql?: { id: SqlValue; name: SqlValue }): Column<Row>[] {
  return [
    ['server_id', (row) => serverId(row), inSql && (() => plainCell(inSql.id))],
    ['server_name', (row, { refs }) => refs.servers.get(serverId(row) ?? '')?.name, inSql && (() => textCell(inSql.name))],
  ];
}

/** `<role>_id` and `<role>_email` of a person a record names (operator, requester, approver …). */
export function personColumns<Row>(role: string, userId: (row: Row) => string | null, inSql?: { id: SqlValue; email: SqlValue }): Column<Row>[] {
  return [
    [`${role}_id`, (row) => userId(row), inSql && (() => plainCell(inSql.id))],
    [`${role}_email`, (row, { refs }) => refs.users.get(userId(row) ?? '')?.email, inSql && (() => textCell(inSql.email))],
  ];
}

/** The access session a record ran in, when the actor may see that session (as the API's `accessSession`). */
export function accessSessionColumn<Row>(
  accessSessionId: (row: Row) => string | null,
  inSql?: { id: SqlValue; requesterId: SqlValue; serverIds: SqlValue; serverLabels: SqlValue },
): Column<Row> {
  return [
    'access_session_id',
    (row, { actor, refs }) => {
      const session = refs.accessSessions.get(accessSessionId(row) ?? '');
      return session && canSeeRow(actor, 'accessSessions', session.requesterId, session) ? session.id : null;
    },
    inSql && (({ actor }) => cellWhen(rowInScope(referenceScope(actor, 'accessSessions'), inSql.requesterId, inSql), plainCell(inSql.id))),
  ];
}

export const secondsBetween = (from: Date | null, to: Date | null) => (from && to ? Math.max(0, (to.getTime() - from.getTime()) / 1000) : null);
