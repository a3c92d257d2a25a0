import { and, eq, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from './database.js';
import { selectWholeRows } from './flat-rows.js';

type TenantTable = PgTable & { tenantId: PgColumn; id: PgColumn };

/** Rows of one tenant by id, in one statement: what every DataLoader and export lookup batches into. */
export async function rowsByIds<Table extends TenantTable>(
  db: Executor,
  table: Table,
  tenantId: string,
  ids: readonly string[],
): Promise<Table['$inferSelect'][]> {
  if (ids.length === 0) return [];
  const query = db
    .select()
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- needed: drizzle's from() type over a generic table is a conditional type TypeScript cannot resolve
    .from(table as PgTable)
    // One array parameter, not one per id: drizzle renders and checks each parameter on every
    // call, and a page's loaders ask for up to a hundred ids at a time.
    .where(and(eq(table.tenantId, tenantId), sql`${table.id} = any(${sql.param([...ids])}::${sql.raw(table.id.getSQLType())}[])`));
  return selectWholeRows(db, table, query);
}
