/**
 * The archive as its tenant sees it: each period's object, where it is, what it holds and whether
 * it landed. With the object's SHA-256 an auditor checks the bucket against this list: an object
 * missing, added or replaced there shows.
 */
import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../db/database.js';
import type { LogCheckpointRecord } from '../log/log-checkpoint.js';

export interface ArchiveObjectRecord {
  readonly periodStart: Date;
  readonly periodEnd: Date;
  readonly key: string | null;
  readonly from: number | null;
  readonly size: number | null;
  /** The checkpoint in the object's header, once chosen. */
  readonly checkpoint: LogCheckpointRecord | null;
  readonly bytes: number | null;
  /** Hex SHA-256 of the object's bytes (gzip) as uploaded. */
  readonly sha256: string | null;
  readonly uploadedAt: Date | null;
  readonly attempts: number;
  readonly lastError: string | null;
}

/** Newest period first, those starting before `before` when given. */
export async function listArchiveObjects(db: Executor, tenantId: string, options: { before?: Date | null; limit: number }): Promise<ArchiveObjectRecord[]> {
  const rows = await queryRows<{
    period_start: Date | string;
    period_end: Date | string;
    object_key: string | null;
    from_size: string | number | null;
    size: string | number | null;
    checkpoint_id: string | null;
    checkpoint_size: string | number | null;
    root_hash: string | null;
    signed_at: Date | string | null;
    note: string | null;
    bytes: string | number | null;
    sha256: string | null;
    uploaded_at: Date | string | null;
    attempts: number;
    last_error: string | null;
  }>(
    db,
    sql`select o.period_start, o.period_end, o.object_key, o.from_size, o.size, o.checkpoint_id, o.bytes, encode(o.sha256, 'hex') as sha256,
               o.uploaded_at, o.attempts, o.last_error,
               c.size as checkpoint_size, encode(c.root_hash, 'base64') as root_hash, c.signed_at, c.note
        from log_archive_objects o
        left join log_checkpoints c on c.tenant_id = o.tenant_id and c.id = o.checkpoint_id
        where o.tenant_id = ${tenantId}
        ${options.before ? sql`and o.period_start < ${options.before.toISOString()}::timestamptz` : sql``}
        order by o.period_start desc limit ${options.limit}`,
  );
  const asNumber = (value: string | number | null) => (value === null ? null : Number(value));
  return rows.map((row) => ({
    periodStart: new Date(row.period_start),
    periodEnd: new Date(row.period_end),
    key: row.object_key,
    from: asNumber(row.from_size),
    size: asNumber(row.size),
    checkpoint:
      row.checkpoint_id === null || row.note === null
        ? null
        : {
            id: row.checkpoint_id,
            size: Number(row.checkpoint_size),
            rootHash: Buffer.from(row.root_hash!, 'base64'),
            signedAt: new Date(row.signed_at!),
            note: row.note,
          },
    bytes: asNumber(row.bytes),
    sha256: row.sha256,
    uploadedAt: row.uploaded_at === null ? null : new Date(row.uploaded_at),
    attempts: row.attempts,
    lastError: row.last_error,
  }));
}
