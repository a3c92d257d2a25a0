import { desc, eq } from 'drizzle-orm';
import type { Executor } from '../db/database.js';
import { auditCheckpoints, auditSigningKeys, type AuditCheckpointRow } from '../db/tables/index.js';

export async function listSigningKeys(db: Executor): Promise<{ keyId: string; publicKey: string; createdAt: Date }[]> {
  return db.select().from(auditSigningKeys).orderBy(auditSigningKeys.createdAt);
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
