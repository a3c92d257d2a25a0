/**
 * Review digests as records: a run is made for a schedule and a period in one transaction with its
 * audit entry (`report.generated`), its facts gathered in that transaction, and kept in the
 * verifiable log; how each channel took it is written back with `report.delivered`.
 */
import { and, eq, sql } from 'drizzle-orm';
import { recordChange } from '../audit/record-change.js';
import { queryRows, type Executor } from '../db/database.js';
import { reportRuns, type ReportRunRow, type ReportRunTrigger, type ReportScheduleRow } from '../db/tables/index.js';
import { NotFound } from '../errors.js';
import { newId } from '../ids.js';
import { fetchPage, type Page, type PageArgs } from '../pagination/keyset.js';
import type { TransactionContext } from '../service-context.js';
import { buildDigest } from './build-digest.js';

/** One channel's part of a run's delivery. */
export interface ChannelDelivery {
  readonly channelId: string;
  readonly channelName: string | null;
  readonly type: string | null;
  /** pending (not tried yet), retrying, delivered, failed (final). */
  readonly status: 'pending' | 'retrying' | 'delivered' | 'failed';
  readonly attempts: number;
  readonly error: string | null;
  readonly deliveredAt: string | null;
  readonly nextAttemptAt: string | null;
}

export const runSnapshot = (row: ReportRunRow) => ({
  id: row.id,
  scheduleId: row.scheduleId,
  trigger: row.trigger,
  periodStart: row.periodStart,
  periodEnd: row.periodEnd,
  status: row.status,
  isQuiet: (row.content as { isQuiet?: boolean }).isQuiet ?? null,
  deliveries: row.deliveries,
});

/**
 * Makes the schedule's run for [start, end) with its facts; undefined when the schedule already has
 * its run for that period (another instance made it: the unique key turns this insert into nothing).
 */
export async function createReportRun(
  ctx: TransactionContext,
  schedule: ReportScheduleRow,
  period: { start: Date; end: Date },
  trigger: ReportRunTrigger,
): Promise<ReportRunRow | undefined> {
  const content = await buildDigest(ctx.db, schedule, period.start, period.end);
  const now = ctx.clock.now();
  const deliveries: ChannelDelivery[] = schedule.channelIds.map((channelId) => ({
    channelId,
    channelName: null,
    type: null,
    status: 'pending',
    attempts: 0,
    error: null,
    deliveredAt: null,
    nextAttemptAt: null,
  }));
  const [inserted] = await ctx.db
    .insert(reportRuns)
    .values({
      tenantId: schedule.tenantId,
      id: newId(),
      scheduleId: schedule.id,
      scheduleName: schedule.name,
      trigger,
      requestedById: trigger === 'manual' && ctx.actor.type === 'user' ? ctx.actor.userId : null,
      periodStart: period.start,
      periodEnd: period.end,
      content: content as unknown as Record<string, unknown>,
      status: deliveries.length ? 'delivering' : 'undelivered',
      deliveries: deliveries as unknown as Record<string, unknown>[],
      nextAttemptAt: deliveries.length ? now : null,
    })
    .onConflictDoNothing()
    .returning();
  if (!inserted) return undefined;
  await recordChange(ctx, {
    action: 'report.generated',
    resource: { type: 'report_run', id: inserted.id, name: schedule.name },
    after: runSnapshot(inserted),
  });
  return inserted;
}

export async function getReportRun(db: Executor, tenantId: string, id: string): Promise<ReportRunRow> {
  const [row] = await db
    .select()
    .from(reportRuns)
    .where(and(eq(reportRuns.tenantId, tenantId), eq(reportRuns.id, id)));
  if (!row) throw new NotFound('Report run', id);
  return row;
}

/** A schedule's runs (a removed schedule's too), newest first. */
export function listReportRuns(db: Executor, tenantId: string, scheduleId: string, args: PageArgs): Promise<Page<ReportRunRow>> {
  return fetchPage(
    args,
    [reportRuns.id],
    (row) => [row.id],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(reportRuns)
        .where(and(eq(reportRuns.tenantId, tenantId), eq(reportRuns.scheduleId, scheduleId), where))
        .orderBy(...orderBy)
        .limit(limit),
  );
}

/** Whether the schedule exists in the tenant, removed or not (its runs stay readable). */
export async function scheduleExists(db: Executor, tenantId: string, scheduleId: string): Promise<boolean> {
  const rows = await queryRows<{ id: string }>(db, sql`select id from report_schedules where tenant_id = ${tenantId} and id = ${scheduleId}`);
  return rows.length > 0;
}
