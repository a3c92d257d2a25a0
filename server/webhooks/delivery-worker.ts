/**
 * Sends the webhook outbox. Every instance runs this worker, claiming due deliveries under a lease
 * (server/outbound/outbox-claims.ts): instances share the work and none is sent twice at once; a
 * worker that dies mid-send leaves a lease that lapses, and the delivery is taken again.
 * Results: 2xx succeeded; 410 Gone disables the subscription; anything else retries on the
 * schedule (or the receiver's Retry-After) until the sixth failure, which is final.
 */
import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import { queryRows, type Database } from '../db/database.js';
import { rowsByIds } from '../db/rows-by-ids.js';
import { claimDueRows, tenantsWithDueRows } from '../outbound/outbox-claims.js';
import { webhookDeliveries, webhookSubscriptions, type WebhookDeliveryRow, type WebhookSubscriptionRow } from '../db/tables/index.js';
import type { Disposable } from '../disposable.js';
import type { Logger } from '../logger.js';
import type { OutboundPolicy } from '../outbound/outbound-policy.js';
import { postJson, type PostResult } from '../outbound/post-json.js';
import { outboxKeyOf, whyNotQueuedByVigil } from '../outbound/delivery-tags.js';
import { payloadDigest, raiseRefusedDeliveries, REFUSED_ERROR, type RefusedDelivery } from '../outbound/refused-deliveries.js';
import { startPeriodicJob } from '../periodic-job.js';
import type { ChatSenders } from '../channels/chat-senders.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { recordChange } from '../audit/record-change.js';
import { nextAttemptAt } from './retry-schedule.js';
import { webhookSnapshot } from './subscriptions.js';
import { webhookHeaders } from './signatures.js';

export interface DeliveryDeps {
  readonly db: Database;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly secretBox: SecretBox;
  readonly outbound: OutboundPolicy;
  readonly timeoutMs: number;
  /** The chat bots' alert senders (slack_bot and teams_bot channels). */
  readonly chatSenders?: ChatSenders;
}

const CLAIM_BATCH = 50;
const SUCCEEDED_RETENTION_DAYS = 30;

/** A subscription's secret and extra headers, opened. */
export function subscriptionCredentials(box: SecretBox, subscription: WebhookSubscriptionRow): { secret: string | null; headers: Record<string, string> } {
  return {
    secret: subscription.sealedSecret ? box.open(subscription.sealedSecret) : null,
    headers: subscription.sealedHeaders ? (JSON.parse(box.open(subscription.sealedHeaders)) as Record<string, string>) : {},
  };
}

/** POSTs `body` to the subscription, signed, as one attempt. */
export function sendToSubscription(
  deps: DeliveryDeps,
  subscription: WebhookSubscriptionRow,
  message: { eventType: string; messageId: string; body: string },
): Promise<PostResult> {
  const { secret, headers } = subscriptionCredentials(deps.secretBox, subscription);
  const signed = webhookHeaders({ ...message, timestamp: deps.clock.now(), secret });
  return postJson(deps.outbound, subscription.url, message.body, { ...headers, ...signed }, deps.timeoutMs);
}

async function claimDue(deps: DeliveryDeps, tenantId: string, now: Date): Promise<WebhookDeliveryRow[]> {
  const leaseUntil = new Date(now.getTime() + deps.timeoutMs * 3);
  const ids = await claimDueRows(deps.db, 'webhook_deliveries', tenantId, now, leaseUntil, CLAIM_BATCH);
  return ids.length === 0 ? [] : rowsByIds(deps.db, webhookDeliveries, tenantId, ids);
}

async function settle(
  deps: DeliveryDeps,
  delivery: WebhookDeliveryRow,
  subscription: WebhookSubscriptionRow | undefined,
  result: PostResult,
  isRefused = false,
): Promise<void> {
  const now = deps.clock.now();
  const isSuccess = result.status !== null && result.status >= 200 && result.status < 300;
  const isGone = result.status === 410;
  const next =
    isSuccess || isGone || isRefused || !subscription?.isActive
      ? null
      : nextAttemptAt(delivery.attempts, now, result.status === 429 || result.status === 503 ? result.retryAfterSeconds : null);
  const status = isSuccess ? 'succeeded' : next ? 'retrying' : 'failed';
  await deps.db.transaction(async (tx) => {
    // Only the claim this worker holds: if its lease lapsed and another worker took the delivery, that one settles it.
    await tx
      .update(webhookDeliveries)
      .set({
        status,
        nextAttemptAt: next ?? now,
        lastStatusCode: result.status,
        lastError: result.error ?? (isSuccess ? null : `HTTP ${result.status}`),
        lastResponseBody: result.body,
        succeededAt: isSuccess ? now : null,
      })
      .where(
        and(
          eq(webhookDeliveries.tenantId, delivery.tenantId),
          eq(webhookDeliveries.id, delivery.id),
          eq(webhookDeliveries.status, 'delivering'),
          eq(webhookDeliveries.attempts, delivery.attempts),
        ),
      );
    if (isGone && subscription) {
      const [disabled] = await tx
        .update(webhookSubscriptions)
        .set({ isActive: false, disabledReason: `The receiver answered 410 Gone at ${now.toISOString()}`, updatedAt: now })
        .where(
          and(eq(webhookSubscriptions.tenantId, subscription.tenantId), eq(webhookSubscriptions.id, subscription.id), eq(webhookSubscriptions.isActive, true)),
        )
        .returning();
      // Vigil changed a setting on its own: the audit entry says so, and explains the new version in the log.
      if (disabled) {
        const ctx = { db: tx, clock: deps.clock, actor: { type: 'system', tenantId: subscription.tenantId, name: 'webhook-delivery' } } as const;
        await recordChange(ctx, {
          action: 'webhook.disabled',
          resource: { type: 'webhook_subscription', id: subscription.id, name: subscription.name },
          before: webhookSnapshot(subscription),
          after: webhookSnapshot(disabled),
        });
      }
      await tx
        .update(webhookDeliveries)
        .set({ status: 'failed', lastError: 'The subscription was disabled: its receiver answered 410 Gone' })
        .where(
          and(
            eq(webhookDeliveries.tenantId, subscription.tenantId),
            eq(webhookDeliveries.subscriptionId, subscription.id),
            inArray(webhookDeliveries.status, ['pending', 'retrying']),
          ),
        );
    }
  });
}

/** Sends one claimed delivery; a row Vigil did not queue is refused instead, and returned for the alarm. */
async function deliver(deps: DeliveryDeps, delivery: WebhookDeliveryRow, subscriptions: Map<string, WebhookSubscriptionRow>): Promise<RefusedDelivery[]> {
  const subscription = subscriptions.get(delivery.subscriptionId);
  const why = whyNotQueuedByVigil(outboxKeyOf(deps.db), 'webhook_deliveries', delivery);
  if (why !== null) {
    await settle(deps, delivery, subscription, { status: null, body: '', error: REFUSED_ERROR, retryAfterSeconds: null, durationMs: 0 }, true);
    return [{ id: delivery.id, why, asked: { subscriptionId: delivery.subscriptionId, eventType: delivery.eventType, ...payloadDigest(delivery.payload) } }];
  }
  let result: PostResult;
  if (!subscription?.isActive) {
    result = { status: null, body: '', error: 'The subscription is not active', retryAfterSeconds: null, durationMs: 0 };
  } else {
    const messageId = (JSON.parse(delivery.payload) as { id: string }).id;
    result = await sendToSubscription(deps, subscription, { eventType: delivery.eventType, messageId, body: delivery.payload });
  }
  await settle(deps, delivery, subscription, result);
  return [];
}

/** One pass over every tenant with due deliveries; returns how many were attempted. */
export async function runDueDeliveries(deps: DeliveryDeps): Promise<number> {
  const now = deps.clock.now();
  const tenants = await tenantsWithDueRows(deps.db, 'webhook_deliveries', now);
  let attempted = 0;
  for (const tenantId of tenants) {
    for (;;) {
      // The time of each claim, not of the pass: a lease must start when its batch is taken.
      const claimed = await claimDue(deps, tenantId, deps.clock.now());
      if (claimed.length === 0) break;
      const subscriptionRows = await rowsByIds(deps.db, webhookSubscriptions, tenantId, [...new Set(claimed.map((row) => row.subscriptionId))]);
      const subscriptions = new Map(subscriptionRows.map((row) => [row.id, row]));
      const refused = await Promise.all(claimed.map((delivery) => deliver(deps, delivery, subscriptions)));
      await raiseRefusedDeliveries(deps, tenantId, 'webhook_deliveries', refused.flat());
      attempted += claimed.length;
      if (claimed.length < CLAIM_BATCH) break;
    }
  }
  return attempted;
}

/** Deletes succeeded deliveries older than 30 days; idempotent, so every instance may run it. */
export async function cleanUpDeliveries(db: Database, clock: Clock): Promise<number> {
  const cutoff = new Date(clock.now().getTime() - SUCCEEDED_RETENTION_DAYS * 24 * 3600_000);
  const tenants = await queryRows<{ id: string }>(db, sql`select id from tenants`);
  let deleted = 0;
  // Tenant by tenant, through the (tenant_id, succeeded_at) index.
  for (const { id: tenantId } of tenants) {
    const rows = await db
      .delete(webhookDeliveries)
      .where(and(eq(webhookDeliveries.tenantId, tenantId), eq(webhookDeliveries.status, 'succeeded'), lt(webhookDeliveries.succeededAt, cutoff)))
      .returning({ id: webhookDeliveries.id });
    deleted += rows.length;
  }
  return deleted;
}

export function startDeliveryWorker(deps: DeliveryDeps, intervalMs: number): Disposable {
  const sender = startPeriodicJob({ name: 'webhook delivery', intervalMs, logger: deps.logger, work: () => runDueDeliveries(deps) });
  const cleaner = startPeriodicJob({ name: 'webhook cleanup', intervalMs: 3600_000, logger: deps.logger, work: () => cleanUpDeliveries(deps.db, deps.clock) });
  return {
    async dispose() {
      await Promise.all([sender.dispose(), cleaner.dispose()]);
    },
  };
}
