/**
 * verifyAuditIntegrity: the tenant's chain, read in pages of sequence numbers, through the
 * ChainVerifier, against every checkpoint in the range. Checkpoints verify only with the keys
 * configuration trusts (VIGIL_AUDIT_TRUSTED_KEYS, or the instance's own): a key an intruder adds
 * to the signing-keys table vouches for nothing.
 */
import { and, eq, gt, lte } from 'drizzle-orm';
import type { Executor } from '../db/database.js';
import type { KeyObject } from 'node:crypto';
import { auditChainHeads, auditCheckpoints, auditEntries, type AuditEntryRow } from '../db/tables/index.js';
import { keyIdOf } from './signing-key.js';
import { ChainVerifier, type VerificationReport } from './chain-verifier.js';

const PAGE = 5000;

export interface VerifyRange {
  readonly fromSeq?: number | null;
  readonly toSeq?: number | null;
}

/** The chain checkpoints' key ids (SHA-256 of the SPKI, 16 hex digits) of the trusted log keys. */
export function chainKeysOf(trusted: readonly { publicKey: KeyObject }[]): Map<string, KeyObject> {
  return new Map(trusted.map((key) => [keyIdOf(key.publicKey), key.publicKey]));
}

export async function verifyAuditIntegrity(
  db: Executor,
  tenantId: string,
  trustedKeys: ReadonlyMap<string, KeyObject>,
  range: VerifyRange = {},
): Promise<VerificationReport> {
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
  const verifier = new ChainVerifier({ fromSeq, startHash, toSeq, checkpoints, publicKeys: trustedKeys });

  let after = fromSeq - 1;
  while (!verifier.isDone && after < toSeq) {
    const page = (await db
      .select()
      .from(auditEntries)
      .where(and(eq(auditEntries.tenantId, tenantId), gt(auditEntries.seq, after), lte(auditEntries.seq, toSeq)))
      .orderBy(auditEntries.seq)
      .limit(PAGE)) as AuditEntryRow[];
    if (page.length === 0) break;
    for (const entry of page) verifier.push(entry);
    after = page.at(-1)!.seq;
  }
  return verifier.finish();
}
