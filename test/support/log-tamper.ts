/**
 * What someone with write access to the database could do to the verifiable log and the records
 * it covers, done with plain SQL, so the tests can show each is caught and named.
 */
import { sql } from 'drizzle-orm';
import { queryRows, type Database } from '../../server/db/database.js';
import { CompactTree } from '../../server/log/merkle.js';

export async function one<T>(db: Database, query: ReturnType<typeof sql>): Promise<T> {
  const [row] = await queryRows<T>(db, query);
  if (!row) throw new Error('no row');
  return row;
}

/**
 * Runs `work` as someone with database access but not Vigil: a session that is not marked as
 * Vigil's writer (as psql's would not be), or, with `asVigil`, one that claims to be.
 */
export async function asIntruder(db: Database, work: (tx: Database) => Promise<void>, options: { asVigil?: boolean } = {}): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql.raw(`set local vigil.log_writer = '${options.asVigil ? 'on' : 'off'}'`));
    await work(tx);
  });
}

/** Runs `work` with no trigger firing at all (what a superuser can do). */
export async function withoutTriggers(db: Database, work: (tx: Database) => Promise<void>): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    await work(tx);
  });
}

/** Cuts the log back to `size` leaves: leaves, nodes and head, as if the tail never was. */
export async function truncateLog(db: Database, tenantId: string, size: number): Promise<void> {
  await withoutTriggers(db, async (tx) => {
    const cut = await queryRows<{ kind: string; record_id: string }>(
      tx,
      sql`select kind, record_id from log_leaves where tenant_id = ${tenantId} and idx >= ${size}`,
    );
    for (const { kind, record_id: id } of cut) {
      if (kind === 'command') await tx.execute(sql`delete from command_status_changes where tenant_id = ${tenantId} and command_id = ${id}::uuid`);
      if (kind === 'command') await tx.execute(sql`delete from commands where tenant_id = ${tenantId} and id = ${id}::uuid`);
      if (kind === 'system_log') await tx.execute(sql`delete from system_logs where tenant_id = ${tenantId} and id = ${id}::uuid`);
      if (kind === 'audit_entry') await tx.execute(sql`delete from audit_entries where tenant_id = ${tenantId} and id = ${id}::uuid`);
      if (kind === 'activity') await tx.execute(sql`delete from activity_log where tenant_id = ${tenantId} and id = ${id}::uuid`);
    }
    await tx.execute(sql`delete from log_leaves where tenant_id = ${tenantId} and (idx >= ${size} or idx is null)`);
    await tx.execute(sql`delete from log_nodes where tenant_id = ${tenantId} and ((idx + 1) << level) > ${size}`);
    const leaves = await queryRows<{ leaf_hash: Uint8Array }>(tx, sql`select leaf_hash from log_leaves where tenant_id = ${tenantId} order by idx`);
    const tree = new CompactTree();
    for (const leaf of leaves) tree.append(Buffer.from(leaf.leaf_hash));
    await tx.execute(sql`update log_heads set size = ${tree.size}, root_hash = ${tree.root()} where tenant_id = ${tenantId}`);
    // The audit chain is rewound too, so only the log can tell.
    const chain = await queryRows<{ seq: string | null; hash: string | null }>(
      tx,
      sql`select seq, hash from audit_entries where tenant_id = ${tenantId} and seq is not null order by seq desc limit 1`,
    );
    if (chain[0]) await tx.execute(sql`update audit_chain_heads set seq = ${chain[0].seq}, hash = ${chain[0].hash} where tenant_id = ${tenantId}`);
  });
}

/** What a thorough intruder does after changing leaves: recompute every node and the head. */
export async function rebuildTree(db: Database, tenantId: string): Promise<void> {
  const leaves = await queryRows<{ leaf_hash: Uint8Array }>(
    db,
    sql`select leaf_hash from log_leaves where tenant_id = ${tenantId} and idx is not null order by idx`,
  );
  const tree = new CompactTree();
  await db.transaction(async (tx) => {
    await tx.execute(sql`delete from log_nodes where tenant_id = ${tenantId}`);
    for (const row of leaves) {
      for (const node of tree.append(Buffer.from(row.leaf_hash))) {
        await tx.execute(sql`insert into log_nodes (tenant_id, level, idx, hash) values (${tenantId}, ${node.level}, ${node.index}, ${node.hash})`);
      }
    }
    await tx.execute(sql`update log_heads set size = ${tree.size}, root_hash = ${tree.root()} where tenant_id = ${tenantId}`);
  });
}
