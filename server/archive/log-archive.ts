/**
 * The log's archive: after every closed period (an hour or a day, UTC), each tenant's new leaves
 * go to object storage as one gzipped segment (server/archive/log-segment.ts) that carries the
 * checkpoint signed when the period closed, the previous object's checkpoint and the compact range
 * between them, so the objects alone, read in order, verify as the whole log (`vigil audit
 * verify`). A quiet period still gets its object, with no leaves and a fresh checkpoint: the proof
 * that nothing was written, as CloudTrail's hourly digests are.
 *
 * Safe on every instance at once, and after a crash anywhere: a period's row is claimed by an
 * insert that only one instance wins; work is leased a row at a time (FOR UPDATE SKIP LOCKED), a
 * tenant's periods in order; the checkpoint, and with it every byte of the object, is fixed in
 * the row before anything is uploaded, so whoever uploads (again) writes the same object under
 * the same key. A failed upload is retried with a growing delay; the next period waits for it,
 * so objects are never out of order.
 */
import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { sql } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import { queryRows, type Database } from '../db/database.js';
import type { Disposable } from '../disposable.js';
import type { Logger } from '../logger.js';
import { latestLogCheckpoint } from '../log/checkpoints.js';
import type { LogService } from '../log/log-service.js';
import { startPeriodicJob } from '../periodic-job.js';
import { archiveObjectKey, lastClosedPeriod, ocsfKeyOf, type ArchivePeriod } from './archive-periods.js';
import { logSegmentLines } from './log-segment.js';
import { ocsfSegmentLines } from './ocsf-segment.js';
import type { ObjectStore } from './object-store.js';

export interface LogArchive {
  /** Claims the last closed period for every tenant and uploads what is due; returns the objects written. */
  runOnce(): Promise<ArchivedObject[]>;
  start(intervalMs: number): Disposable;
}

export interface ArchivedObject {
  readonly tenantId: string;
  readonly key: string;
  readonly from: number;
  readonly size: number;
  readonly bytes: number;
}

interface ArchiveRow {
  tenant_id: string;
  period_start: Date | string;
  period_end: Date | string;
  from_size: string | number | null;
  size: string | number | null;
  checkpoint_id: string | null;
  object_key: string | null;
  attempts: number;
}

/** How long an instance holds a row it works on before another may take it over. */
const LEASE_MS = 10 * 60_000;
/** Rows taken per pass: each is one upload. */
const ROWS_PER_PASS = 16;
const MAX_RETRY_DELAY_MS = 60 * 60_000;

const asDate = (value: Date | string) => (value instanceof Date ? value : new Date(value));

export function createLogArchive(options: {
  db: Database;
  clock: Clock;
  logger: Logger;
  log: LogService;
  store: ObjectStore;
  prefix: string;
  period: ArchivePeriod;
  /** Also write each period's events as OCSF, beside the log segment. */
  withOcsf?: boolean;
}): LogArchive {
  const { db, clock, logger, log, store, prefix, period, withOcsf = false } = options;

  /** One row per tenant for the last closed period, unless a later one is claimed already. */
  async function claimClosedPeriod(now: Date): Promise<void> {
    const { start, end } = lastClosedPeriod(now, period);
    await db.execute(
      sql`insert into log_archive_objects (tenant_id, period_start, period_end)
          select t.id, ${start.toISOString()}::timestamptz, ${end.toISOString()}::timestamptz from tenants t
          where not exists (select 1 from log_archive_objects o where o.tenant_id = t.id and o.period_start >= ${start.toISOString()}::timestamptz)
          on conflict do nothing`,
    );
  }

  /** Leases the oldest unfinished row of each tenant whose row nobody holds. */
  async function takeRows(now: Date): Promise<ArchiveRow[]> {
    return queryRows<ArchiveRow>(
      db,
      sql`update log_archive_objects o set lease_until = ${new Date(now.getTime() + LEASE_MS).toISOString()}::timestamptz, attempts = o.attempts + 1
          from (
            select p.tenant_id, p.period_start from log_archive_objects p
            where p.uploaded_at is null and (p.lease_until is null or p.lease_until <= ${now.toISOString()}::timestamptz)
              and not exists (select 1 from log_archive_objects e where e.tenant_id = p.tenant_id and e.uploaded_at is null and e.period_start < p.period_start)
            order by p.period_start, p.tenant_id
            limit ${ROWS_PER_PASS}
            for update skip locked
          ) w
          where o.tenant_id = w.tenant_id and o.period_start = w.period_start
          returning o.tenant_id, o.period_start, o.period_end, o.from_size, o.size, o.checkpoint_id, o.object_key, o.attempts`,
    );
  }

  /**
   * Fixes what the object holds: from the previous object's size to a checkpoint signed after the
   * period closed (the latest one when it is, else one signed now over everything placed).
   */
  async function fixContents(row: ArchiveRow): Promise<{ from: number; size: number; checkpointId: string; key: string }> {
    const tenantId = row.tenant_id;
    const periodStart = asDate(row.period_start);
    const periodEnd = asDate(row.period_end);
    const [previous] = await queryRows<{ size: string | number }>(
      db,
      sql`select size from log_archive_objects where tenant_id = ${tenantId} and period_start < ${periodStart.toISOString()}::timestamptz
          and checkpoint_id is not null order by period_start desc limit 1`,
    );
    const from = previous ? Number(previous.size) : 0;
    let checkpoint = await latestLogCheckpoint(db, tenantId);
    if (!checkpoint || checkpoint.signedAt < periodEnd || checkpoint.size < from) {
      await log.settle(tenantId, { force: true });
      checkpoint = await latestLogCheckpoint(db, tenantId);
    }
    if (!checkpoint || checkpoint.signedAt < periodEnd || checkpoint.size < from) {
      throw new Error('no checkpoint could be signed over the log (see the log sequencer’s messages)');
    }
    const key = archiveObjectKey(prefix, tenantId, periodStart, from, checkpoint.size);
    const [fixed] = await queryRows<{ from_size: string | number; size: string | number; checkpoint_id: string; object_key: string }>(
      db,
      sql`update log_archive_objects set from_size = ${from}, size = ${checkpoint.size}, checkpoint_id = ${checkpoint.id}, object_key = ${key}
          where tenant_id = ${tenantId} and period_start = ${periodStart.toISOString()}::timestamptz and checkpoint_id is null
          returning from_size, size, checkpoint_id, object_key`,
    );
    if (fixed) return { from, size: checkpoint.size, checkpointId: checkpoint.id, key };
    // Another instance fixed it meanwhile (its lease ran out on us): upload what it fixed.
    const [other] = await queryRows<{ from_size: string | number; size: string | number; checkpoint_id: string; object_key: string }>(
      db,
      sql`select from_size, size, checkpoint_id, object_key from log_archive_objects where tenant_id = ${tenantId} and period_start = ${periodStart.toISOString()}::timestamptz`,
    );
    return { from: Number(other!.from_size), size: Number(other!.size), checkpointId: other!.checkpoint_id, key: other!.object_key };
  }

  async function noteOf(tenantId: string, checkpointId: string): Promise<string> {
    const [row] = await queryRows<{ note: string }>(db, sql`select note from log_checkpoints where tenant_id = ${tenantId} and id = ${checkpointId}`);
    if (!row) throw new Error(`the checkpoint ${checkpointId} the archive chose is gone from log_checkpoints`);
    return row.note;
  }

  async function previousNote(tenantId: string, periodStart: Date): Promise<string | null> {
    const [row] = await queryRows<{ checkpoint_id: string }>(
      db,
      sql`select checkpoint_id from log_archive_objects where tenant_id = ${tenantId} and period_start < ${periodStart.toISOString()}::timestamptz
          and checkpoint_id is not null order by period_start desc limit 1`,
    );
    return row ? noteOf(tenantId, row.checkpoint_id) : null;
  }

  async function archive(row: ArchiveRow): Promise<ArchivedObject> {
    const tenantId = row.tenant_id;
    const periodStart = asDate(row.period_start);
    const contents =
      row.checkpoint_id === null
        ? await fixContents(row)
        : { from: Number(row.from_size), size: Number(row.size), checkpointId: row.checkpoint_id, key: row.object_key! };
    const [checkpoint, previousCheckpoint] = await Promise.all([noteOf(tenantId, contents.checkpointId), previousNote(tenantId, periodStart)]);
    if ((previousCheckpoint === null) !== (contents.from === 0)) throw new Error('the previous object of this tenant has no checkpoint');
    const lines = logSegmentLines(db, {
      tenantId,
      from: contents.from,
      size: contents.size,
      checkpoint,
      previousCheckpoint,
      periodStart,
      periodEnd: asDate(row.period_end),
    });
    // The checkpoint travels in each object's metadata too (base64: a header holds no newline).
    const metadata = {
      'vigil-tenant': tenantId,
      'vigil-from': String(contents.from),
      'vigil-size': String(contents.size),
      'vigil-checkpoint': Buffer.from(checkpoint).toString('base64'),
    };
    const { bytes, sha256 } = await uploadGzipped(contents.key, lines, metadata);
    if (withOcsf) await uploadGzipped(ocsfKeyOf(contents.key), ocsfSegmentLines(db, tenantId, contents.from, contents.size), metadata);
    await db.execute(
      sql`update log_archive_objects set uploaded_at = ${clock.now().toISOString()}::timestamptz, bytes = ${bytes}, sha256 = decode(${sha256}, 'hex'),
          lease_until = null, last_error = null
          where tenant_id = ${tenantId} and period_start = ${periodStart.toISOString()}::timestamptz`,
    );
    return { tenantId, key: contents.key, from: contents.from, size: contents.size, bytes };
  }

  /** Gzips `lines` into the object `key` as they are read; the bytes stored and their hex SHA-256. */
  async function uploadGzipped(key: string, lines: AsyncIterable<string>, metadata: Record<string, string>): Promise<{ bytes: number; sha256: string }> {
    const digest = createHash('sha256');
    let bytes = 0;
    const gzipped = new PassThrough();
    gzipped.on('data', (chunk: Buffer) => {
      digest.update(chunk);
      bytes += chunk.length;
    });
    const compressing = pipeline(Readable.from(lines), createGzip(), gzipped);
    const uploading = store.put(key, gzipped, { contentType: 'application/gzip', metadata }).catch((error: unknown) => {
      // Nothing reads the rest: stop writing it.
      gzipped.destroy();
      throw error;
    });
    await Promise.all([uploading, compressing]);
    return { bytes, sha256: digest.digest('hex') };
  }

  async function deferAfterFailure(row: ArchiveRow, error: unknown): Promise<void> {
    const delay = Math.min(MAX_RETRY_DELAY_MS, 60_000 * 2 ** Math.max(0, row.attempts - 1));
    const message = error instanceof Error ? error.message : String(error);
    logger.warn(
      { err: error, tenantId: row.tenant_id, periodStart: asDate(row.period_start).toISOString(), attempts: row.attempts },
      'archiving the log failed',
    );
    await db.execute(
      sql`update log_archive_objects set lease_until = ${new Date(clock.now().getTime() + delay).toISOString()}::timestamptz, last_error = ${message.slice(0, 1000)}
          where tenant_id = ${row.tenant_id} and period_start = ${asDate(row.period_start).toISOString()}::timestamptz`,
    );
  }

  async function runOnce(): Promise<ArchivedObject[]> {
    await claimClosedPeriod(clock.now());
    const archived: ArchivedObject[] = [];
    for (let rows = await takeRows(clock.now()); rows.length > 0; rows = await takeRows(clock.now())) {
      for (const row of rows) {
        try {
          const object = await archive(row);
          archived.push(object);
          logger.info({ tenantId: object.tenantId, key: object.key, from: object.from, size: object.size, bytes: object.bytes }, 'log segment archived');
        } catch (error) {
          await deferAfterFailure(row, error);
        }
      }
    }
    return archived;
  }

  return {
    runOnce,
    start(intervalMs) {
      return startPeriodicJob({ name: `log archive to ${store.description}`, intervalMs, logger, work: runOnce });
    },
  };
}
