/**
 * Signed checkpoints of each tenant's chain head. A checkpoint is due when N entries were appended
 * since the last one, or M minutes passed, even with nothing written, so an auditor can show a
 * quiet period was quiet. Every instance runs the checkpointer: a tenant's head row is taken with
 * FOR UPDATE SKIP LOCKED while its checkpoint is made, so two instances never sign the same due
 * checkpoint twice, and an append in progress is simply left for the next round.
 */
import { desc, eq, sql } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import { queryRows, type Database, type Executor } from '../db/database.js';
import { auditChainHeads, auditCheckpoints, type AuditCheckpointRow } from '../db/tables/index.js';
import type { Disposable } from '../disposable.js';
import { startPeriodicJob } from '../periodic-job.js';
import { newId } from '../ids.js';
import type { Logger } from '../logger.js';
import { checkpointPayload } from './checkpoint-payload.js';
import { signBytes, type SigningKey } from './signing-key.js';

export interface CheckpointPolicy {
  readonly everyEntries: number;
  readonly everyMinutes: number;
}

/** Signs the tenant's head as it is in this transaction; the caller holds (or takes) the head lock. */
export async function signCheckpoint(db: Executor, key: SigningKey, tenantId: string, signedAt: Date): Promise<AuditCheckpointRow> {
  const [head] = await db.select().from(auditChainHeads).where(eq(auditChainHeads.tenantId, tenantId));
  if (!head) throw new Error(`Tenant ${tenantId} has no audit chain`);
  const facts = { tenantId, seq: head.seq, headHash: head.hash, signedAt };
  const [row] = await db
    .insert(auditCheckpoints)
    .values({ ...facts, id: newId(), keyId: key.keyId, signature: signBytes(key, checkpointPayload(facts)) })
    .returning();
  return row!;
}

/** A checkpoint of the head right now (for exports and verifications). */
export async function checkpointNow(db: Database, clock: Clock, key: SigningKey, tenantId: string): Promise<AuditCheckpointRow> {
  return db.transaction(async (tx) => {
    await tx.select({ seq: auditChainHeads.seq }).from(auditChainHeads).where(eq(auditChainHeads.tenantId, tenantId)).for('share');
    return signCheckpoint(tx, key, tenantId, clock.now());
  });
}

/** Makes every due checkpoint; returns how many. */
export async function makeDueCheckpoints(db: Database, clock: Clock, key: SigningKey, policy: CheckpointPolicy): Promise<number> {
  const now = clock.now();
  const staleBefore = new Date(now.getTime() - policy.everyMinutes * 60_000).toISOString();
  const due = await queryRows<{ tenant_id: string }>(
    db,
    sql`select h.tenant_id from audit_chain_heads h
        left join lateral (
          select c.seq, c.signed_at from audit_checkpoints c where c.tenant_id = h.tenant_id order by c.signed_at desc limit 1
        ) last on true
        where last.seq is null or h.seq - last.seq >= ${policy.everyEntries} or last.signed_at <= ${staleBefore}::timestamptz`,
  );
  let made = 0;
  for (const { tenant_id: tenantId } of due) {
    const isMade = await db.transaction(async (tx) => {
      const [head] = await tx.select().from(auditChainHeads).where(eq(auditChainHeads.tenantId, tenantId)).for('update', { skipLocked: true });
      if (!head) return false;
      const [last] = await tx
        .select()
        .from(auditCheckpoints)
        .where(eq(auditCheckpoints.tenantId, tenantId))
        .orderBy(desc(auditCheckpoints.signedAt))
        .limit(1);
      const isStillDue = !last || head.seq - last.seq >= policy.everyEntries || last.signedAt.getTime() <= now.getTime() - policy.everyMinutes * 60_000;
      if (!isStillDue) return false;
      await signCheckpoint(tx, key, tenantId, now);
      return true;
    });
    if (isMade) made++;
  }
  return made;
}

export function startCheckpointer(options: { db: Database; clock: Clock; key: SigningKey; policy: CheckpointPolicy; logger: Logger; intervalMs: number }): Disposable {
  return startPeriodicJob({
    name: 'audit checkpointing',
    intervalMs: options.intervalMs,
    logger: options.logger,
    async work() {
      const count = await makeDueCheckpoints(options.db, options.clock, options.key, options.policy);
      if (count > 0) options.logger.debug({ count }, 'audit checkpoints signed');
    },
  });
}

