import { and, desc, eq } from 'drizzle-orm';
import type { Executor } from '../db/database.js';
import { auditCheckpoints, auditSigningKeys, type AuditCheckpointRow } from '../db/tables/index.js';

export async function listSigningKeys(db: Executor): Promise<{ keyId: string; publicKey: string; createdAt: Date }[]> {
  return db.select().from(auditSigningKeys).orderBy(auditSigningKeys.createdAt);
}

/** The latest checkpoint signed at exactly `seq` (it vouches for the hash of entry `seq`). */
export async function checkpointAt(db: Executor, tenantId: string, seq: number): Promise<AuditCheckpointRow | undefined> {
  const [row] = await db
    .select()
    .from(auditCheckpoints)
    .where(and(eq(auditCheckpoints.tenantId, tenantId), eq(auditCheckpoints.seq, seq)))
    .orderBy(desc(auditCheckpoints.signedAt))
    .limit(1);
  return row;
}

export async function latestCheckpoint(db: Executor, tenantId: string): Promise<AuditCheckpointRow | undefined> {
  const [row] = await db
    .select()
    .from(auditCheckpoints)
    .where(eq(auditCheckpoints.tenantId, tenantId))
    .orderBy(desc(auditCheckpoints.signedAt), desc(auditCheckpoints.seq))
    .limit(1);
  return row;
}
