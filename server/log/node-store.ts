/**
 * Reading the stored tree: level-0 nodes are leaf hashes (log_leaves.idx), higher ones log_nodes.
 * Every read is one query, whatever the number of nodes (and tenants) asked for.
 */
import { sql } from 'drizzle-orm';
import { arrayLiteral } from '../db/bulk-insert.js';
import { queryRows, type Executor } from '../db/database.js';
import type { FetchNodes, NodeId } from './merkle.js';

const asBuffer = (value: Buffer | Uint8Array): Buffer => (Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength));

/** The hashes of `ids`, in their order; throws when one is not stored (the tree is damaged). */
export async function fetchNodes(db: Executor, tenantId: string, ids: readonly NodeId[]): Promise<Buffer[]> {
  return (await fetchNodesOfTenants(db, [{ tenantId, ids }])).get(tenantId)!;
}

/** fetchNodes for several tenants at once: each tenant's hashes in the order of its ids. */
export async function fetchNodesOfTenants(db: Executor, wanted: readonly { tenantId: string; ids: readonly NodeId[] }[]): Promise<Map<string, Buffer[]>> {
  const asked = wanted.flatMap(({ tenantId, ids }) => ids.map((id) => ({ tenantId, ...id })));
  const byKey = new Map<string, Buffer>();
  if (asked.length > 0) {
    const rows = await queryRows<{ tenant_id: string; level: number; idx: string | number; hash: Buffer | Uint8Array | null }>(
      db,
      sql`select w.tenant_id, w.level, w.idx, coalesce(n.hash, l.leaf_hash) as hash
          from unnest(${arrayLiteral(asked.map((id) => id.tenantId))}::uuid[], ${arrayLiteral(asked.map((id) => id.level))}::int[], ${arrayLiteral(asked.map((id) => id.index))}::bigint[]) as w(tenant_id, level, idx)
          left join log_nodes n on w.level > 0 and n.tenant_id = w.tenant_id and n.level = w.level and n.idx = w.idx
          left join log_leaves l on w.level = 0 and l.tenant_id = w.tenant_id and l.idx = w.idx`,
    );
    for (const row of rows) if (row.hash !== null) byKey.set(`${row.tenant_id}:${row.level}:${row.idx}`, asBuffer(row.hash));
  }
  return new Map(
    wanted.map(({ tenantId, ids }) => [
      tenantId,
      ids.map((id) => {
        const hash = byKey.get(`${tenantId}:${id.level}:${id.index}`);
        if (!hash) throw new Error(`The log's node ${id.level}/${id.index} is missing`);
        return hash;
      }),
    ]),
  );
}

/**
 * Serves merkle.ts's node reads from the nodes an inclusion proof's statement read (the `node_keys`
 * and `node_hashes` of vigil_inclusion_proof, migration 0037); a read that asks for any node not
 * among them goes to the database as fetchNodes (which throws when one is not stored).
 */
export function prefetchedNodes(row: { node_keys: string | null; node_hashes: Buffer | Uint8Array | null }, fallback: FetchNodes): FetchNodes {
  const byKey = new Map<string, Buffer>();
  const keys = row.node_keys ? row.node_keys.split(',') : [];
  const packed = row.node_hashes ? asBuffer(row.node_hashes) : undefined;
  // A length that does not match the keys is not trusted at all: every read then goes to fallback.
  if (packed?.length === keys.length * 32) keys.forEach((key, i) => byKey.set(key, packed.subarray(i * 32, (i + 1) * 32)));
  return async (ids) => {
    const hashes = ids.map((id) => byKey.get(`${id.level}:${id.index}`));
    return hashes.every((hash) => hash !== undefined) ? hashes : fallback(ids);
  };
}

export { asBuffer };
