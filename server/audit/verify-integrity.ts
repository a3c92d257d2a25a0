/**
 * verifyAuditIntegrity: the tenant's chain, read in pages of sequence numbers, through the
 * ChainVerifier, against every checkpoint in the range and every published key.
 */
import { and, eq, gt, lte } from 'drizzle-orm';
import type { Executor } from '../db/database.js';
import { auditChainHeads, auditCheckpoints, auditEntries, auditSigningKeys, type AuditEntryRow } from '../db/tables/index.js';
import { ChainVerifier, type VerificationReport } from './chain-verifier.js';
import { publicKeyMap } from './checkpoint-payload.js';

const PAGE = 5000;

export interface VerifyRange {
  readonly fromSeq?: number | null;
  readonly toSeq?: number | null;
}

export async function verifyAuditIntegrity(db: Executor, tenantId: string, range: VerifyRange = {}): Promise<VerificationReport> {
  const [head] = await db.select().from(auditChainHeads).where(eq(auditChainHeads.tenantId, tenantId));
  if (!head) throw new Error(`Tenant ${tenantId} has no audit chain`);
  const fromSeq = Math.max(range.fromSeq ?? head.startSeq, head.startSeq);
  const toSeq = Math.min(range.toSeq ?? head.seq, head.seq);
  let startHash = head.startHash;
  if (fromSeq > head.startSeq) {
    const [before] = await db
      .select({ hash: auditEntries.hash })
      .from(auditEntries)
      .where(and(eq(auditEntries.tenantId, tenantId), eq(auditEntries.seq, fromSeq - 1)));
    startHash = before?.hash ?? '';
  }
  const isWholeTail = toSeq === head.seq;
  const checkpoints = await db
    .select()
    .from(auditCheckpoints)
    .where(and(eq(auditCheckpoints.tenantId, tenantId), gt(auditCheckpoints.seq, fromSeq - 2), isWholeTail ? undefined : lte(auditCheckpoints.seq, toSeq)));
  const keys = publicKeyMap(await db.select().from(auditSigningKeys));
  const verifier = new ChainVerifier({ fromSeq, startHash, toSeq, checkpoints, publicKeys: keys });

  let after = fromSeq - 1;
  while (!verifier.isDone && after < toSeq) {
    const page = await db
      .select()
      .from(auditEntries)
      .where(and(eq(auditEntries.tenantId, tenantId), gt(auditEntries.seq, after), lte(auditEntries.seq, toSeq)))
      .orderBy(auditEntries.seq)
      .limit(PAGE) as AuditEntryRow[];
    if (page.length === 0) break;
    for (const entry of page) verifier.push(entry);
    after = page.at(-1)!.seq;
  }
  return verifier.finish();
}
