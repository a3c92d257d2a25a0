import { and, eq, getTableName, sql } from 'drizzle-orm';
import { QueryBuilder, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from './database.js';
import { builtRows, columnsOf } from './flat-rows.js';

type TenantTable = PgTable & { tenantId: PgColumn; id: PgColumn };
type RunRows = (db: Executor, values: Record<string, unknown>) => Promise<unknown[]>;

/** The statements are rendered once, without a database, and run on whichever executor asks. */
const builder = new QueryBuilder();
/** By table and column list (whole rows: `*`); both are written in code, so these are few. */
const statements = new Map<string, RunRows>();

/**
 * The table's statement by id, rendered once: one array parameter for the ids, not one per id
 * (drizzle would render and check each parameter on every call, and a page's loaders ask for up
 * to a hundred ids at a time).
 */
function statementOf(table: TenantTable, keys?: readonly string[]): RunRows {
  const name = `${getTableName(table)}:${keys?.join(',') ?? '*'}`;
  let run = statements.get(name);
  if (!run) {
    const select = keys ? builder.select(columnsOf(table, keys as never)) : builder.select();
    const where = and(eq(table.tenantId, sql.placeholder('tenantId')), sql`${table.id} = any(${sql.placeholder('ids')}::${sql.raw(table.id.getSQLType())}[])`);
    statements.set(name, (run = builtRows(table, keys as never, select.from(table as PgTable).where(where))));
  }
  return run;
}

/** Rows of one tenant by id, in one statement: what every DataLoader and export lookup batches into. */
export async function rowsByIds<Table extends TenantTable>(
  db: Executor,
  table: Table,
  tenantId: string,
  ids: readonly string[],
): Promise<Table['$inferSelect'][]> {
  if (ids.length === 0) return [];
  return (await statementOf(table)(db, { tenantId, ids: [...ids] })) as Table['$inferSelect'][];
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
  return (await statementOf(table, keys)(db, { tenantId, ids: [...ids] })) as Pick<Table['$inferSelect'], Key>[];
}
