/**
 * The access reviews' periodic job, one pass per run on every instance at once:
 * - recurrence: a recurring series whose schedule's next run has come gets its next campaign, with
 *   the grants in force now. The series' latest campaign is locked FOR UPDATE SKIP LOCKED while
 *   its successor is written, and (tenant, series, period) is unique: whichever instance comes
 *   second finds it locked, or finds the successor, and writes nothing. Missed runs (no instance
 *   ran) start one campaign, for the latest period.
 * - escalation: an open campaign past its due date with items undecided is marked overdue once
 *   (overdue_at, with its audit entry) and its admins are told, in the bell, by email and in chat
 *   (the last two through the person outbox, server/reviews/review-delivery.ts, queued in the same
 *   transaction and retried until delivered).
 * - reminders: each reviewer with undecided items in open campaigns is reminded at most once a day
 *   (access_review_reminders.last_reminded_at, claimed by an upsert that only one instance wins).
 */
import { and, eq, isNotNull, isNull, lte, ne, or, sql } from 'drizzle-orm';
import { recordChange } from '../audit/record-change.js';
import type { Disposable } from '../disposable.js';
import type { Database, Executor } from '../db/database.js';
import { accessReviewItems, accessReviewReminders, accessReviews, users, type AccessReviewRow } from '../db/tables/index.js';
import { isWorkspaceAdminSql } from '../identity/users.js';
import { notify } from '../notifications/notifications.js';
import { startPeriodicJob } from '../periodic-job.js';
import { inTransaction, type ServiceContext } from '../service-context.js';
import type { DeliveryDeps } from '../webhooks/delivery-worker.js';
import { nextRunOf, reviewSnapshot, startCampaign } from './access-reviews.js';
import { reviewTally } from './review-decisions.js';
import { storedRecurrence } from './review-schedule.js';
import { chatProvidersOf, queueToPeople, sendToPeopleSoon, type Recipient } from './review-delivery.js';

const DAY_MS = 86_400_000;
/** Runs of a schedule skipped over at most, looking for the latest one due (a year of hourly runs is far more). */
const MAX_SKIPPED_RUNS = 10_000;

export interface ReviewJobResult {
  readonly started: number;
  readonly escalated: number;
  readonly reminded: number;
}

const systemContext = (deps: DeliveryDeps, tenantId: string): ServiceContext => ({
  db: deps.db,
  clock: deps.clock,
  actor: { type: 'system', tenantId, name: 'access-reviews' },
});

/** Rows of access_reviews no later campaign of their series follows. */
const isLatestOfSeries = sql`not exists (select 1 from access_reviews later where later.tenant_id = ${accessReviews.tenantId}
  and later.series_id = ${accessReviews.seriesId} and later.period_start > ${accessReviews.periodStart})`;

/** The latest run of the schedule due by `now` after `review`'s period, or null when none is. */
function duePeriod(review: AccessReviewRow, now: Date): Date | null {
  let due = nextRunOf(review);
  if (!due || due > now) return null;
  const cron = storedRecurrence(review.recurrence!, review.timeZone!);
  for (let skipped = 0; skipped < MAX_SKIPPED_RUNS; skipped += 1) {
    const next = cron.nextRun(due);
    if (!next || next > now) break;
    due = next;
  }
  return due;
}

async function startDueCampaigns(deps: DeliveryDeps): Promise<number> {
  const now = deps.clock.now();
  const latest = await deps.db
    .select()
    .from(accessReviews)
    .where(and(isNotNull(accessReviews.recurrence), ne(accessReviews.status, 'cancelled'), isLatestOfSeries));
  let started = 0;
  for (const candidate of latest) {
    const period = duePeriod(candidate, now);
    if (!period) continue;
    const created = await inTransaction(systemContext(deps, candidate.tenantId), async (tx) => {
      const [locked] = await tx.db
        .select()
        .from(accessReviews)
        .where(and(eq(accessReviews.tenantId, candidate.tenantId), eq(accessReviews.id, candidate.id), isLatestOfSeries))
        .for('update', { skipLocked: true });
      if (!locked) return undefined;
      return startCampaign(tx, {
        ...locked,
        periodStart: period,
        // The same time to decide as the campaign before.
        dueAt: new Date(period.getTime() + (locked.dueAt.getTime() - locked.periodStart.getTime())),
        createdById: null,
      });
    });
    if (created) started += 1;
  }
  return started;
}

const overdueCondition = (now: Date) =>
  and(
    eq(accessReviews.status, 'open'),
    isNull(accessReviews.overdueAt),
    lte(accessReviews.dueAt, now),
    sql`exists (select 1 from access_review_items i where i.tenant_id = ${accessReviews.tenantId} and i.review_id = ${accessReviews.id} and i.decision is null)`,
  );

async function enabledAdmins(db: Executor, tenantId: string): Promise<Recipient[]> {
  const rows = await db
    .select({ userId: users.id, email: users.email })
    .from(users)
    .where(and(eq(users.tenantId, tenantId), isWorkspaceAdminSql, isNull(users.disabledAt)));
  return rows.map((row) => ({ ...row, tenantId }));
}

async function escalateOverdue(deps: DeliveryDeps): Promise<number> {
  const now = deps.clock.now();
  const overdue = await deps.db.select({ tenantId: accessReviews.tenantId, id: accessReviews.id }).from(accessReviews).where(overdueCondition(now));
  let escalated = 0;
  for (const { tenantId, id } of overdue) {
    const told = await inTransaction(systemContext(deps, tenantId), async (tx) => {
      const [review] = await tx.db
        .select()
        .from(accessReviews)
        .where(and(eq(accessReviews.tenantId, tenantId), eq(accessReviews.id, id), overdueCondition(now)))
        .for('update', { skipLocked: true });
      if (!review) return undefined;
      const [marked] = await tx.db
        .update(accessReviews)
        .set({ overdueAt: now })
        .where(and(eq(accessReviews.tenantId, tenantId), eq(accessReviews.id, id)))
        .returning();
      const tally = await reviewTally(tx.db, tenantId, id);
      const admins = await enabledAdmins(tx.db, tenantId);
      const message = {
        subject: `Access review overdue: ${review.name}`,
        message: `${tally.undecided} of ${tally.total} items were still undecided at the due date (${review.dueAt.toISOString()}).`,
        severity: 'high' as const,
        source: 'access review',
        link: `/access-reviews/${review.id}`,
      };
      await notify(
        tx,
        admins.map((admin) => admin.userId),
        {
          category: 'security',
          severity: 'high',
          title: message.subject,
          body: message.message,
          link: message.link,
          resourceType: 'access_review',
          resourceId: id,
        },
      );
      await recordChange(tx, {
        action: 'access_review.overdue',
        resource: { type: 'access_review', id, name: review.name },
        before: reviewSnapshot(review),
        after: { ...reviewSnapshot(marked!), overdueAt: now, undecided: tally.undecided },
      });
      await queueToPeople(tx.db, chatProvidersOf(deps), admins, message, now);
      return true;
    });
    if (!told) continue;
    escalated += 1;
    await sendToPeopleSoon(deps, tenantId);
  }
  return escalated;
}

/** Reviewers with undecided items in open campaigns not reminded for a day, with how many and in which campaigns. */
async function waitingReviewers(db: Database, remindedBefore: Date) {
  return db
    .select({
      tenantId: accessReviewItems.tenantId,
      userId: accessReviewItems.assignedReviewerId,
      email: users.email,
      items: sql<number>`count(*)::int`,
      reviews: sql<string[]>`array_agg(distinct ${accessReviews.name})`,
    })
    .from(accessReviewItems)
    .innerJoin(accessReviews, and(eq(accessReviews.tenantId, accessReviewItems.tenantId), eq(accessReviews.id, accessReviewItems.reviewId)))
    .innerJoin(users, and(eq(users.tenantId, accessReviewItems.tenantId), eq(users.id, accessReviewItems.assignedReviewerId)))
    .leftJoin(
      accessReviewReminders,
      and(eq(accessReviewReminders.tenantId, accessReviewItems.tenantId), eq(accessReviewReminders.reviewerId, accessReviewItems.assignedReviewerId)),
    )
    .where(
      and(
        eq(accessReviews.status, 'open'),
        isNull(accessReviewItems.decision),
        isNull(users.disabledAt),
        or(isNull(accessReviewReminders.lastRemindedAt), lte(accessReviewReminders.lastRemindedAt, remindedBefore)),
      ),
    )
    .groupBy(accessReviewItems.tenantId, accessReviewItems.assignedReviewerId, users.email);
}

async function remindReviewers(deps: DeliveryDeps): Promise<number> {
  const now = deps.clock.now();
  const dayAgo = new Date(now.getTime() - DAY_MS);
  let reminded = 0;
  for (const waiting of await waitingReviewers(deps.db, dayAgo)) {
    const recipient: Recipient = { tenantId: waiting.tenantId, userId: waiting.userId!, email: waiting.email };
    const message = {
      subject: `${waiting.items} access review item${waiting.items === 1 ? '' : 's'} waiting for your decision`,
      message: `Keep or revoke each grant in: ${[...waiting.reviews].sort().join(', ')}.`,
      severity: 'medium' as const,
      source: 'access review',
      link: '/access-reviews',
    };
    const isClaimed = await inTransaction(systemContext(deps, recipient.tenantId), async (tx) => {
      // One reminder a day: the upsert changes the row only when the last one is a day old, and
      // the row's lock makes a second instance wait, then find it changed and claim nothing.
      const [claimed] = await tx.db
        .insert(accessReviewReminders)
        .values({ tenantId: recipient.tenantId, reviewerId: recipient.userId, lastRemindedAt: now })
        .onConflictDoUpdate({
          target: [accessReviewReminders.tenantId, accessReviewReminders.reviewerId],
          set: { lastRemindedAt: now },
          setWhere: lte(accessReviewReminders.lastRemindedAt, dayAgo),
        })
        .returning();
      if (!claimed) return false;
      await notify(tx, [recipient.userId], {
        category: 'approval',
        severity: 'medium',
        title: message.subject,
        body: message.message,
        link: message.link,
        resourceType: 'access_review',
      });
      await queueToPeople(tx.db, chatProvidersOf(deps), [recipient], message, now);
      return true;
    });
    if (!isClaimed) continue;
    reminded += 1;
    await sendToPeopleSoon(deps, recipient.tenantId);
  }
  return reminded;
}

/** One pass: new campaigns of recurring series, escalations, then reminders. */
export async function runAccessReviewJob(deps: DeliveryDeps): Promise<ReviewJobResult> {
  const started = await startDueCampaigns(deps);
  const escalated = await escalateOverdue(deps);
  const reminded = await remindReviewers(deps);
  return { started, escalated, reminded };
}

export function startAccessReviewJob(deps: DeliveryDeps, intervalMs: number): Disposable {
  return startPeriodicJob({ name: 'access reviews', intervalMs, logger: deps.logger, work: () => runAccessReviewJob(deps) });
}
