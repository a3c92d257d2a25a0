/**
 * The event stream's reads of the log. A window is a range of positions after a cursor, read in
 * one statement with the log's size, through the placed-leaf index (tenant_id, idx): positions are
 * given as a prefix (the sequencer places a run and moves the head in one transaction), so the
 * statement's snapshot holds every position below the size it reads and none above.
 */
import { sql } from 'drizzle-orm';
import { arrayLiteral } from '../db/bulk-insert.js';
import { queryRows, type Executor } from '../db/database.js';
import { leafKindByName, tableNameOf } from '../log/leaf-kinds.js';
import type { PlacedLeaf } from './stream-event.js';

export interface LeafWindow {
  /** The tenant's log size as the window was read. */
  readonly size: number;
  /** The window's leaves of the kinds asked for, in position order. */
  readonly leaves: PlacedLeaf[];
}

interface WindowRow {
  size: string | number;
  idx: string | number | null;
  kind: string | null;
  record_id: string | null;
  leaf: string | null;
  leaf_hash: string | null;
  queued_ms: number | null;
}

/**
 * The placed leaves at positions `after + 1` to `after + span` (and below the log's size), or,
 * reading back, the `span` positions below `before` (below the log's size: the newest ones when
 * `before` is past it), of `kinds` only when given (an empty list reads the size alone). The
 * leaves are in position order either way.
 */
export async function readLeafWindow(
  db: Executor,
  tenantId: string,
  window: ({ after: number } | { before: number }) & { span: number; kinds?: readonly string[] },
): Promise<LeafWindow> {
  const { span, kinds } = window;
  const ofKinds = kinds ? sql`and kind = any(${arrayLiteral(kinds)}::text[])` : sql``;
  const range =
    'after' in window
      ? sql`idx > ${window.after}::bigint and idx < least(h.size, ${window.after + 1 + span}::bigint)`
      : sql`idx >= least(h.size, ${window.before}::bigint) - ${span}::bigint and idx < least(h.size, ${window.before}::bigint)`;
  const leaves =
    kinds?.length === 0
      ? sql`select null::bigint as idx, null as kind, null as record_id, null as leaf, null as leaf_hash, null::float8 as queued_ms where false`
      : sql`select idx, kind, record_id, leaf, encode(leaf_hash, 'hex') as leaf_hash, (extract(epoch from queued_at) * 1000)::float8 as queued_ms
            from log_leaves
            where tenant_id = ${tenantId} and idx is not null and ${range} ${ofKinds}
            order by idx`;
  const rows = await queryRows<WindowRow>(
    db,
    sql`select h.size, l.idx, l.kind, l.record_id, l.leaf, l.leaf_hash, l.queued_ms
        from (select coalesce((select size from log_heads where tenant_id = ${tenantId}), 0) as size) h
        left join lateral (${leaves}) l on true`,
  );
  const placed: PlacedLeaf[] = [];
  for (const row of rows) {
    if (row.idx === null) continue;
    placed.push({
      position: Number(row.idx),
      kind: row.kind!,
      recordId: row.record_id!,
      leaf: row.leaf,
      leafHash: row.leaf_hash!,
      queuedAt: new Date(Number(row.queued_ms)),
    });
  }
  // In position order already (the lateral read's order); an outer ORDER BY would sort it again in the database.
  placed.sort((left, right) => left.position - right.position);
  return { size: Number(rows[0]?.size ?? 0), leaves: placed };
}

/**
 * The owners of parent records by id: `column` of the rows of `parentKind`'s table (a command's
 * operator, a request's requester). A parent gone (retention) has no entry.
 */
export async function ownersOfParents(
  db: Executor,
  tenantId: string,
  parentKind: string,
  column: string,
  ids: readonly string[],
): Promise<Map<string, string | null>> {
  const kind = leafKindByName(parentKind);
  if (!kind || ids.length === 0) return new Map();
  const rows = await queryRows<{ id: string; owner: string | null }>(
    db,
    sql`select id::text as id, ${sql.identifier(column)}::text as owner from ${sql.identifier(tableNameOf(kind))}
        where tenant_id = ${tenantId} and id = any(${arrayLiteral(ids)}::uuid[])`,
  );
  return new Map(rows.map((row) => [row.id, row.owner]));
}
