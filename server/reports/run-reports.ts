/**
 * The review digest job every instance runs. Due schedules are claimed one by one, each in a
 * transaction of its own with its row locked FOR UPDATE SKIP LOCKED: the run is inserted (unique per
 * schedule and period, so an instance that got there first leaves nothing to do) and next_run_at
 * advanced in that same transaction. Delivery happens after commit, outside any transaction: a run
 * whose sends are due is claimed (SKIP LOCKED) with a lease on next_attempt_at, its channels sent
 * to through the channel senders, and each outcome written back, failed sends tried again on the
 * webhooks' retry schedule (1, 5, 15, 60, 240 minutes; the sixth failure is final).
 */
import { and, eq, isNull, lte, sql } from 'drizzle-orm';
import { recordChange } from '../audit/record-change.js';
import { channelsByIds, sendAlertToChannel } from '../channels/channels.js';
import { queryRows } from '../db/database.js';
import { reportRuns, reportSchedules, type ReportRunRow, type ReportRunStatus, type ReportScheduleRow } from '../db/tables/index.js';
import type { Disposable } from '../disposable.js';
import { startPeriodicJob } from '../periodic-job.js';
import { inTransaction, type ServiceContext } from '../service-context.js';
import type { DeliveryDeps } from '../webhooks/delivery-worker.js';
import { nextAttemptAt } from '../webhooks/retry-schedule.js';
import { nextOccurrence, parseCron, previousOccurrence } from './cron-schedule.js';
import type { DigestContent } from './digest-content.js';
import { renderDigest } from './render-digest.js';
import { createReportRun, runSnapshot, type ChannelDelivery } from './report-runs.js';

const systemContext = (deps: DeliveryDeps, tenantId: string): ServiceContext => ({
  db: deps.db,
  clock: deps.clock,
  actor: { type: 'system', tenantId, name: 'report-schedules' },
});

/** Makes the run of one due schedule, if this instance is the one to; returns its id. */
async function runDueSchedule(deps: DeliveryDeps, tenantId: string, id: string): Promise<string | undefined> {
  const now = deps.clock.now();
  return inTransaction(systemContext(deps, tenantId), async (tx) => {
    const [schedule] = await tx.db
      .select()
      .from(reportSchedules)
      .where(
        and(
          eq(reportSchedules.tenantId, tenantId),
          eq(reportSchedules.id, id),
          eq(reportSchedules.isEnabled, true),
          isNull(reportSchedules.deletedAt),
          lte(reportSchedules.nextRunAt, now),
        ),
      )
      .for('update', { skipLocked: true });
    if (!schedule?.nextRunAt) return undefined;
    const cron = parseCron(schedule.cron, schedule.timezone, 'cron');
    const end = schedule.nextRunAt;
    const run = await createReportRun(tx, schedule, { start: previousOccurrence(cron, end), end }, 'schedule');
    // Periods missed while no instance ran are made one per pass, each ending where the next starts.
    await tx.db
      .update(reportSchedules)
      .set({ nextRunAt: nextOccurrence(cron, end) })
      .where(and(eq(reportSchedules.tenantId, tenantId), eq(reportSchedules.id, id)));
    return run?.id;
  });
}

/** Makes a digest now, for the period of a run's length that ends now ("send a test digest"), and delivers it. */
export async function runReportNow(ctx: ServiceContext, deps: DeliveryDeps, schedule: ReportScheduleRow): Promise<ReportRunRow> {
  const now = ctx.clock.now();
  const cron = parseCron(schedule.cron, schedule.timezone, 'cron');
  const length = (nextOccurrence(cron, now) ?? now).getTime() - previousOccurrence(cron, now).getTime();
  const run = await inTransaction(ctx, (tx) => createReportRun(tx, schedule, { start: new Date(now.getTime() - length), end: now }, 'manual'));
  return (await deliverRun(deps, run!.tenantId, run!.id)) ?? run!;
}

const isDue = (delivery: ChannelDelivery, now: Date) =>
  delivery.status === 'pending' || (delivery.status === 'retrying' && (!delivery.nextAttemptAt || new Date(delivery.nextAttemptAt) <= now));

function statusOf(deliveries: readonly ChannelDelivery[]): ReportRunStatus {
  if (deliveries.length === 0) return 'undelivered';
  if (deliveries.some((delivery) => delivery.status === 'pending' || delivery.status === 'retrying')) return 'delivering';
  const delivered = deliveries.filter((delivery) => delivery.status === 'delivered').length;
  return delivered === deliveries.length ? 'delivered' : delivered > 0 ? 'partially_delivered' : 'failed';
}

/**
 * Sends a run's due deliveries, if no other instance holds it; returns the run as settled. The
 * claim is a lease (next_attempt_at moved past the sends' timeouts): an instance that dies
 * mid-send leaves a run another takes up once the lease lapses.
 */
export async function deliverRun(deps: DeliveryDeps, tenantId: string, id: string): Promise<ReportRunRow | undefined> {
  const now = deps.clock.now();
  const claimed = await deps.db.transaction(async (tx) => {
    const [run] = await tx
      .select()
      .from(reportRuns)
      .where(and(eq(reportRuns.tenantId, tenantId), eq(reportRuns.id, id), eq(reportRuns.status, 'delivering'), lte(reportRuns.nextAttemptAt, now)))
      .for('update', { skipLocked: true });
    if (!run) return undefined;
    const deliveries = run.deliveries as unknown as ChannelDelivery[];
    const leaseUntil = new Date(now.getTime() + deps.timeoutMs * 3 * Math.max(1, deliveries.length));
    // next_attempt_at is out of the run's leaf: taking the lease writes no leaf.
    await tx
      .update(reportRuns)
      .set({ nextAttemptAt: leaseUntil })
      .where(and(eq(reportRuns.tenantId, tenantId), eq(reportRuns.id, id)));
    return { run, deliveries, leaseUntil };
  });
  if (!claimed) return undefined;
  const { run, deliveries, leaseUntil } = claimed;
  const content = run.content as unknown as DigestContent;
  const { subject, summary, rendered } = renderDigest(content);
  const channels = await channelsByIds(
    deps.db,
    tenantId,
    deliveries.map((delivery) => delivery.channelId),
  );
  const settled: ChannelDelivery[] = [];
  for (const delivery of deliveries) {
    if (!isDue(delivery, now)) {
      settled.push(delivery);
      continue;
    }
    const channel = channels.find((candidate) => candidate.id === delivery.channelId);
    const result = channel
      ? await sendAlertToChannel(deps, channel, {
          subject,
          message: summary,
          severity: 'info',
          source: `Vigil review digest "${run.scheduleName}"`,
          details: { reportRunId: run.id, content },
          rendered,
        })
      : { isSuccess: false, error: 'The notification channel has been removed' };
    const attempts = delivery.attempts + 1;
    const retryAt = result.isSuccess || !channel ? null : nextAttemptAt(attempts, deps.clock.now(), null);
    if (!result.isSuccess)
      deps.logger.warn({ channelId: delivery.channelId, reportRunId: run.id, error: result.error }, 'review digest not delivered to channel');
    settled.push({
      channelId: delivery.channelId,
      channelName: channel?.name ?? delivery.channelName,
      type: channel?.type ?? delivery.type,
      status: result.isSuccess ? 'delivered' : retryAt ? 'retrying' : 'failed',
      attempts,
      error: result.isSuccess ? null : result.error,
      deliveredAt: result.isSuccess ? deps.clock.now().toISOString() : null,
      nextAttemptAt: retryAt?.toISOString() ?? null,
    });
  }
  const status = statusOf(settled);
  const retries = settled.flatMap((delivery) => (delivery.status === 'retrying' && delivery.nextAttemptAt ? [new Date(delivery.nextAttemptAt).getTime()] : []));
  return inTransaction(systemContext(deps, tenantId), async (tx) => {
    // Only the claim this instance holds: if its lease lapsed and another took the run, that one settles it.
    const [updated] = await tx.db
      .update(reportRuns)
      .set({
        deliveries: settled as unknown as Record<string, unknown>[],
        status,
        deliveredAt: status === 'delivered' || status === 'partially_delivered' ? deps.clock.now() : null,
        nextAttemptAt: status === 'delivering' ? new Date(Math.min(...retries)) : null,
      })
      .where(and(eq(reportRuns.tenantId, tenantId), eq(reportRuns.id, id), eq(reportRuns.nextAttemptAt, leaseUntil)))
      .returning();
    if (!updated) return undefined;
    await recordChange(tx, { action: 'report.delivered', resource: { type: 'report_run', id, name: run.scheduleName }, after: runSnapshot(updated) });
    return updated;
  });
}

/** Which schedules and runs a pass looks at. */
export interface ReportScope {
  /** Only this tenant's (tests, the demo). */
  readonly tenantId?: string;
}

/** One pass: the runs of every due schedule, then every delivery that is due; returns the runs made. */
export async function runDueReports(deps: DeliveryDeps, scope: ReportScope = {}): Promise<number> {
  const now = deps.clock.now().toISOString();
  const onlyTenant = scope.tenantId ? sql`and t.id = ${scope.tenantId}` : sql``;
  const due = await queryRows<{ tenant_id: string; id: string }>(
    deps.db,
    sql`select s.tenant_id, s.id from tenants t join report_schedules s on s.tenant_id = t.id
        where s.next_run_at <= ${now}::timestamptz and s.is_enabled and s.deleted_at is null ${onlyTenant} order by s.tenant_id, s.next_run_at`,
  );
  const made: { tenantId: string; id: string }[] = [];
  // One schedule or run that fails (a channel's settings no longer open, a database error) is logged and tried next pass; the others go on.
  for (const schedule of due) {
    try {
      const runId = await runDueSchedule(deps, schedule.tenant_id, schedule.id);
      if (runId) made.push({ tenantId: schedule.tenant_id, id: runId });
    } catch (error) {
      deps.logger.warn({ err: error, tenantId: schedule.tenant_id, reportScheduleId: schedule.id }, 'review digest not made');
    }
  }
  const sends = await queryRows<{ tenant_id: string; id: string }>(
    deps.db,
    sql`select r.tenant_id, r.id from tenants t join report_runs r on r.tenant_id = t.id
        where r.next_attempt_at <= ${now}::timestamptz and r.status = 'delivering' ${onlyTenant} order by r.tenant_id, r.next_attempt_at`,
  );
  for (const run of sends) {
    try {
      await deliverRun(deps, run.tenant_id, run.id);
    } catch (error) {
      deps.logger.warn({ err: error, tenantId: run.tenant_id, reportRunId: run.id }, 'review digest not delivered');
    }
  }
  return made.length;
}

export function startReportScheduler(deps: DeliveryDeps, intervalMs: number): Disposable {
  return startPeriodicJob({ name: 'review digests', intervalMs, logger: deps.logger, work: () => runDueReports(deps) });
}
