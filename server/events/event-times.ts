/**
 * The time of an event whose row holds none of its own (a setting's version: a webhook
 * subscription created or deleted, a user's role changed): the time of the audit entry Vigil
 * wrote in the same transaction, which its leaf covers. Both leaves name that transaction in their
 * hashed text (leaf format 2) and verification holds every setting version to such an entry, so
 * nobody with database access can move the time without the log showing it. The queue time (a
 * column of log_leaves) stays only where no entry is found (format-1 leaves, written before leaves
 * named their transaction, and the log's own retention statements).
 */
import { sql } from 'drizzle-orm';
import { arrayLiteral } from '../db/bulk-insert.js';
import { queryRows, type Executor } from '../db/database.js';
import { recordTimeOf, timelessTransactionOf, transactionNamedBy, type PlacedLeaf, type StreamEvent } from './stream-event.js';

/** An audit entry leaf's time, from its row; undefined when the text names another transaction or holds none. */
function auditTimeOf(leaf: string, xact: string): Date | undefined {
  if (transactionNamedBy(leaf) !== xact) return undefined;
  return recordTimeOf('audit_entry', (JSON.parse(leaf) as { row?: Record<string, unknown> }).row ?? {});
}

/**
 * `events` (made from `leaves`, in order), each timeless one given its transaction's audit entry
 * time: from the same leaves where the entry is among them, else read from the log.
 */
export async function withTransactionTimes(db: Executor, tenantId: string, leaves: readonly PlacedLeaf[], events: StreamEvent[]): Promise<StreamEvent[]> {
  const wanted = new Set<string>();
  for (const event of events) {
    const xact = timelessTransactionOf(event);
    if (xact) wanted.add(xact);
  }
  if (wanted.size === 0) return events;
  const times = new Map<string, Date>();
  for (const leaf of leaves) {
    const xact = leaf.kind === 'audit_entry' && leaf.leaf !== null ? transactionNamedBy(leaf.leaf) : undefined;
    if (!xact || !wanted.has(xact) || times.has(xact)) continue;
    const at = auditTimeOf(leaf.leaf!, xact);
    if (at) times.set(xact, at);
  }
  const missing = [...wanted].filter((xact) => !times.has(xact));
  if (missing.length > 0) {
    const rows = await queryRows<{ xact: string; leaf: string }>(
      db,
      sql`select distinct on (xact) xact::text as xact, leaf from log_leaves
          where tenant_id = ${tenantId} and xact = any(${arrayLiteral(missing)}::bigint[]) and kind = 'audit_entry' and idx is not null and leaf is not null
          order by xact, idx`,
    );
    for (const row of rows) {
      const at = auditTimeOf(row.leaf, row.xact);
      if (at) times.set(row.xact, at);
    }
  }
  return events.map((event) => {
    const xact = timelessTransactionOf(event);
    const time = xact ? times.get(xact) : undefined;
    return time ? { ...event, time } : event;
  });
}
