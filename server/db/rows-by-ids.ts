import { and, eq, inArray } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from './database.js';

type TenantTable = PgTable & { tenantId: PgColumn; id: PgColumn };

/** Rows of one tenant by id, in one statement: what every DataLoader and export lookup batches into. */
export async function rowsByIds<Table extends TenantTable>(
  db: Executor,
  table: Table,
  tenantId: string,
  ids: readonly string[],
): Promise<Table['$inferSelect'][]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select()
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- needed: drizzle's from() type over a generic table is a conditional type TypeScript cannot resolve
    .from(table as PgTable)
    .where(and(eq(table.tenantId, tenantId), inArray(table.id, [...ids])));
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the rows of from(table as PgTable) are untyped: this says which they are
  return rows as Table['$inferSelect'][];
}
