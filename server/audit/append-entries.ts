/**
 * The only way entries enter the audit log. An append is a plain insert: the entry commits or
 * rolls back with the change it records, and its insert queues its leaf in the tenant's
 * verifiable log. Writers take no shared lock; the sequencer (server/log/sequencer.ts) numbers
 * entries into the chain after commit, in log order.
 */
import type { Executor } from '../db/database.js';
import { auditChainHeads, auditEntries, type AuditActorType } from '../db/tables/index.js';
import { newId } from '../ids.js';
import { GENESIS_HASH, plainSnapshot } from './canonical-entry.js';

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

/** Appends `entries`, in order, to the tenant's log; returns their ids. */
export async function appendAuditEntries(db: Executor, tenantId: string, entries: readonly NewAuditEntry[]): Promise<string[]> {
  if (entries.length === 0) return [];
  const rows = entries.map((entry) => ({
    tenantId,
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
  }));
  // One statement: the entries' leaves are queued in this order, and the chain numbers them so.
  await db.insert(auditEntries).values(rows);
  return rows.map((row) => row.id);
}
