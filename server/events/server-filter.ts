/**
 * The event stream's servers by name or by labels (`env=prod`), as the servers are now: resolved
 * to ids once per read, so a filter names servers the way people do, and follows a server renamed
 * or relabelled. Retired servers count: the records that name them stay.
 */
import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../db/database.js';
import type { EventStreamFilter } from './event-filter.js';

/** The ids of the servers the filter names by name or labels; null when it names none that way. */
export async function serverIdsOfFilter(db: Executor, tenantId: string, filter: EventStreamFilter): Promise<ReadonlySet<string> | null> {
  const labels = filter.serverLabels ?? [];
  if (!filter.serverName && labels.length === 0) return null;
  const byName = filter.serverName ? sql`and lower(name) = lower(${filter.serverName})` : sql``;
  const byLabels = labels.length > 0 ? sql`and labels @> ${JSON.stringify(Object.fromEntries(labels.map((label) => [label.key, label.value])))}::jsonb` : sql``;
  const rows = await queryRows<{ id: string }>(db, sql`select id::text as id from servers where tenant_id = ${tenantId} ${byName} ${byLabels}`);
  return new Set(rows.map((row) => row.id));
}
