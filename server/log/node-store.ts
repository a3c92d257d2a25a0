/**
 * Reading the stored tree: level-0 nodes are leaf hashes (log_leaves.idx), higher ones log_nodes.
 * Every read is one query, whatever the number of nodes (and tenants) asked for.
 */
import { sql, type Placeholder, type SQL } from 'drizzle-orm';
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

/** The bit length of a non-negative bigint SQL expression (0 for 0). */
const bitLength = (value: SQL) => sql`length(ltrim((${value})::bit(64)::text, '0'))`;

/**
 * The positions (rows of level, idx) of the nodes of the inclusion proof of leaf `index` in the
 * tree of `size` leaves (SQL expressions; none when either is null or index >= size), and of that
 * tree's root when `withRoot` is true: the nodes merkle.ts reads (inclusionProofRanges split by
 * perfectSubtrees; test/log/proof-statement.test.ts compares them), found without recursion.
 * RFC 6962's tree of `size` leaves is the perfect tree of the next power of two with the empty
 * subtrees left out, so PATH is the leaf's sibling at each level below the top, where one starts
 * before `size`: whole when it ends by `size`, else (at most one, on the right edge) cut at
 * `size` and split, as any range, into the perfect subtrees of the binary digits of its width.
 */
export function inclusionNodeIdsSql(index: SQL, size: SQL, withRoot: SQL): SQL {
  return sql`(
    with
      tree as (select ${index}::bigint as leaf, ${size}::bigint as size),
      sibling as (
        select level, (t.leaf >> level) # 1 as idx, t.size
        from tree t cross join generate_series(0, ${bitLength(sql`t.size - 1`)} - 1) as level
        where t.leaf >= 0 and t.leaf < t.size
      ),
      cut(s, e) as (
        select idx << level, size from sibling where idx << level < size and (idx + 1) << level > size
        union all
        select 0, t.size from tree t where ${withRoot} and t.size > 0
      )
    select level, idx from sibling where (idx + 1) << level <= size
    union
    select b, (c.s + (((c.e - c.s) >> (b + 1)) << (b + 1))) >> b
    from cut c cross join generate_series(0, ${bitLength(sql`c.e - c.s`)} - 1) as b
    where ((c.e - c.s) >> b) & 1 = 1
  )`;
}

/**
 * A lateral subquery reading the stored nodes at inclusionNodeIdsSql's positions, in the
 * statement that finds the leaf and the tree size; its columns go to prefetchedNodes: `node_keys`
 * (text, `level:idx` joined by commas) and `node_hashes` (bytea, the 32-byte hashes one after
 * another, in the same order). Packed rather than text[] and bytea[]: the driver parses arrays a
 * character at a time, which was ~15% of all an inclusion proof request allocated.
 */
export function inclusionNodesSql(tenantId: string | Placeholder, index: SQL, size: SQL, withRoot: SQL): SQL {
  // Stored 32-byte hashes only (anything else is left to fetchNodes, which reports it); both
  // aggregates take the same rows in the same order.
  return sql`(
    select string_agg(found.level || ':' || found.idx, ',') as node_keys, string_agg(found.hash, ''::bytea) as node_hashes
    from (
      select w.level, w.idx,
             case when w.level = 0 then (select leaf_hash from log_leaves where tenant_id = ${tenantId} and idx = w.idx)
                  else (select hash from log_nodes where tenant_id = ${tenantId} and level = w.level and idx = w.idx) end as hash
      from ${inclusionNodeIdsSql(index, size, withRoot)} as w
    ) as found
    where length(found.hash) = 32
  )`;
}

/**
 * Serves merkle.ts's node reads from the nodes inclusionNodesSql read; a read that asks for any
 * node not among them goes to the database as fetchNodes (which throws when one is not stored).
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
