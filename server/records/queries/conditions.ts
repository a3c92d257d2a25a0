import { and, eq, gte, ilike, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from '../../db/database.js';
import type { RowScope } from '../../auth/scope.js';
import { containsPattern } from '../../db/like-pattern.js';

/** A time window: from inclusive, to exclusive. */
export interface TimeRange {
  from?: Date | null;
  to?: Date | null;
}

/**
 * The conditions every record list starts with: the tenant, and the owner when the scope narrows
 * to one person. A filter on another person's id then simply matches nothing.
 */
export function scopeConditions(scope: RowScope, columns: ScopeColumns): (SQL | undefined)[] {
  return [eq(columns.tenantId, scope.tenantId), scope.ownerUserId && columns.owner ? eq(columns.owner, scope.ownerUserId) : undefined];
}

/** SQL twin of isOwnerInScope (server/auth/scope.ts): whether the row owned by `owner` is within `scope`. */
export function ownerInScope(scope: RowScope | null, owner: AnyPgColumn | SQL): SQL {
  if (scope === null) return sql`false`;
  return scope.ownerUserId === undefined ? sql`true` : sql`${owner} = ${scope.ownerUserId}`;
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

/** The columns a kind's row rule reads: its tenant, and the person who owns a row (if any). */
export interface ScopeColumns {
  readonly tenantId: AnyPgColumn;
  readonly owner?: AnyPgColumn;
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
