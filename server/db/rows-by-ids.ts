import { and, eq, sql } from 'drizzle-orm';
import { QueryBuilder, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from './database.js';
import { builtWholeRows } from './flat-rows.js';

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
  if (!run) {
    const query = builder
      .select()
      .from(table)
      .where(and(eq(table.tenantId, sql.placeholder('tenantId')), sql`${table.id} = any(${sql.placeholder('ids')}::${sql.raw(table.id.getSQLType())}[])`));
    statements.set(table, (run = builtWholeRows(table, query)));
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
  return statementOf(table)(db, { tenantId, ids: [...ids] });
}
