/**
 * Fired alerts to their rule's notification channels, through an outbox: the transaction that
 * fires an alert writes one delivery per channel, so a committed alert is always sent (a crash
 * after commit, or a receiver down for a while, loses nothing) and a rolled-back one never is.
 * Every instance runs the sender (server/outbound/channel-outbox.ts): due deliveries are claimed
 * under a lease, so no two instances send one at once, and a failed send is retried on the product
 * documents' schedule; the sixth failure is final.
 * The evaluator sends a tenant's due deliveries right after the commit that queued them.
 */
import { and, asc, eq, getTableColumns, inArray } from 'drizzle-orm';
import { channelsByIds, sendAlertToChannel } from '../channels/channels.js';
import type { AlertMessage } from '../channels/send-to-channel.js';
import type { Executor } from '../db/database.js';
import { channelOutbox, outcomeOf, refusedOutcome, runDueOutbox, sendSoon, type SendOutcome, type SentRow } from '../outbound/channel-outbox.js';
import { rowsByIds } from '../db/rows-by-ids.js';
import {
  alertDeliveries,
  alertRules,
  alerts,
  notificationChannels,
  type AlertDeliveryRow,
  type AlertRow,
  type AlertRuleRow,
  type ChannelType,
} from '../db/tables/index.js';
import type { Disposable } from '../disposable.js';
import { newId } from '../ids.js';
import { deliveryTag, outboxKeyOf, whyNotQueuedByVigil } from '../outbound/delivery-tags.js';
import { startPeriodicJob } from '../periodic-job.js';
import type { DeliveryDeps } from '../webhooks/delivery-worker.js';

/** Queues a delivery of each fired alert to each of its rule's channels, in the firing transaction. */
export async function queueAlertDeliveries(db: Executor, rule: AlertRuleRow, fired: readonly AlertRow[], now: Date): Promise<void> {
  if (fired.length === 0 || rule.channelIds.length === 0) return;
  const box = outboxKeyOf(db);
  const rows = fired.flatMap((alert) => rule.channelIds.map((channelId) => ({ tenantId: rule.tenantId, id: newId(), alertId: alert.id, channelId })));
  await db.insert(alertDeliveries).values(rows.map((row) => ({ ...row, nextAttemptAt: now, createdAt: now, mac: deliveryTag(box, 'alert_deliveries', row) })));
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

async function sendClaimed(deps: DeliveryDeps, tenantId: string, ids: readonly string[]) {
  const claimed = await rowsByIds(deps.db, alertDeliveries, tenantId, ids);
  const alertRows = await rowsByIds(deps.db, alerts, tenantId, [...new Set(claimed.map((delivery) => delivery.alertId))]);
  const byAlert = new Map(alertRows.map((row) => [row.id, row]));
  const rules = await rowsByIds(deps.db, alertRules, tenantId, [...new Set(alertRows.map((row) => row.ruleId))]);
  const ruleNames = new Map(rules.map((rule) => [rule.id, rule.name]));
  const channelRows = await channelsByIds(
    deps.db,
    tenantId,
    claimed.map((delivery) => delivery.channelId),
  );
  const channels = new Map(channelRows.map((channel) => [channel.id, channel]));
  const box = outboxKeyOf(deps.db);
  const sent = await Promise.all(
    claimed.map(async (delivery): Promise<SentRow[]> => {
      const why = whyNotQueuedByVigil(box, 'alert_deliveries', delivery);
      if (why !== null) {
        const refused = { id: delivery.id, why, asked: { alertId: delivery.alertId, channelId: delivery.channelId } };
        return [{ claim: delivery, outcome: refusedOutcome, context: { alertId: delivery.alertId, channelId: delivery.channelId }, refused }];
      }
      const alert = byAlert.get(delivery.alertId);
      // The alert went with its rule meanwhile, and its deliveries with it.
      if (!alert) return [];
      const channel = channels.get(delivery.channelId);
      const outcome: SendOutcome = channel
        ? await outcomeOf(sendAlertToChannel(deps, channel, messageOf(alert, ruleNames.get(alert.ruleId) ?? '')))
        : { isSuccess: false, error: 'The notification channel has been removed', isFinal: true };
      return [{ claim: delivery, outcome, context: { alertId: alert.id, channelId: delivery.channelId } }];
    }),
  );
  return sent.flat();
}

const outboxOf = (deps: DeliveryDeps) => channelOutbox(deps, 'alert_deliveries', (tenantId, ids) => sendClaimed(deps, tenantId, ids));

/** Sends the due deliveries of every tenant (or of one); returns how many were attempted. */
export function runDueAlertDeliveries(deps: DeliveryDeps, onlyTenantId?: string): Promise<number> {
  return runDueOutbox(outboxOf(deps), onlyTenantId);
}

/** The first attempt of a tenant's deliveries, right after the commit that queued them; never throws. */
export function sendAlertDeliveriesSoon(deps: DeliveryDeps, tenantId: string): Promise<void> {
  return sendSoon(outboxOf(deps), tenantId);
}

/** A delivery with its channel's name and type, both null once the channel was removed. */
export type AlertDeliveryWithChannel = AlertDeliveryRow & { readonly channelName: string | null; readonly channelType: ChannelType | null };

/** The deliveries of some alerts of a tenant, oldest first, with their channels: one statement for a page of alerts. */
export function deliveriesOfAlerts(db: Executor, tenantId: string, alertIds: readonly string[]): Promise<AlertDeliveryWithChannel[]> {
  return db
    .select({ ...getTableColumns(alertDeliveries), channelName: notificationChannels.name, channelType: notificationChannels.type })
    .from(alertDeliveries)
    .leftJoin(notificationChannels, and(eq(notificationChannels.tenantId, alertDeliveries.tenantId), eq(notificationChannels.id, alertDeliveries.channelId)))
    .where(and(eq(alertDeliveries.tenantId, tenantId), inArray(alertDeliveries.alertId, [...alertIds])))
    .orderBy(asc(alertDeliveries.createdAt), asc(alertDeliveries.id));
}

export function startAlertDeliveryWorker(deps: DeliveryDeps, intervalMs: number): Disposable {
  return startPeriodicJob({ name: 'alert delivery', intervalMs, logger: deps.logger, work: () => runDueAlertDeliveries(deps) });
}
