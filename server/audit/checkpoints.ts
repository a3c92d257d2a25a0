/**
 * Checkpoints of each tenant's linear audit chain, the format audit-chain JSONL exports carry.
 * They are signed only for such an export, after the log verified (server/export/log-export.ts);
 * the verifiable log's signed tree heads (server/log/checkpoints.ts) are the periodic ones.
 */
import { eq } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import type { Database, Executor } from '../db/database.js';
import { auditChainHeads, auditCheckpoints, type AuditCheckpointRow } from '../db/tables/index.js';
import { newId } from '../ids.js';
import { checkpointPayload } from './checkpoint-payload.js';
import { signBytes, type SigningKey } from './signing-key.js';

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
