/**
 * The JSONL audit export, a format an auditor reads without Vigil: one JSON object per line.
 *
 *   {"type":"header","format":"vigil-audit-jsonl","version":1,"tenantId","fromSeq","startHash",
 *    "publicKeys":[{"keyId","publicKey"}],"filter"?}
 *   {"type":"entry", every chained field (server/audit/canonical-entry.ts), "prevHash","hash"}   …
 *   {"type":"checkpoint","tenantId","seq","headHash","signedAt","keyId","signature"}
 *
 * `startCheckpoint`, when the database has one at `fromSeq - 1` (always so after retention cut
 * the chain there), is a signed checkpoint vouching for `startHash`, so the file proves where it
 * starts as well as where it ends.
 *
 * `fromSeq` is the first entry's sequence number and `startHash` the hash it links to (its
 * prevHash); with no entries, the checkpoint's own seq + 1 and head hash. The checkpoint was
 * signed for this export and covers every entry in it: the entries run from `fromSeq` to its
 * seq, so re-hashing them must end at its head hash. `filter`, when present, says the file holds
 * only matching entries: the chain between them is then not in the file and cannot be verified.
 */
import type { AuditCheckpointRow, AuditEntryRow } from '../db/tables/index.js';

export const AUDIT_JSONL_FORMAT = 'vigil-audit-jsonl';
export const AUDIT_JSONL_VERSION = 1;

export interface PublishedKey {
  readonly keyId: string;
  readonly publicKey: string;
}

export interface HeaderFacts {
  readonly tenantId: string;
  /** The first entry in the file; undefined when none matched. */
  readonly firstEntry: AuditEntryRow | undefined;
  readonly checkpoint: AuditCheckpointRow;
  readonly publicKeys: readonly PublishedKey[];
  /** The filter the entries were selected by; empty for the whole chain. */
  readonly filter: object;
  /** A checkpoint signed at the entry before the first one, vouching for the start hash. */
  readonly startCheckpoint?: AuditCheckpointRow;
}

export function headerLine(facts: HeaderFacts): string {
  const { firstEntry, checkpoint } = facts;
  return line({
    type: 'header',
    format: AUDIT_JSONL_FORMAT,
    version: AUDIT_JSONL_VERSION,
    tenantId: facts.tenantId,
    fromSeq: firstEntry ? firstEntry.seq : checkpoint.seq + 1,
    startHash: firstEntry ? firstEntry.prevHash : checkpoint.headHash,
    publicKeys: facts.publicKeys.map(({ keyId, publicKey }) => ({ keyId, publicKey })),
    ...(Object.keys(facts.filter).length > 0 ? { filter: facts.filter } : {}),
    ...(facts.startCheckpoint ? { startCheckpoint: checkpointFields(facts.startCheckpoint) } : {}),
  });
}

export function entryLine(row: AuditEntryRow): string {
  return line({
    type: 'entry',
    tenantId: row.tenantId,
    seq: row.seq,
    id: row.id,
    occurredAt: row.occurredAt.toISOString(),
    actorType: row.actorType,
    actorId: row.actorId,
    actorEmail: row.actorEmail,
    action: row.action,
    resourceType: row.resourceType,
    resourceId: row.resourceId,
    resourceName: row.resourceName,
    before: row.before,
    after: row.after,
    clientIp: row.clientIp,
    userAgent: row.userAgent,
    requestId: row.requestId,
    prevHash: row.prevHash,
    hash: row.hash,
  });
}

export function checkpointLine(row: AuditCheckpointRow): string {
  return line({ type: 'checkpoint', ...checkpointFields(row) });
}

function checkpointFields(row: AuditCheckpointRow) {
  return {
    tenantId: row.tenantId,
    seq: row.seq,
    headHash: row.headHash,
    signedAt: row.signedAt.toISOString(),
    keyId: row.keyId,
    signature: row.signature,
  };
}

const line = (value: object) => `${JSON.stringify(value)}\n`;
