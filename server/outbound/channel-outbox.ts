/**
 * Sending an outbox of messages to channels and people (alert_deliveries, person_deliveries): both
 * hold status, attempts, next_attempt_at, last_attempt_at, last_error and delivered_at. Due rows
 * are claimed under a lease (./outbox-claims.ts), sent side by side, and settled: delivered, tried
 * again on the product documents' schedule (1, 5, 15, 60, 240 minutes), or failed at the sixth
 * failure or at once when the destination is gone. A settlement only touches the claim its sender
 * holds: if the lease lapsed and another sender took the row, that one settles it.
 */
import { sql } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../logger.js';
import { nextAttemptAt } from '../webhooks/retry-schedule.js';
import { claimDueRows, tenantsWithDueRows } from './outbox-claims.js';
import { raiseRefusedDeliveries, REFUSED_ERROR, type RefusedDelivery } from './refused-deliveries.js';

export type ChannelOutboxTable = 'alert_deliveries' | 'person_deliveries';

/** One claimed row: its key and the attempt its claim counted. */
export interface Claim {
  readonly tenantId: string;
  readonly id: string;
  readonly attempts: number;
}

export interface SendOutcome {
  readonly isSuccess: boolean;
  readonly error: string | null;
  /** No retry: the destination is gone. */
  readonly isFinal?: boolean;
}

/** Claimed at once: sent side by side, each within the outbound timeout. */
const CLAIM_BATCH = 20;

/** A send that throws is an attempt that failed, not a batch left unsettled. */
export function outcomeOf(send: Promise<SendOutcome>): Promise<SendOutcome> {
  return send.catch((error: unknown) => ({ isSuccess: false, error: error instanceof Error ? error.message : String(error) }));
}

/**
 * Sends a tenant's due rows right after the commit that queued them, without failing the caller:
 * what cannot be sent now is sent by the worker.
 */
export async function sendSoon(outbox: ChannelOutbox, tenantId: string): Promise<void> {
  try {
    await runDueOutbox(outbox, tenantId);
  } catch (error) {
    outbox.logger.warn({ err: error, table: outbox.table, tenantId }, 'outbox not sent now; the worker will');
  }
}

export interface ChannelOutbox {
  readonly table: ChannelOutboxTable;
  readonly db: Database;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How long a claim is held: long enough for the batch's slowest send. */
  readonly leaseMs: number;
  readonly batch: number;
  /**
   * Sends the claimed rows; each outcome settles its row (none: the row went meanwhile). A row
   * Vigil did not queue is not sent: its outcome is `refusedOutcome` and `refused` says what it asked for.
   */
  readonly send: (tenantId: string, ids: readonly string[]) => Promise<SentRow[]>;
}

export interface SentRow {
  readonly claim: Claim;
  readonly outcome: SendOutcome;
  readonly context: Record<string, unknown>;
  readonly refused?: RefusedDelivery;
}

/** The outcome of a row Vigil did not queue: never sent, never tried again. */
export const refusedOutcome: SendOutcome = { isSuccess: false, error: REFUSED_ERROR, isFinal: true };

async function settle(outbox: ChannelOutbox, claim: Claim, outcome: SendOutcome): Promise<void> {
  const now = outbox.clock.now();
  const next = outcome.isSuccess || outcome.isFinal ? null : nextAttemptAt(claim.attempts, now, null);
  const status = outcome.isSuccess ? 'succeeded' : next ? 'retrying' : 'failed';
  await outbox.db.execute(sql`
    update ${sql.identifier(outbox.table)}
    set status = ${status}, next_attempt_at = ${(next ?? now).toISOString()}::timestamptz, last_error = ${outcome.error},
        delivered_at = ${outcome.isSuccess ? now.toISOString() : null}::timestamptz
    where tenant_id = ${claim.tenantId} and id = ${claim.id} and status = 'delivering' and attempts = ${claim.attempts}`);
}

/** An outbox whose sends are bounded by `timeoutMs`: a claim holds for three of them. */
export function channelOutbox(
  deps: { readonly db: Database; readonly clock: Clock; readonly logger: Logger; readonly timeoutMs: number },
  table: ChannelOutboxTable,
  send: ChannelOutbox['send'],
): ChannelOutbox {
  return { table, db: deps.db, clock: deps.clock, logger: deps.logger, leaseMs: deps.timeoutMs * 3, batch: CLAIM_BATCH, send };
}

/** Sends the due rows of every tenant (or of one); returns how many were attempted. */
export async function runDueOutbox(outbox: ChannelOutbox, onlyTenantId?: string): Promise<number> {
  const tenants = onlyTenantId ? [onlyTenantId] : await tenantsWithDueRows(outbox.db, outbox.table, outbox.clock.now());
  let attempted = 0;
  for (const tenantId of tenants) {
    for (;;) {
      // The time of each claim, not of the pass: a lease must start when its batch is taken.
      const now = outbox.clock.now();
      const ids = await claimDueRows(outbox.db, outbox.table, tenantId, now, new Date(now.getTime() + outbox.leaseMs), outbox.batch);
      if (ids.length === 0) break;
      const sent = await outbox.send(tenantId, ids);
      for (const { claim, outcome, context } of sent) {
        if (!outcome.isSuccess)
          outbox.logger.warn({ table: outbox.table, ...context, attempts: claim.attempts, error: outcome.error }, 'message not delivered');
        await settle(outbox, claim, outcome);
      }
      await raiseRefusedDeliveries(
        outbox,
        tenantId,
        outbox.table,
        sent.flatMap((row) => (row.refused ? [row.refused] : [])),
      );
      attempted += ids.length;
      if (ids.length < outbox.batch) break;
    }
  }
  return attempted;
}
