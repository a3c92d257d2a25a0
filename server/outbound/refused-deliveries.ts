/**
 * An outbox row Vigil did not queue (its tag does not match what it says to send,
 * server/outbound/delivery-tags.ts) is never sent: its attempt fails for good, and the refusal
 * raises the alarm, since only someone writing to the database behind Vigil's back makes one: an
 * audit entry per row (so the refusal itself is in the verifiable log, with what the row asked
 * for), a critical notification for the tenant's holders of audit_logs.view, and an error log.
 */
import { createHash } from 'node:crypto';
import { recordChanges } from '../audit/record-change.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { usersHolding } from '../identity/users.js';
import type { Logger } from '../logger.js';
import { notify } from '../notifications/notifications.js';
import { inTransaction } from '../service-context.js';
import type { OutboxTable } from './outbox-claims.js';

export const REFUSED_ERROR = 'Refused: Vigil did not queue this row (its tag does not match what it says to send); nothing was sent';

export interface RefusedDelivery {
  readonly id: string;
  /** Why it is not one Vigil queued (server/outbound/delivery-tags.ts). */
  readonly why: string;
  /** What the row asked for, as evidence: never a secret (a payload only by its digest). */
  readonly asked: Record<string, unknown>;
}

/** A payload named by its size and SHA-256, small enough for an audit entry whatever was written. */
export function payloadDigest(payload: string): { payloadBytes: number; payloadSha256: string } {
  return { payloadBytes: Buffer.byteLength(payload), payloadSha256: createHash('sha256').update(payload).digest('hex') };
}

export async function raiseRefusedDeliveries(
  deps: { readonly db: Database; readonly clock: Clock; readonly logger: Logger },
  tenantId: string,
  table: OutboxTable,
  refused: readonly RefusedDelivery[],
): Promise<void> {
  if (refused.length === 0) return;
  deps.logger.error({ tenantId, table, ids: refused.map((row) => row.id) }, 'outbox rows Vigil did not queue were refused');
  const ctx = { db: deps.db, clock: deps.clock, actor: { type: 'system', tenantId, name: 'outbox' } } as const;
  await inTransaction(ctx, async (tx) => {
    await notify(tx, await usersHolding(tx.db, tenantId, 'audit_logs.view'), {
      category: 'security',
      severity: 'critical',
      title: `Refused ${refused.length} outgoing message${refused.length === 1 ? '' : 's'} Vigil did not queue`,
      body:
        `Someone wrote ${refused.length === 1 ? 'a row' : 'rows'} into ${table} outside Vigil (ids ${refused.map((row) => row.id).join(', ')}; ${refused[0]!.why})`.slice(
          0,
          1200,
        ) + '. Nothing was sent. Whoever did it can write to the database: find them before trusting it again; the audit log names what each row asked for.',
      link: '/audit',
      resourceType: table,
      resourceId: refused[0]!.id,
    });
    await recordChanges(
      tx,
      refused.map((row) => ({
        action: 'outbox.delivery_refused' as const,
        resource: { type: table, id: row.id },
        after: { table, reason: REFUSED_ERROR, why: row.why, asked: row.asked },
      })),
    );
  });
}
