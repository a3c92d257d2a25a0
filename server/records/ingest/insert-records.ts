/**
 * Multi-row inserts of new records, one statement per kind. Rows whose (server, eventId) exists
 * already are skipped by ON CONFLICT DO NOTHING: that is what makes a re-sent batch harmless.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { unnestInsert } from '../../db/bulk-insert.js';
import { queryRows, type Executor } from '../../db/database.js';
import { commands, fileTransfers, sudoAuthorizations, systemLogs, terminalSessions } from '../../db/tables/index.js';

export interface Written {
  readonly id: string;
  readonly isDuplicate: boolean;
}

type RecordTable = typeof terminalSessions | typeof commands | typeof fileTransfers | typeof systemLogs | typeof sudoAuthorizations;

/**
 * Inserts `rows` (each with its eventId) and returns, by eventId, the record id and whether it
 * existed already. Existing ones are read back in one more statement, only when there are any.
 */
export async function insertRecords<Table extends RecordTable>(
  db: Executor,
  table: Table,
  scope: { tenantId: string; serverId: string },
  rows: (Table['$inferInsert'] & { id: string; eventId: string })[],
): Promise<Map<string, Written>> {
  const written = new Map<string, Written>();
  if (rows.length === 0) return written;
  const columns = table as unknown as typeof commands;
  const inserted = await queryRows<{ id: string; event_id: string }>(
    db,
    unnestInsert(table as PgTable, rows, sql`on conflict (tenant_id, server_id, event_id) do nothing returning id, event_id`),
  );
  for (const row of inserted) written.set(row.event_id, { id: row.id, isDuplicate: false });
  const missing = rows.filter((row) => !written.has(row.eventId)).map((row) => row.eventId);
  if (missing.length > 0) {
    const existing = await db
      .select({ id: columns.id, eventId: columns.eventId })
      .from(columns)
      .where(and(eq(columns.tenantId, scope.tenantId), eq(columns.serverId, scope.serverId), inArray(columns.eventId, missing)));
    for (const row of existing) written.set(row.eventId, { id: row.id, isDuplicate: true });
  }
  return written;
}
