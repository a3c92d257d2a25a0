/**
 * The archive's periods (UTC hours or days) and the keys of their objects. A key names the
 * tenant, the period and the positions the object holds, so objects list in log order and a
 * reader can tell from the names alone whether one is missing (each `from` is the one before's
 * `size`).
 */
export type ArchivePeriod = 'hour' | 'day';

const LENGTH_MS: Record<ArchivePeriod, number> = { hour: 60 * 60_000, day: 24 * 60 * 60_000 };

/** The last period that ended at or before `now`. */
export function lastClosedPeriod(now: Date, period: ArchivePeriod): { start: Date; end: Date } {
  const length = LENGTH_MS[period];
  const end = Math.floor(now.getTime() / length) * length;
  return { start: new Date(end - length), end: new Date(end) };
}

const twoDigits = (value: number) => String(value).padStart(2, '0');

/** `<prefix>/tenants/<tenant>/log/2026/12/06/20261206T1700Z-<from>-<size>.jsonl.gz` */
export function archiveObjectKey(prefix: string, tenantId: string, periodStart: Date, from: number, size: number): string {
  const year = String(periodStart.getUTCFullYear());
  const month = twoDigits(periodStart.getUTCMonth() + 1);
  const day = twoDigits(periodStart.getUTCDate());
  const stamp = `${year}${month}${day}T${twoDigits(periodStart.getUTCHours())}${twoDigits(periodStart.getUTCMinutes())}Z`;
  const path = `tenants/${tenantId}/log/${year}/${month}/${day}/${stamp}-${from}-${size}.jsonl.gz`;
  return prefix === '' ? path : `${prefix}/${path}`;
}

/** The OCSF companion's key: the log segment's, `.ocsf.jsonl.gz` for `.jsonl.gz`. */
export const ocsfKeyOf = (segmentKey: string): string => segmentKey.replace(/\.jsonl\.gz$/, '.ocsf.jsonl.gz');
