/**
 * Account-wide statistics: the event statistics of each of the account's workspaces, each counted
 * by the same service as a workspace's own, as the person's row there (an admin of it), and added
 * up (server/accounts/account-reach.ts).
 */
import { eventStatistics, type EventStatistics, type KeyCount, type StatisticsBucket } from '../events/event-statistics.js';
import type { EventStreamFilter } from '../events/event-filter.js';
import type { ServiceContext } from '../service-context.js';
import { reachedWorkspaces } from './account-reach.js';
import type { WorkspaceRecord } from './accounts.js';

type LogCatchUp = Parameters<typeof eventStatistics>[1];

export interface WorkspaceStatistics {
  readonly workspace: WorkspaceRecord;
  readonly statistics: EventStatistics;
}

export interface AccountStatistics {
  readonly from: Date;
  readonly to: Date;
  readonly total: number;
  readonly series: { bucketStart: Date; count: number }[];
  readonly byCategory: KeyCount[];
  readonly byType: KeyCount[];
  readonly bySeverity: KeyCount[];
  readonly byOutcome: KeyCount[];
  readonly byWorkspace: WorkspaceStatistics[];
}

function addUp(counts: readonly KeyCount[][], top = Number.POSITIVE_INFINITY): KeyCount[] {
  const sums = new Map<string, number>();
  for (const list of counts) for (const { key, count } of list) sums.set(key, (sums.get(key) ?? 0) + count);
  return [...sums]
    .map(([key, count]) => ({ key, count }))
    .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1))
    .slice(0, top);
}

export async function accountStatistics(
  ctx: ServiceContext,
  log: LogCatchUp,
  read: {
    since?: Date | null;
    until?: Date | null;
    bucket?: StatisticsBucket | null;
    filter?: EventStreamFilter | null;
    workspaces?: readonly string[] | null;
  },
): Promise<AccountStatistics> {
  const byWorkspace: WorkspaceStatistics[] = [];
  for (const { workspace, actor } of await reachedWorkspaces(ctx, read.workspaces)) {
    byWorkspace.push({ workspace, statistics: await eventStatistics({ ...ctx, actor }, log, read) });
  }
  const now = ctx.clock.now();
  const to = read.until ?? now;
  const series = new Map<number, number>();
  for (const { statistics } of byWorkspace) {
    for (const bucket of statistics.series) series.set(bucket.bucketStart.getTime(), (series.get(bucket.bucketStart.getTime()) ?? 0) + bucket.count);
  }
  return {
    from: byWorkspace[0]?.statistics.from ?? read.since ?? new Date(to.getTime() - 7 * 86_400_000),
    to: byWorkspace[0]?.statistics.to ?? to,
    total: byWorkspace.reduce((sum, { statistics }) => sum + statistics.total, 0),
    series: [...series].sort(([a], [b]) => a - b).map(([at, count]) => ({ bucketStart: new Date(at), count })),
    byCategory: addUp(byWorkspace.map(({ statistics }) => statistics.byCategory)),
    byType: addUp(
      byWorkspace.map(({ statistics }) => statistics.byType),
      100,
    ),
    bySeverity: addUp(byWorkspace.map(({ statistics }) => statistics.bySeverity)),
    byOutcome: addUp(byWorkspace.map(({ statistics }) => statistics.byOutcome)),
    byWorkspace,
  };
}
