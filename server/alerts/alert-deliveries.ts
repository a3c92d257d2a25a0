/**
 * Fired alerts to their rule's notification channels, through an outbox: the transaction that
 * fires an alert writes one delivery per channel, so a committed alert is always sent (a crash
 * after commit, or a receiver down for a while, loses nothing) and a rolled-back one never is.
 * Every instance runs the sender, claiming due deliveries under a lease
 * (server/outbound/outbox-claims.ts), so no two instances send one at once. A failed send is retried on
 * the product documents' schedule (server/webhooks/retry-schedule.ts); the sixth failure is final.
 * The evaluator sends a tenant's due deliveries right after the commit that queued them.
 */
import { and, asc, eq, inArray } from 'drizzle-orm';
import { channelsByIds, sendAlertToChannel } from '../channels/channels.js';
import type { AlertMessage, ChannelResult } from '../channels/send-to-channel.js';
import type { Executor } from '../db/database.js';
import { claimDueRows, tenantsWithDueRows } from '../outbound/outbox-claims.js';
import { rowsByIds } from '../db/rows-by-ids.js';
import { alertDeliveries, alertRules, alerts, type AlertDeliveryRow, type AlertRow, type AlertRuleRow } from '../db/tables/index.js';
import type { Disposable } from '../disposable.js';
import { newId } from '../ids.js';
import { startPeriodicJob } from '../periodic-job.js';
import type { DeliveryDeps } from '../webhooks/delivery-worker.js';
import { nextAttemptAt } from '../webhooks/retry-schedule.js';

/** Sent side by side, each within the outbound timeout; the lease covers the slowest. */
const CLAIM_BATCH = 20;

/** Queues a delivery of each fired alert to each of its rule's channels, in the firing transaction. */
export async function queueAlertDeliveries(db: Executor, rule: AlertRuleRow, fired: readonly AlertRow[], now: Date): Promise<void> {
  if (fired.length === 0 || rule.channelIds.length === 0) return;
  await db
    .insert(alertDeliveries)
    .values(
      fired.flatMap((alert) =>
        rule.channelIds.map((channelId) => ({ tenantId: rule.tenantId, id: newId(), alertId: alert.id, channelId, nextAttemptAt: now, createdAt: now })),
      ),
    );
}

/** The message a channel receives for an alert of a rule. */
function messageOf(alert: AlertRow, ruleName: string): AlertMessage {
  return {
    subject: alert.title,
    message: alert.message,
    severity: alert.severity,
    source: `Vigil alert rule "${ruleName}"`,
    details: alert.details,
    alertId: alert.id,
  };
}

async function claimDue(deps: DeliveryDeps, tenantId: string, now: Date): Promise<AlertDeliveryRow[]> {
  const leaseUntil = new Date(now.getTime() + deps.timeoutMs * 3);
  const ids = await claimDueRows(deps.db, 'alert_deliveries', tenantId, now, leaseUntil, CLAIM_BATCH);
  return ids.length === 0 ? [] : rowsByIds(deps.db, alertDeliveries, tenantId, ids);
}

async function settle(deps: DeliveryDeps, delivery: AlertDeliveryRow, result: ChannelResult, isFinal: boolean): Promise<void> {
  const now = deps.clock.now();
  const next = result.isSuccess || isFinal ? null : nextAttemptAt(delivery.attempts, now, null);
  if (!result.isSuccess)
    deps.logger.warn(
      { channelId: delivery.channelId, alertId: delivery.alertId, attempts: delivery.attempts, error: result.error },
      'alert not delivered to channel',
    );
  // Only the claim this sender holds: if its lease lapsed and another took the delivery, that one settles it.
  await deps.db
    .update(alertDeliveries)
    .set({
      status: result.isSuccess ? 'succeeded' : next ? 'retrying' : 'failed',
      nextAttemptAt: next ?? now,
      lastError: result.error,
      deliveredAt: result.isSuccess ? now : null,
    })
    .where(
      and(
        eq(alertDeliveries.tenantId, delivery.tenantId),
        eq(alertDeliveries.id, delivery.id),
        eq(alertDeliveries.status, 'delivering'),
        eq(alertDeliveries.attempts, delivery.attempts),
      ),
    );
}

async function sendClaimed(deps: DeliveryDeps, tenantId: string, claimed: readonly AlertDeliveryRow[]): Promise<void> {
  const alertRows = await rowsByIds(deps.db, alerts, tenantId, [...new Set(claimed.map((delivery) => delivery.alertId))]);
  const byAlert = new Map(alertRows.map((row) => [row.id, row]));
  const rules = await rowsByIds(deps.db, alertRules, tenantId, [...new Set(alertRows.map((row) => row.ruleId))]);
  const ruleNames = new Map(rules.map((rule) => [rule.id, rule.name]));
  const channels = new Map(
    (
      await channelsByIds(
        deps.db,
        tenantId,
        claimed.map((delivery) => delivery.channelId),
      )
    ).map((channel) => [channel.id, channel]),
  );
  await Promise.all(
    claimed.map(async (delivery) => {
      const alert = byAlert.get(delivery.alertId);
      // The alert went with its rule meanwhile, and its deliveries with it.
      if (!alert) return;
      const channel = channels.get(delivery.channelId);
      if (!channel) return settle(deps, delivery, { isSuccess: false, error: 'The notification channel has been removed' }, true);
      const result = await sendAlertToChannel(deps, channel, messageOf(alert, ruleNames.get(alert.ruleId) ?? ''));
      return settle(deps, delivery, result, false);
    }),
  );
}

/** Sends the due deliveries of every tenant (or of one); returns how many were attempted. */
export async function runDueAlertDeliveries(deps: DeliveryDeps, onlyTenantId?: string): Promise<number> {
  const now = deps.clock.now();
  const tenants = onlyTenantId ? [onlyTenantId] : await tenantsWithDueRows(deps.db, 'alert_deliveries', now);
  let attempted = 0;
  for (const tenantId of tenants) {
    for (;;) {
      // The time of each claim, not of the pass: a lease must start when its batch is taken.
      const claimed = await claimDue(deps, tenantId, deps.clock.now());
      if (claimed.length === 0) break;
      await sendClaimed(deps, tenantId, claimed);
      attempted += claimed.length;
      if (claimed.length < CLAIM_BATCH) break;
    }
  }
  return attempted;
}

/** The deliveries of some alerts of a tenant, oldest first. */
export function deliveriesOfAlerts(db: Executor, tenantId: string, alertIds: readonly string[]): Promise<AlertDeliveryRow[]> {
  return db
    .select()
    .from(alertDeliveries)
    .where(and(eq(alertDeliveries.tenantId, tenantId), inArray(alertDeliveries.alertId, [...alertIds])))
    .orderBy(asc(alertDeliveries.createdAt), asc(alertDeliveries.id));
}

export function startAlertDeliveryWorker(deps: DeliveryDeps, intervalMs: number): Disposable {
  return startPeriodicJob({ name: 'alert delivery', intervalMs, logger: deps.logger, work: () => runDueAlertDeliveries(deps) });
}
