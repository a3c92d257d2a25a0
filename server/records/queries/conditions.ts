import { and, eq, gte, ilike, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from '../../db/database.js';
import type { RowScope, ServerReach } from '../../auth/scope.js';
import { arrayLiteral } from '../../db/bulk-insert.js';
import { containsPattern } from '../../db/like-pattern.js';

/** A time window: from inclusive, to exclusive. */
export interface TimeRange {
  from?: Date | null;
  to?: Date | null;
}

type SqlValue = AnyPgColumn | SQL;

/**
 * Where a kind's row is, in SQL (RowServers in server/auth/scope.ts): its server; the servers an
 * access session covers (by id, and by label); or, for a request, its access session's servers
 * (and a sudo request's own server).
 */
export type ServerColumns =
  | { readonly serverId: SqlValue }
  | { readonly serverIds: SqlValue; readonly serverLabels: SqlValue }
  | { readonly accessSessionId: SqlValue; readonly serverId: SqlValue };

/**
 * The conditions every record list starts with: the tenant, then the scope's own rows and rows on
 * its servers (rowInScope). A filter on another person's id then simply matches nothing.
 */
export function scopeConditions(scope: RowScope, columns: ScopeColumns): (SQL | undefined)[] {
  const isWholeTenant = scope.ownerUserId === undefined && scope.servers === undefined;
  return [eq(columns.tenantId, scope.tenantId), isWholeTenant ? undefined : rowInScope(scope, columns.owner ?? null, columns.servers ?? null)];
}

/**
 * SQL twin of isRowInScope (server/auth/scope.ts): whether the row owned by `owner`, on the
 * servers `servers` locate, is within `scope`. A kind without an owner or server column matches
 * only through the part it has.
 */
export function rowInScope(scope: RowScope | null, owner: SqlValue | null, servers: ServerColumns | null): SQL {
  if (scope === null) return sql`false`;
  if (scope.ownerUserId === undefined && scope.servers === undefined) return sql`true`;
  const own = scope.ownerUserId !== undefined && owner !== null ? sql`${owner} = ${scope.ownerUserId}` : undefined;
  const onServers = scope.servers !== undefined && servers !== null ? serverInReach(scope.tenantId, scope.servers, servers) : undefined;
  return or(own, onServers) ?? sql`false`;
}

/** SQL twin of isRowOnServerInReach (server/auth/scope.ts). */
export function serverInReach(tenantId: string, reach: ServerReach, servers: ServerColumns): SQL {
  const ids = sql`${arrayLiteral([...reach.servers.keys()])}::uuid[]`;
  const covered = (serverIds: SqlValue, labels: SqlValue) =>
    sql`(${serverIds} && ${ids} or (${labels} <> '{}'::jsonb and exists (select 1 from servers reach_server where reach_server.tenant_id = ${tenantId} and reach_server.id = any(${ids}) and reach_server.labels @> ${labels})))`;
  if ('serverIds' in servers) return covered(servers.serverIds, servers.serverLabels);
  if ('accessSessionId' in servers) {
    return sql`(${servers.serverId} = any(${ids}) or exists (select 1 from access_sessions reach_session where reach_session.tenant_id = ${tenantId} and reach_session.id = ${servers.accessSessionId} and ${covered(sql`reach_session.server_ids`, sql`reach_session.server_labels`)}))`;
  }
  return sql`${servers.serverId} = any(${ids})`;
}

/** Whether the row owned by `owner` is within a scope of owners alone (the field rules' fieldScope). */
export function ownerInScope(scope: RowScope | null, owner: SqlValue): SQL {
  return rowInScope(scope, owner, null);
}

export function inTimeRange(column: AnyPgColumn, range: TimeRange): SQL | undefined {
  return and(range.from ? gte(column, range.from) : undefined, range.to ? lt(column, range.to) : undefined);
}

export function equalsIfGiven<T>(column: AnyPgColumn, value: T | null | undefined): SQL | undefined {
  return value == null ? undefined : eq(column, value);
}

export function oneOfIfGiven<T>(column: AnyPgColumn, values: readonly T[] | null | undefined): SQL | undefined {
  return values?.length ? inArray(column, [...values]) : undefined;
}

export function containsIfGiven(column: AnyPgColumn, text: string | null | undefined): SQL | undefined {
  return text ? ilike(column, containsPattern(text)) : undefined;
}

/** The columns a kind's row rule reads: its tenant, the person who owns a row and where it is (if it has them). */
export interface ScopeColumns {
  readonly tenantId: AnyPgColumn;
  readonly owner?: AnyPgColumn;
  readonly servers?: ServerColumns;
}

/**
 * The rows of `ids` within the scope, in one statement; those that do not exist or are not the
 * actor's to see are left out. The set form of findInScope, for a page's lookups (a case's items).
 */
export async function findManyInScope<Table extends PgTable & { id: AnyPgColumn }>(
  db: Executor,
  table: Table,
  columns: ScopeColumns,
  scope: RowScope,
  ids: readonly string[],
): Promise<Table['$inferSelect'][]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select()
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- as in findInScope
    .from(table as PgTable)
    .where(and(...scopeConditions(scope, columns), inArray(table.id, [...ids])));
  return rows;
}

/** One row by id, within the scope; undefined when it does not exist or is not the actor's to see. */
export async function findInScope<Table extends PgTable & { id: AnyPgColumn }>(
  db: Executor,
  table: Table,
  columns: ScopeColumns,
  scope: RowScope,
  id: string,
): Promise<Table['$inferSelect'] | undefined> {
  const [row] = await db
    .select()
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- needed: drizzle's from() type over a generic table is a conditional type TypeScript cannot resolve
    .from(table as PgTable)
    .where(and(...scopeConditions(scope, columns), eq(table.id, id)));
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the rows of from(table as PgTable) are untyped: this says which they are
  return row as Table['$inferSelect'] | undefined;
}
