import { and, count, desc, sql } from 'drizzle-orm';
import type { Executor } from '../db/database.js';
import { auditEntries } from '../db/tables/index.js';
import { BadInput } from '../errors.js';
import { auditConditions, type AuditFilter } from './list-entries.js';

export type Bucket = 'hour' | 'day';

export interface AuditStatistics {
  readonly from: Date;
  readonly to: Date;
  readonly total: number;
  readonly byAction: { key: string; count: number }[];
  readonly byActor: { actorId: string; actorEmail: string | null; actorType: string; count: number }[];
  readonly byActorType: { key: string; count: number }[];
  readonly series: { bucketStart: Date; count: number }[];
}

const MAX_BUCKETS = 24 * 93;

/**
 * Counts over a window (7 days by default): by action, by actor, by actor type, and a time series
 * in hour or day buckets (empty buckets included, for charts).
 */
export async function auditStatistics(
  db: Executor,
  tenantId: string,
  window: { from?: Date | null; to?: Date | null; bucket?: Bucket | null; filter?: AuditFilter },
  now: Date,
): Promise<AuditStatistics> {
  const to = window.to ?? now;
  const from = window.from ?? new Date(to.getTime() - 7 * 86_400_000);
  if (from >= to) throw new BadInput('from', 'from must be before to');
  const bucket = window.bucket ?? 'day';
  const bucketMs = bucket === 'hour' ? 3_600_000 : 86_400_000;
  if ((to.getTime() - from.getTime()) / bucketMs > MAX_BUCKETS) throw new BadInput('bucket', `At most ${MAX_BUCKETS} buckets: use DAY for long windows`);
  const where = and(...auditConditions(tenantId, { ...window.filter, from, to }));
  const total = count();
  const [byAction, byActor, byActorType, series] = await Promise.all([
    db.select({ key: auditEntries.action, count: total }).from(auditEntries).where(where).groupBy(auditEntries.action).orderBy(desc(total)),
    db
      .select({
        actorId: auditEntries.actorId,
        actorEmail: sql<string | null>`max(${auditEntries.actorEmail})`,
        actorType: auditEntries.actorType,
        count: total,
      })
      .from(auditEntries)
      .where(where)
      .groupBy(auditEntries.actorId, auditEntries.actorType)
      .orderBy(desc(total))
      .limit(100),
    db.select({ key: auditEntries.actorType, count: total }).from(auditEntries).where(where).groupBy(auditEntries.actorType).orderBy(desc(total)),
    db
      .select({ bucket: sql<string>`date_trunc(${bucket}, ${auditEntries.occurredAt} at time zone 'UTC')::text`, count: total })
      .from(auditEntries)
      .where(where)
      .groupBy(sql`1`),
  ]);
  const counts = new Map(series.map((row) => [new Date(`${row.bucket.replace(' ', 'T')}Z`).getTime(), row.count]));
  const filled: { bucketStart: Date; count: number }[] = [];
  const first = truncate(from, bucket);
  for (let at = first; at < to.getTime(); at += bucketMs) filled.push({ bucketStart: new Date(at), count: counts.get(at) ?? 0 });
  return {
    from,
    to,
    total: byActorType.reduce((sum, row) => sum + row.count, 0),
    byAction,
    byActor,
    byActorType,
    series: filled,
  };
}

function truncate(at: Date, bucket: Bucket): number {
  const copy = new Date(at);
  copy.setUTCMinutes(0, 0, 0);
  if (bucket === 'day') copy.setUTCHours(0);
  return copy.getTime();
}
