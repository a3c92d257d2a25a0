/**
 * The first N children of many parents in one statement (a window function ranks each parent's
 * children newest first), so a page of parents with a nested list costs one query, not one per
 * parent.
 */
import { and, desc, eq, getTableName, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from '../../db/database.js';
import type { Page, PageArgs } from '../../pagination/keyset.js';

/** How a nested list reads one kind of children (server/records/queries/nested-children.ts). */
export interface NestedListSource<Row> {
  /** The `perParent` newest children of each parent, newest first. */
  batch(parentIds: readonly string[], perParent: number): Promise<Row[]>;
  parentOf(row: Row): string | null;
  /** The keyset values of a row, as its kind's own list pages by them. */
  keyValues(row: Row): readonly string[];
  /** One parent's page for any paging arguments. */
  single(parentId: string, args: PageArgs): Promise<Page<Row>>;
}

export interface NestedPageColumns {
  readonly tenantId: AnyPgColumn;
  readonly id: AnyPgColumn;
  readonly parent: AnyPgColumn;
  readonly time: AnyPgColumn;
}

/** A WHERE condition selecting, for each parent in `parentIds`, its `perParent` newest children. */
export function firstChildrenOf(columns: NestedPageColumns, tenantId: string, parentIds: readonly string[], perParent: number): SQL {
  const table = sql.identifier(getTableName(columns.id.table));
  const ids = sql.join(
    parentIds.map((id) => sql`${id}::uuid`),
    sql`, `,
  );
  return and(
    eq(columns.tenantId, tenantId),
    sql`${columns.id} in (
      select ranked.id from (
        select ${sql.identifier(columns.id.name)} as id, row_number() over (
          partition by ${sql.identifier(columns.parent.name)}
          order by ${sql.identifier(columns.time.name)} desc, ${sql.identifier(columns.id.name)} desc
        ) as position
        from ${table}
        where ${sql.identifier(columns.tenantId.name)} = ${tenantId} and ${sql.identifier(columns.parent.name)} in (${ids})
      ) ranked
      where ranked.position <= ${perParent}
    )`,
  )!;
}

/** Rows of `table` selected by `firstChildrenOf`, newest first. */
export async function firstRowsOfParents<Row>(
  db: Executor,
  table: PgTable,
  columns: NestedPageColumns,
  tenantId: string,
  parentIds: readonly string[],
  perParent: number,
): Promise<Row[]> {
  if (parentIds.length === 0) return [];
  const rows = await db
    .select()
    .from(table)
    .where(firstChildrenOf(columns, tenantId, parentIds, perParent))
    .orderBy(desc(columns.time), desc(columns.id));
  return rows as Row[];
}
