/**
 * The sequencer: gives queued leaves their positions in the tenant's tree. Writers queue leaves in
 * their own transactions (the record tables' triggers) and never wait for one another; the
 * sequencer takes the tenant's log lock for one short transaction, numbers everything queued in
 * queue order, stores the new perfect nodes and the new head, and numbers the audit entries among
 * the leaves into the linear chain. Any instance may run it at any time: the lock makes runs take
 * turns, and each run integrates what the previous one left.
 */
import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../db/database.js';
import { auditChainHeads } from '../db/tables/index.js';
import { chainHash, GENESIS_HASH, type ChainedFields } from '../audit/canonical-entry.js';
import { publishEvents } from '../realtime/domain-events.js';
import { lockTenantLog } from './log-lock.js';
import { CompactTree, EMPTY_ROOT, perfectSubtrees } from './merkle.js';
import { asBuffer, fetchNodes } from './node-store.js';

/** At most this many leaves per transaction, so one run never holds the lock for long. */
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

export async function readLogHead(db: Executor, tenantId: string): Promise<LogHead> {
  const [row] = await queryRows<{ size: string | number; root_hash: Buffer | Uint8Array }>(db, sql`select size, root_hash from log_heads where tenant_id = ${tenantId}`);
  return row ? { size: Number(row.size), rootHash: asBuffer(row.root_hash) } : { size: 0, rootHash: EMPTY_ROOT };
}

/**
 * Integrates up to SEQUENCER_BATCH queued leaves. The caller's transaction must hold the tenant's
 * log lock (lockTenantLog). Returns null when nothing was queued.
 */
export async function integrateQueued(db: Executor, tenantId: string, now: Date): Promise<Integration | null> {
  const queued = await queryRows<{ leaf_id: string | number; leaf_hash: Buffer | Uint8Array; kind: string; record_id: string }>(
    db,
    sql`select leaf_id, leaf_hash, kind, record_id from log_leaves
        where tenant_id = ${tenantId} and idx is null order by leaf_id limit ${SEQUENCER_BATCH}`,
  );
  if (queued.length === 0) return null;
  const head = await readLogHead(db, tenantId);
  const tree = CompactTree.fromEdge(head.size, await fetchNodes(db, tenantId, perfectSubtrees(0, head.size)));

  const leafIds: string[] = [];
  const positions: number[] = [];
  const nodeLevels: number[] = [];
  const nodeIndexes: number[] = [];
  const nodeHashes: string[] = [];
  const auditIds: string[] = [];
  for (const leaf of queued) {
    leafIds.push(String(leaf.leaf_id));
    positions.push(tree.size);
    if (leaf.kind === 'audit_entry') auditIds.push(leaf.record_id);
    for (const node of tree.append(asBuffer(leaf.leaf_hash))) {
      nodeLevels.push(node.level);
      nodeIndexes.push(node.index);
      nodeHashes.push(node.hash.toString('hex'));
    }
  }
  await db.execute(sql`
    update log_leaves set idx = v.idx
    from unnest(${`{${leafIds.join(',')}}`}::bigint[], ${`{${positions.join(',')}}`}::bigint[]) as v(leaf_id, idx)
    where log_leaves.tenant_id = ${tenantId} and log_leaves.leaf_id = v.leaf_id`);
  if (nodeLevels.length > 0) {
    await db.execute(sql`
      insert into log_nodes (tenant_id, level, idx, hash)
      select ${tenantId}, v.level, v.idx, decode(v.hash, 'hex')
      from unnest(${`{${nodeLevels.join(',')}}`}::smallint[], ${`{${nodeIndexes.join(',')}}`}::bigint[], ${`{${nodeHashes.join(',')}}`}::text[]) as v(level, idx, hash)`);
  }
  const rootHash = tree.root();
  await db.execute(sql`
    insert into log_heads (tenant_id, size, root_hash, updated_at) values (${tenantId}, ${tree.size}, ${rootHash}, ${now.toISOString()}::timestamptz)
    on conflict (tenant_id) do update set size = excluded.size, root_hash = excluded.root_hash, updated_at = excluded.updated_at`);
  if (auditIds.length > 0) await chainAuditEntries(db, tenantId, auditIds);
  return { fromSize: head.size, toSize: tree.size, rootHash };
}

interface AuditRow {
  id: string;
  seq: string | number | null;
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

/**
 * Numbers newly sequenced audit entries, in log order, into the linear chain that exports and
 * older verifiers read (server/audit/canonical-entry.ts). Entries numbered before the log existed
 * keep their numbers.
 */
async function chainAuditEntries(db: Executor, tenantId: string, idsInLogOrder: readonly string[]): Promise<void> {
  const rows = await queryRows<AuditRow>(
    db,
    sql`select id, seq, to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as occurred_at, actor_type, actor_id, actor_email,
               action, resource_type, resource_id, resource_name, before, after, client_ip, user_agent, request_id
        from audit_entries where tenant_id = ${tenantId} and id = any(${`{${idsInLogOrder.join(',')}}`}::uuid[]) and seq is null`,
  );
  if (rows.length === 0) return;
  const byId = new Map(rows.map((row) => [row.id, row]));
  await db.insert(auditChainHeads).values({ tenantId, seq: 0, hash: GENESIS_HASH, startSeq: 1, startHash: GENESIS_HASH }).onConflictDoNothing();
  const [chainHead] = await queryRows<{ seq: string | number; hash: string }>(db, sql`select seq, hash from audit_chain_heads where tenant_id = ${tenantId}`);
  let seq = Number(chainHead!.seq);
  let prevHash = chainHead!.hash;
  const updates: { id: string; seq: number; prevHash: string; hash: string }[] = [];
  for (const id of idsInLogOrder) {
    const row = byId.get(id);
    if (!row) continue;
    seq += 1;
    const fields: ChainedFields = {
      tenantId,
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
    };
    const hash = chainHash(prevHash, fields);
    updates.push({ id, seq, prevHash, hash });
    prevHash = hash;
  }
  await db.execute(sql`
    update audit_entries set seq = v.seq, prev_hash = v.prev_hash, hash = v.hash
    from unnest(${`{${updates.map((u) => u.id).join(',')}}`}::uuid[], ${`{${updates.map((u) => u.seq).join(',')}}`}::bigint[],
                ${`{${updates.map((u) => u.prevHash).join(',')}}`}::text[], ${`{${updates.map((u) => u.hash).join(',')}}`}::text[]) as v(id, seq, prev_hash, hash)
    where audit_entries.tenant_id = ${tenantId} and audit_entries.id = v.id`);
  await db.execute(sql`update audit_chain_heads set seq = ${seq}, hash = ${prevHash}, updated_at = now() where tenant_id = ${tenantId}`);
  await publishEvents(db, [{ type: 'audit.appended', tenantId, fromSeq: updates[0]!.seq, toSeq: seq }]);
}

export { lockTenantLog };
