/**
 * The sequencer: gives queued leaves their positions in their tenants' trees. Writers queue leaves
 * in their own transactions (the record tables' triggers) and never wait for one another; the
 * sequencer takes the log locks of the tenants it serves for one short transaction, numbers
 * everything queued in queue order, stores the new perfect nodes and heads, and numbers the audit
 * entries among the leaves into the linear chain. One run serves many tenants with a fixed number
 * of statements, so the cost of a run is shared by every writer waiting on it, whichever tenant
 * it wrote to. Any instance may run it at any time: the locks make runs take turns, and each run
 * integrates what the previous one left.
 */
import { sql } from 'drizzle-orm';
import { arrayLiteral } from '../db/bulk-insert.js';
import { queryRows, type Executor } from '../db/database.js';
import { chainHash, GENESIS_HASH, type ChainedFields } from '../audit/canonical-entry.js';
import { publishEvents, type DomainEvent } from '../realtime/domain-events.js';
import { lockTenantLogs } from './log-lock.js';
import { CompactTree, EMPTY_ROOT, perfectSubtrees } from './merkle.js';
import { asBuffer, fetchNodesOfTenants } from './node-store.js';

/** At most this many leaves per tenant and transaction, so one run never holds a lock for long. */
export const SEQUENCER_BATCH = 5000;

export interface LogHead {
  readonly size: number;
  readonly rootHash: Buffer;
}

export interface Integration {
  readonly fromSize: number;
  readonly toSize: number;
  readonly rootHash: Buffer;
}

type Bytes = Buffer | Uint8Array;

export async function readLogHead(db: Executor, tenantId: string): Promise<LogHead> {
  return (await readLogHeads(db, [tenantId])).get(tenantId)!;
}

async function readLogHeads(db: Executor, tenantIds: readonly string[]): Promise<Map<string, LogHead>> {
  const rows = await queryRows<{ tenant_id: string; size: string | number; root_hash: Bytes }>(
    db,
    sql`select tenant_id, size, root_hash from log_heads where tenant_id = any(${arrayLiteral(tenantIds)}::uuid[])`,
  );
  const heads = new Map<string, LogHead>(tenantIds.map((tenantId) => [tenantId, { size: 0, rootHash: EMPTY_ROOT }]));
  for (const row of rows) heads.set(row.tenant_id, { size: Number(row.size), rootHash: asBuffer(row.root_hash) });
  return heads;
}

/** Whether any leaf of `tenantId` waits for a position (the queue's partial index answers it). */
export async function hasQueuedLeaves(db: Executor, tenantId: string): Promise<boolean> {
  const [row] = await queryRows<{ queued: boolean }>(db, sql`select exists (select 1 from log_leaves where tenant_id = ${tenantId} and idx is null) as queued`);
  return row?.queued === true;
}

interface QueuedLeaf {
  tenant_id: string;
  leaf_id: string | number;
  xact: string | number;
  part: number;
  leaf_hash: Bytes;
  kind: string;
  record_id: string;
}

/**
 * Up to SEQUENCER_BATCH queued leaves of each tenant, a transaction at a time: a transaction's
 * leaves are placed side by side (a transaction commits all its leaves at once, so they are all
 * queued together), and one cut by the batch limit is finished first by the next run. That is
 * what lets verification hold every version next to the audit entry explaining it.
 */
async function readQueued(db: Executor, tenantIds: readonly string[]): Promise<Map<string, QueuedLeaf[]>> {
  const rows = await queryRows<QueuedLeaf>(
    db,
    sql`select q.tenant_id, q.leaf_id, q.xact, q.leaf_hash, q.kind, q.record_id
        from unnest(${arrayLiteral(tenantIds)}::uuid[]) as t(id)
        cross join lateral (
          select l.xact as tail from log_heads h join log_leaves l on l.tenant_id = h.tenant_id and l.idx = h.size - 1 where h.tenant_id = t.id
          union all select null limit 1
        ) last
        cross join lateral (
          (select tenant_id, leaf_id, xact, leaf_hash, kind, record_id, 0 as part from log_leaves
           where tenant_id = t.id and idx is null and xact = last.tail order by leaf_id)
          union all
          (select tenant_id, leaf_id, xact, leaf_hash, kind, record_id, 1 as part from log_leaves
           where tenant_id = t.id and idx is null and xact is distinct from last.tail order by xact, leaf_id)
          limit ${SEQUENCER_BATCH}
        ) q`,
  );
  const byTenant = new Map<string, QueuedLeaf[]>();
  for (const row of rows) {
    const leaves = byTenant.get(row.tenant_id) ?? [];
    leaves.push(row);
    byTenant.set(row.tenant_id, leaves);
  }
  const order = (a: QueuedLeaf, b: QueuedLeaf) => a.part - b.part || Number(a.xact) - Number(b.xact) || Number(a.leaf_id) - Number(b.leaf_id);
  for (const leaves of byTenant.values()) leaves.sort(order);
  return byTenant;
}

/** What one run writes, gathered over every tenant so each table takes one statement. */
class RunWrites {
  readonly positions = { tenants: [] as string[], leafIds: [] as string[], indexes: [] as number[] };
  readonly nodes = { tenants: [] as string[], levels: [] as number[], indexes: [] as number[], hashes: [] as string[] };
  readonly heads = { tenants: [] as string[], sizes: [] as number[], roots: [] as string[] };
  readonly auditIds: { tenantId: string; id: string }[] = [];
}

/**
 * Integrates up to SEQUENCER_BATCH queued leaves of each of `tenantIds`, in one transaction that
 * takes their log locks. Returns what each tenant with queued leaves gained.
 */
export async function integrateQueued(db: Executor, tenantIds: readonly string[], now: Date): Promise<Map<string, Integration>> {
  const integrations = new Map<string, Integration>();
  if (tenantIds.length === 0) return integrations;
  await db.execute(lockTenantLogs(tenantIds));
  const queued = await readQueued(db, tenantIds);
  if (queued.size === 0) return integrations;
  const tenants = [...queued.keys()];
  const heads = await readLogHeads(db, tenants);
  const edges = await fetchNodesOfTenants(
    db,
    tenants.map((tenantId) => ({ tenantId, ids: perfectSubtrees(0, heads.get(tenantId)!.size) })),
  );

  const writes = new RunWrites();
  for (const tenantId of tenants) {
    const head = heads.get(tenantId)!;
    const tree = CompactTree.fromEdge(head.size, edges.get(tenantId)!);
    for (const leaf of queued.get(tenantId)!) {
      writes.positions.tenants.push(tenantId);
      writes.positions.leafIds.push(String(leaf.leaf_id));
      writes.positions.indexes.push(tree.size);
      if (leaf.kind === 'audit_entry') writes.auditIds.push({ tenantId, id: leaf.record_id });
      for (const node of tree.append(asBuffer(leaf.leaf_hash))) {
        writes.nodes.tenants.push(tenantId);
        writes.nodes.levels.push(node.level);
        writes.nodes.indexes.push(node.index);
        writes.nodes.hashes.push(node.hash.toString('hex'));
      }
    }
    const rootHash = tree.root();
    writes.heads.tenants.push(tenantId);
    writes.heads.sizes.push(tree.size);
    writes.heads.roots.push(rootHash.toString('hex'));
    integrations.set(tenantId, { fromSize: head.size, toSize: tree.size, rootHash });
  }

  const { positions, nodes } = writes;
  await db.execute(sql`
    update log_leaves set idx = v.idx
    from unnest(${arrayLiteral(positions.tenants)}::uuid[], ${arrayLiteral(positions.leafIds)}::bigint[], ${arrayLiteral(positions.indexes)}::bigint[]) as v(tenant_id, leaf_id, idx)
    where log_leaves.tenant_id = v.tenant_id and log_leaves.leaf_id = v.leaf_id`);
  if (nodes.levels.length > 0) {
    await db.execute(sql`
      insert into log_nodes (tenant_id, level, idx, hash)
      select v.tenant_id, v.level, v.idx, decode(v.hash, 'hex')
      from unnest(${arrayLiteral(nodes.tenants)}::uuid[], ${arrayLiteral(nodes.levels)}::smallint[], ${arrayLiteral(nodes.indexes)}::bigint[], ${arrayLiteral(nodes.hashes)}::text[]) as v(tenant_id, level, idx, hash)`);
  }
  await db.execute(sql`
    insert into log_heads (tenant_id, size, root_hash, updated_at)
    select v.tenant_id, v.size, decode(v.root, 'hex'), ${now.toISOString()}::timestamptz
    from unnest(${arrayLiteral(writes.heads.tenants)}::uuid[], ${arrayLiteral(writes.heads.sizes)}::bigint[], ${arrayLiteral(writes.heads.roots)}::text[]) as v(tenant_id, size, root)
    on conflict (tenant_id) do update set size = excluded.size, root_hash = excluded.root_hash, updated_at = excluded.updated_at`);
  if (writes.auditIds.length > 0) await chainAuditEntries(db, writes.auditIds, now);
  // Delivered at commit, once the positions are visible: followers of the event stream read on.
  const appended: DomainEvent[] = [...integrations].map(([tenantId, { fromSize, toSize }]) => ({ type: 'log.appended', tenantId, fromSize, toSize }));
  await publishEvents(db, appended, now);
  return integrations;
}

interface AuditRow {
  tenant_id: string;
  id: string;
  occurred_at: string;
  actor_type: string;
  actor_id: string;
  actor_email: string | null;
  action: string;
  resource_type: string;
  resource_id: string | null;
  resource_name: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  client_ip: string | null;
  user_agent: string | null;
  request_id: string | null;
}

const fieldsOf = (row: AuditRow, seq: number): ChainedFields => ({
  tenantId: row.tenant_id,
  seq,
  id: row.id,
  occurredAt: new Date(row.occurred_at),
  actorType: row.actor_type,
  actorId: row.actor_id,
  actorEmail: row.actor_email,
  action: row.action,
  resourceType: row.resource_type,
  resourceId: row.resource_id,
  resourceName: row.resource_name,
  before: row.before,
  after: row.after,
  clientIp: row.client_ip,
  userAgent: row.user_agent,
  requestId: row.request_id,
});

/**
 * Numbers newly sequenced audit entries, in log order, into the linear chain that exports and
 * older verifiers read (server/audit/canonical-entry.ts). Entries numbered before the log existed
 * keep their numbers.
 */
async function chainAuditEntries(db: Executor, inLogOrder: readonly { tenantId: string; id: string }[], now: Date): Promise<void> {
  const rows = await queryRows<AuditRow>(
    db,
    sql`select a.tenant_id, a.id, to_char(a.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as occurred_at, a.actor_type, a.actor_id, a.actor_email,
               a.action, a.resource_type, a.resource_id, a.resource_name, a.before, a.after, a.client_ip, a.user_agent, a.request_id
        from unnest(${arrayLiteral(inLogOrder.map((entry) => entry.tenantId))}::uuid[], ${arrayLiteral(inLogOrder.map((entry) => entry.id))}::uuid[]) as v(tenant_id, id)
        join audit_entries a on a.tenant_id = v.tenant_id and a.id = v.id
        where a.seq is null`,
  );
  if (rows.length === 0) return;
  const byKey = new Map(rows.map((row) => [`${row.tenant_id}:${row.id}`, row]));
  const tenants = [...new Set(rows.map((row) => row.tenant_id))];
  const chainHeads = await readChainHeads(db, tenants);

  const updates = { tenants: [] as string[], ids: [] as string[], seqs: [] as number[], prevHashes: [] as string[], hashes: [] as string[] };
  const firstSeq = new Map<string, number>();
  for (const { tenantId, id } of inLogOrder) {
    const row = byKey.get(`${tenantId}:${id}`);
    if (!row) continue;
    const head = chainHeads.get(tenantId)!;
    const seq = head.seq + 1;
    const hash = chainHash(head.hash, fieldsOf(row, seq));
    if (!firstSeq.has(tenantId)) firstSeq.set(tenantId, seq);
    updates.tenants.push(tenantId);
    updates.ids.push(id);
    updates.seqs.push(seq);
    updates.prevHashes.push(head.hash);
    updates.hashes.push(hash);
    chainHeads.set(tenantId, { seq, hash });
  }
  await db.execute(sql`
    update audit_entries set seq = v.seq, prev_hash = v.prev_hash, hash = v.hash
    from unnest(${arrayLiteral(updates.tenants)}::uuid[], ${arrayLiteral(updates.ids)}::uuid[], ${arrayLiteral(updates.seqs)}::bigint[],
                ${arrayLiteral(updates.prevHashes)}::text[], ${arrayLiteral(updates.hashes)}::text[]) as v(tenant_id, id, seq, prev_hash, hash)
    where audit_entries.tenant_id = v.tenant_id and audit_entries.id = v.id`);
  await db.execute(sql`
    update audit_chain_heads set seq = v.seq, hash = v.hash, updated_at = ${now.toISOString()}::timestamptz
    from unnest(${arrayLiteral(tenants)}::uuid[], ${arrayLiteral(tenants.map((tenantId) => chainHeads.get(tenantId)!.seq))}::bigint[],
                ${arrayLiteral(tenants.map((tenantId) => chainHeads.get(tenantId)!.hash))}::text[]) as v(tenant_id, seq, hash)
    where audit_chain_heads.tenant_id = v.tenant_id`);
  const events: DomainEvent[] = tenants.map((tenantId) => ({
    type: 'audit.appended',
    tenantId,
    fromSeq: firstSeq.get(tenantId)!,
    toSeq: chainHeads.get(tenantId)!.seq,
  }));
  await publishEvents(db, events, now);
}

/** The chain heads of `tenantIds`, made (at the genesis) for a tenant that has none yet. */
async function readChainHeads(db: Executor, tenantIds: readonly string[]): Promise<Map<string, { seq: number; hash: string }>> {
  const read = () =>
    queryRows<{ tenant_id: string; seq: string | number; hash: string }>(
      db,
      sql`select tenant_id, seq, hash from audit_chain_heads where tenant_id = any(${arrayLiteral(tenantIds)}::uuid[])`,
    );
  let rows = await read();
  if (rows.length < tenantIds.length) {
    await db.execute(sql`
      insert into audit_chain_heads (tenant_id, seq, hash, start_seq, start_hash)
      select t, 0, ${GENESIS_HASH}, 1, ${GENESIS_HASH} from unnest(${arrayLiteral(tenantIds)}::uuid[]) as t
      on conflict (tenant_id) do nothing`);
    rows = await read();
  }
  return new Map(rows.map((row) => [row.tenant_id, { seq: Number(row.seq), hash: row.hash }]));
}
