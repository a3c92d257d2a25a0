/**
 * Reading the stored tree: level-0 nodes are leaf hashes (log_leaves.idx), higher ones log_nodes.
 * Every read is one query, whatever the number of nodes asked for.
 */
import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../db/database.js';
import type { NodeId } from './merkle.js';

const asBuffer = (value: Buffer | Uint8Array): Buffer => (Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength));

/** The hashes of `ids`, in their order; throws when one is not stored (the tree is damaged). */
export async function fetchNodes(db: Executor, tenantId: string, ids: readonly NodeId[]): Promise<Buffer[]> {
  if (ids.length === 0) return [];
  const levels = ids.map((id) => id.level);
  const indexes = ids.map((id) => id.index);
  const rows = await queryRows<{ level: number; idx: string | number; hash: Buffer | Uint8Array }>(
    db,
    sql`select w.level, w.idx, coalesce(n.hash, l.leaf_hash) as hash
        from unnest(${`{${levels.join(',')}}`}::int[], ${`{${indexes.join(',')}}`}::bigint[]) as w(level, idx)
        left join log_nodes n on w.level > 0 and n.tenant_id = ${tenantId} and n.level = w.level and n.idx = w.idx
        left join log_leaves l on w.level = 0 and l.tenant_id = ${tenantId} and l.idx = w.idx`,
  );
  const byKey = new Map(rows.filter((row) => row.hash !== null).map((row) => [`${row.level}:${row.idx}`, asBuffer(row.hash)]));
  return ids.map((id) => {
    const hash = byKey.get(`${id.level}:${id.index}`);
    if (!hash) throw new Error(`The log's node ${id.level}/${id.index} is missing`);
    return hash;
  });
}

export { asBuffer };
