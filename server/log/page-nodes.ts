/**
 * The stored nodes a page of leaves completes, compared with the nodes the verifier rebuilds from
 * the leaves. Appending leaves [from, to) completes, at each level, the nodes whose last leaf falls
 * in the range: one contiguous run of indexes per level, each read as a range of log_nodes_pkey
 * (tenant_id, level, idx), so a page costs what it holds, however large the log.
 *
 * The database first sends one digest per run (SHA-256 of its nodes' indexes and hashes, in index
 * order) and the rebuilt runs are digested the same way: equal digests mean every rebuilt node is
 * stored as rebuilt, and nothing else is in the runs. Only a page whose digests differ reads its
 * nodes themselves, to name each node that is missing or differs; sending every node would cost
 * more to decode here than rebuilding them costs.
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { arrayLiteral } from '../db/bulk-insert.js';
import { queryRows, type Executor } from '../db/database.js';
import type { FaultList } from './log-faults.js';
import type { CompletedNode } from './merkle.js';
import { asBuffer } from './node-store.js';

/** A node as digested and packed: index (8 bytes, big-endian), hash. */
const NODE_BYTES = 40;

/** The run of node indexes, at each level, that appending leaves [from, to) completes. */
function runsOf(from: number, to: number): { levels: number[]; firsts: number[]; lasts: number[] } {
  const runs = { levels: [] as number[], firsts: [] as number[], lasts: [] as number[] };
  // Node (level, i) covers leaves [i * 2^level, (i + 1) * 2^level): it is completed by its last leaf.
  for (let level = 1, width = 2; width <= to; level++, width *= 2) {
    const first = Math.floor(from / width);
    const last = Math.floor(to / width) - 1;
    if (last < first) continue;
    runs.levels.push(level);
    runs.firsts.push(first);
    runs.lasts.push(last);
  }
  return runs;
}

/** The stored nodes of the runs, by level, as `select` makes them. */
function storedRuns(tenantId: string, from: number, to: number, select: ReturnType<typeof sql>) {
  const { levels, firsts, lasts } = runsOf(from, to);
  return sql`select r.level, ${select}
    from unnest(${arrayLiteral(levels)}::int[], ${arrayLiteral(firsts)}::bigint[], ${arrayLiteral(lasts)}::bigint[]) as r(level, first, last)
    -- A lateral join (OFFSET 0 keeps it one) reads each run through the primary key; as a plain
    -- join, the planner may hash it against a scan of every node of the tenant, for every page.
    cross join lateral (
      select idx, hash from log_nodes where tenant_id = ${tenantId} and level = r.level and idx between r.first and r.last offset 0
    ) n
    group by r.level`;
}

/** Each stored run's digest, by level (levels without stored nodes are absent). */
export async function readRunDigests(db: Executor, tenantId: string, from: number, to: number): Promise<Map<number, Buffer>> {
  if (runsOf(from, to).levels.length === 0) return new Map();
  const rows = await queryRows<{ level: number; digest: Buffer | Uint8Array }>(
    db,
    storedRuns(tenantId, from, to, sql`sha256(string_agg(int8send(n.idx) || n.hash, ''::bytea order by n.idx)) as digest`),
  );
  return new Map(rows.map((row) => [Number(row.level), asBuffer(row.digest)]));
}

/**
 * Whether the nodes rebuilt for leaves [from, to), digested by run, are what `stored` digests: each
 * run must be rebuilt whole (a page with a gap is not, and is compared node by node).
 */
export function matchesRunDigests(from: number, to: number, built: readonly CompletedNode[], stored: ReadonlyMap<number, Buffer>): boolean {
  const { levels, firsts, lasts } = runsOf(from, to);
  if (levels.length !== stored.size) return false;
  const runs = new Map(
    levels.map((level, i) => [level, { first: firsts[i]!, packed: Buffer.allocUnsafe((lasts[i]! - firsts[i]! + 1) * NODE_BYTES), written: 0 }]),
  );
  for (const node of built) {
    const run = runs.get(node.level)!;
    const at = (node.index - run.first) * NODE_BYTES;
    run.packed.writeUInt32BE(Math.floor(node.index / 2 ** 32), at);
    run.packed.writeUInt32BE(node.index % 2 ** 32, at + 4);
    node.hash.copy(run.packed, at + 8);
    run.written++;
  }
  for (const [level, run] of runs) {
    if (run.written * NODE_BYTES !== run.packed.length) return false;
    if (!stored.get(level)?.equals(createHash('sha256').update(run.packed).digest())) return false;
  }
  return true;
}

interface Run {
  /** The level's stored nodes in index order, NODE_BYTES each. */
  readonly packed: Buffer;
  /** Indexes of stored nodes whose hash is not 32 bytes long: there, but equal to nothing. */
  readonly odd: ReadonlySet<number>;
  /** Where the comparison is in `packed`: rebuilt nodes come in index order. */
  at: number;
}

const indexAt = (packed: Buffer, at: number) => packed.readInt32BE(at) * 2 ** 32 + packed.readUInt32BE(at + 4);

/** The stored nodes of a page, read to name the ones that are missing or differ. */
export class PageNodes {
  private constructor(private readonly runs: Map<number, Run>) {}

  /** Reads the stored nodes completed by appending leaves [from, to). */
  static async read(db: Executor, tenantId: string, from: number, to: number): Promise<PageNodes> {
    const runs = new Map<number, Run>();
    if (runsOf(from, to).levels.length === 0) return new PageNodes(runs);
    const rows = await queryRows<{ level: number; packed: Buffer | Uint8Array | null; odd: (string | number)[] | null }>(
      db,
      storedRuns(
        tenantId,
        from,
        to,
        sql`string_agg(int8send(n.idx) || n.hash, ''::bytea order by n.idx) filter (where length(n.hash) = 32) as packed,
            array_agg(n.idx) filter (where length(n.hash) <> 32) as odd`,
      ),
    );
    for (const row of rows) {
      runs.set(Number(row.level), { packed: row.packed ? asBuffer(row.packed) : Buffer.alloc(0), odd: new Set((row.odd ?? []).map(Number)), at: 0 });
    }
    return new PageNodes(runs);
  }

  /** Names every rebuilt node that is not stored as it was rebuilt; `built` in the order they were completed. */
  compare(built: readonly CompletedNode[], faults: FaultList): void {
    for (const node of built) {
      const run = this.runs.get(node.level);
      let isStored = false;
      let isEqual = false;
      if (run) {
        while (run.at < run.packed.length && indexAt(run.packed, run.at) < node.index) run.at += NODE_BYTES;
        if (run.at < run.packed.length && indexAt(run.packed, run.at) === node.index) {
          isStored = true;
          isEqual = node.hash.compare(run.packed, run.at + 8, run.at + NODE_BYTES) === 0;
        } else {
          isStored = run.odd.has(node.index);
        }
      }
      if (isEqual) continue;
      const first = node.index * 2 ** node.level;
      faults.add(
        'node_mismatch',
        `${isStored ? 'The stored' : 'No stored'} node over leaves ${first} to ${first + 2 ** node.level - 1} ${isStored ? 'differs from their hash' : 'exists'}: those leaves were changed or reordered`,
        {
          index: first,
        },
      );
    }
  }
}
