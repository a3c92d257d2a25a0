/**
 * The only way entries enter the audit log. Appends lock the tenant's chain head for the rest of
 * the transaction, so concurrent writers take turns: sequence numbers stay contiguous and every
 * entry links to the one before it. The entries commit or roll back with the change they record.
 */
import { eq } from 'drizzle-orm';
import { publishEvents } from '../realtime/domain-events.js';
import type { Executor } from '../db/database.js';
import { auditChainHeads, auditEntries, type AuditActorType } from '../db/tables/index.js';
import { newId } from '../ids.js';
import { chainHash, GENESIS_HASH, plainSnapshot, type ChainedFields } from './canonical-entry.js';

export interface NewAuditEntry {
  readonly occurredAt: Date;
  readonly actorType: AuditActorType;
  readonly actorId: string;
  readonly actorEmail?: string | null;
  readonly action: string;
  readonly resourceType: string;
  readonly resourceId?: string | null;
  readonly resourceName?: string | null;
  readonly before?: object | null;
  readonly after?: object | null;
  readonly clientIp?: string | null;
  readonly userAgent?: string | null;
  readonly requestId?: string | null;
}

/** Creates a tenant's chain head; called when the tenant is made. */
export async function startAuditChain(db: Executor, tenantId: string): Promise<void> {
  await db.insert(auditChainHeads).values({ tenantId, seq: 0, hash: GENESIS_HASH, startSeq: 1, startHash: GENESIS_HASH }).onConflictDoNothing();
}

/** Appends `entries` in order to the tenant's chain; returns their sequence numbers. */
export async function appendAuditEntries(db: Executor, tenantId: string, entries: readonly NewAuditEntry[]): Promise<number[]> {
  if (entries.length === 0) return [];
  let [head] = await db.select().from(auditChainHeads).where(eq(auditChainHeads.tenantId, tenantId)).for('update');
  if (!head) {
    await startAuditChain(db, tenantId);
    [head] = await db.select().from(auditChainHeads).where(eq(auditChainHeads.tenantId, tenantId)).for('update');
  }
  let seq = head!.seq;
  let prevHash = head!.hash;
  const rows = entries.map((entry) => {
    seq += 1;
    const fields: ChainedFields = {
      tenantId,
      seq,
      id: newId(),
      occurredAt: entry.occurredAt,
      actorType: entry.actorType,
      actorId: entry.actorId,
      actorEmail: entry.actorEmail ?? null,
      action: entry.action,
      resourceType: entry.resourceType,
      resourceId: entry.resourceId ?? null,
      resourceName: entry.resourceName ?? null,
      before: plainSnapshot(entry.before),
      after: plainSnapshot(entry.after),
      clientIp: entry.clientIp ?? null,
      userAgent: entry.userAgent ?? null,
      requestId: entry.requestId ?? null,
    };
    const hash = chainHash(prevHash, fields);
    const row = { ...fields, actorType: entry.actorType, prevHash, hash };
    prevHash = hash;
    return row;
  });
  await db.insert(auditEntries).values(rows);
  await db.update(auditChainHeads).set({ seq, hash: prevHash, updatedAt: new Date() }).where(eq(auditChainHeads.tenantId, tenantId));
  await publishEvents(db, [{ type: 'audit.appended', tenantId, fromSeq: rows[0]!.seq, toSeq: seq }]);
  return rows.map((row) => row.seq);
}
