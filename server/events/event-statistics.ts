/**
 * Statistics over the event stream: counts by category, type, severity, outcome, person and server,
 * and a time series, over a window of event time, of the events the reader may see and the
 * filter wants (the "User activity" charts, sign-ins and sessions included, not audit entries
 * alone). Counted from the events themselves, so they agree with the stream and the timeline.
 *
 * The log is in order of recording, not of event time: the read starts at the first position
 * recorded since the window opened (found by a binary search over positions; an event cannot be
 * recorded before its own time, give or take the agents' allowed clock skew) and goes on past the
 * window's end by LATE_REPORTS, for events reported late. An event reported later than that after
 * its window closed is not counted in it.
 */
import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../db/database.js';
import { BadInput } from '../errors.js';
import type { ServiceContext } from '../service-context.js';
import { decodeEventCursor, encodeEventCursor } from './event-cursor.js';
import type { EventStreamFilter } from './event-filter.js';
import { MAX_EVENT_PAGE, readEventStream, type LogCatchUp } from './read-event-stream.js';
import type { StreamEvent } from './stream-event.js';

export type StatisticsBucket = 'hour' | 'day';

export interface KeyCount {
  readonly key: string;
  readonly count: number;
}

export interface EventStatistics {
  readonly from: Date;
  readonly to: Date;
  readonly total: number;
  readonly byCategory: KeyCount[];
  readonly byType: KeyCount[];
  readonly bySeverity: KeyCount[];
  readonly byOutcome: KeyCount[];
  /** The most active people: the actor's id (and email as last seen). */
  readonly byUser: { userId: string; email: string | null; count: number }[];
  readonly byServer: { serverId: string; count: number }[];
  readonly series: { bucketStart: Date; count: number }[];
  /** Positions of the log read to count them. */
  readonly scanned: number;
}

/** How long after a window closed an event of it may still be reported and counted. */
export const LATE_REPORTS_MS = 24 * 3_600_000;
/** Recording order and queue time differ by at most a transaction's length; reach back this far. */
const QUEUE_MARGIN_MS = 3_600_000;
const MAX_BUCKETS = 24 * 93;
/** The most positions one request reads (about 30 s of work): a longer window is refused. */
export const MAX_SCANNED = 2_000_000;
const TOP = 100;

/** The first position whose leaf was queued at or after `at` (the log's size when none). */
async function firstPositionQueuedSince(db: Executor, tenantId: string, at: Date, size: number): Promise<number> {
  let low = 0;
  let high = size;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    const [row] = await queryRows<{ is_before: boolean }>(
      db,
      sql`select queued_at < ${at.toISOString()}::timestamptz as is_before from log_leaves where tenant_id = ${tenantId} and idx = ${middle}`,
    );
    if (row?.is_before) low = middle + 1;
    else high = middle;
  }
  return low;
}

const counted = (counts: Map<string, number>, limit = Infinity): KeyCount[] =>
  [...counts]
    .map(([key, count]) => ({ key, count }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key))
    .slice(0, limit);

const add = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);

export async function eventStatistics(
  ctx: ServiceContext,
  log: LogCatchUp,
  read: { since?: Date | null; until?: Date | null; bucket?: StatisticsBucket | null; filter?: EventStreamFilter | null },
): Promise<EventStatistics> {
  const to = read.until ?? ctx.clock.now();
  const from = read.since ?? new Date(to.getTime() - 7 * 86_400_000);
  if (from >= to) throw new BadInput('since', 'since must be before until');
  const bucket = read.bucket ?? 'day';
  const bucketMs = bucket === 'hour' ? 3_600_000 : 86_400_000;
  if ((to.getTime() - from.getTime()) / bucketMs > MAX_BUCKETS) throw new BadInput('bucket', `At most ${MAX_BUCKETS} buckets: use DAY for long windows`);
  const tenantId = ctx.actor.tenantId;
  await log.catchUp(tenantId);
  const [head] = await queryRows<{ size: string | number }>(ctx.db, sql`select size from log_heads where tenant_id = ${tenantId}`);
  const size = Number(head?.size ?? 0);
  const start = await firstPositionQueuedSince(ctx.db, tenantId, new Date(from.getTime() - QUEUE_MARGIN_MS), size);
  const end = await firstPositionQueuedSince(ctx.db, tenantId, new Date(to.getTime() + LATE_REPORTS_MS), size);
  if (end - start > MAX_SCANNED) {
    throw new BadInput('since', `The window covers ${end - start} positions of the log; statistics read at most ${MAX_SCANNED}: choose a shorter one`);
  }

  const byCategory = new Map<string, number>();
  const byType = new Map<string, number>();
  const bySeverity = new Map<string, number>();
  const byOutcome = new Map<string, number>();
  const byUser = new Map<string, { email: string | null; count: number }>();
  const byServer = new Map<string, number>();
  const series = new Map<number, number>();
  let total = 0;
  const count = (event: StreamEvent) => {
    total++;
    add(byCategory, event.category);
    add(byType, event.type);
    add(bySeverity, event.severity);
    add(byOutcome, event.outcome);
    if (event.actor?.type === 'user' && event.actor.id) {
      const user = byUser.get(event.actor.id) ?? { email: null, count: 0 };
      byUser.set(event.actor.id, { email: event.actor.email ?? user.email, count: user.count + 1 });
    }
    if (event.serverId) add(byServer, event.serverId);
    const bucketStart = Math.floor(event.time.getTime() / bucketMs) * bucketMs;
    series.set(bucketStart, (series.get(bucketStart) ?? 0) + 1);
  };

  const filter: EventStreamFilter = { ...read.filter, since: from, until: to };
  // The page before `start` ended at start - 1: the stream reads on from there, page by page.
  let after = start > 0 ? encodeEventCursor(start - 1) : null;
  for (;;) {
    const page = await readEventStream(ctx, log, { after, first: MAX_EVENT_PAGE, filter });
    for (const event of page.nodes) if (event.position < end) count(event);
    if (!page.hasMore || decodeEventCursor(page.endCursor) >= end - 1) break;
    after = page.endCursor;
  }

  const firstBucket = Math.floor(from.getTime() / bucketMs) * bucketMs;
  return {
    from,
    to,
    total,
    byCategory: counted(byCategory),
    byType: counted(byType, TOP),
    bySeverity: counted(bySeverity),
    byOutcome: counted(byOutcome),
    byUser: [...byUser]
      .map(([userId, user]) => ({ userId, email: user.email, count: user.count }))
      .sort((a, b) => b.count - a.count || a.userId.localeCompare(b.userId))
      .slice(0, TOP),
    byServer: counted(byServer, TOP).map(({ key, count: n }) => ({ serverId: key, count: n })),
    series: Array.from({ length: Math.ceil((to.getTime() - firstBucket) / bucketMs) }, (_, index) => {
      const bucketStart = firstBucket + index * bucketMs;
      return { bucketStart: new Date(bucketStart), count: series.get(bucketStart) ?? 0 };
    }),
    scanned: Math.max(0, end - start),
  };
}
