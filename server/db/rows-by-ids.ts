import { and, eq, getTableName, sql } from 'drizzle-orm';
import { QueryBuilder, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from './database.js';
import { builtColumns, builtWholeRows, columnsOf } from './flat-rows.js';

type TenantTable = PgTable & { tenantId: PgColumn; id: PgColumn };
type RunRows = ReturnType<typeof builtWholeRows>;

/** The statements are rendered once per table, without a database, and run on whichever executor asks. */
const builder = new QueryBuilder();
const statements = new WeakMap<PgTable, RunRows>();

/**
 * The table's statement, rendered once: one array parameter for the ids, not one per id (drizzle
 * would render and check each parameter on every call, and a page's loaders ask for up to a
 * hundred ids at a time).
 */
function statementOf(table: TenantTable): RunRows {
  let run = statements.get(table);
  if (!run) statements.set(table, (run = builtWholeRows(table, builder.select().from(table).where(byIdsCondition(table)))));
  return run;
}

const byIdsCondition = (table: TenantTable) =>
  and(eq(table.tenantId, sql.placeholder('tenantId')), sql`${table.id} = any(${sql.placeholder('ids')}::${sql.raw(table.id.getSQLType())}[])`);

/** Statements of chosen columns by id, one per table and column list (those are written in code). */
const columnStatements = new Map<string, (db: Executor, values: Record<string, unknown>) => Promise<unknown[]>>();

/** Rows of one tenant by id, in one statement: what every DataLoader and export lookup batches into. */
export async function rowsByIds<Table extends TenantTable>(
  db: Executor,
  table: Table,
  tenantId: string,
  ids: readonly string[],
): Promise<Table['$inferSelect'][]> {
  if (ids.length === 0) return [];
  return statementOf(table)(db, { tenantId, ids: [...ids] });
}

/** rowsByIds for a few columns only (`keys`, which must hold id): for what needs no more of the rows. */
export async function columnsByIds<Table extends TenantTable, Key extends keyof Table['$inferSelect'] & string>(
  db: Executor,
  table: Table,
  keys: readonly Key[],
  tenantId: string,
  ids: readonly string[],
): Promise<Pick<Table['$inferSelect'], Key>[]> {
  if (ids.length === 0) return [];
  const name = `${getTableName(table)}:${keys.join(',')}`;
  let run = columnStatements.get(name);
  if (!run)
    columnStatements.set(
      name,
      (run = builtColumns(
        table,
        keys,
        builder
          .select(columnsOf(table, keys))
          .from(table as PgTable)
          .where(byIdsCondition(table)),
      )),
    );
  return (await run(db, { tenantId, ids: [...ids] })) as Pick<Table['$inferSelect'], Key>[];
}
