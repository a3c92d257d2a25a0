/**
 * Serving the log: a record's leaves, inclusion proofs against a signed tree size, consistency
 * proofs between two sizes. Every proof is read from the stored nodes in one query.
 */
import { sql } from 'drizzle-orm';
import { arrayLiteral } from '../db/bulk-insert.js';
import { queryRows, type Executor } from '../db/database.js';
import type { LogCheckpointRow } from '../db/tables/index.js';
import { logCheckpoints } from '../db/tables/index.js';
import { BadInput, Conflict, NotFound } from '../errors.js';
import { latestLogCheckpoint } from './checkpoints.js';
import { buildConsistencyProof, buildInclusionProof, rootFromStore } from './merkle.js';
import { asBuffer, fetchNodes } from './node-store.js';
import { readLogHead } from './sequencer.js';

export interface StoredLeaf {
  readonly index: number | null;
  readonly kind: string;
  readonly recordId: string;
  readonly leaf: string | null;
  readonly leafHash: Buffer;
}

interface LeafRow {
  idx: string | number | null;
  kind: string;
  record_id: string;
  leaf: string | null;
  leaf_hash: Buffer | Uint8Array;
}

const toLeaf = (row: LeafRow): StoredLeaf => ({
  index: row.idx === null ? null : Number(row.idx),
  kind: row.kind,
  recordId: row.record_id,
  leaf: row.leaf,
  leafHash: asBuffer(row.leaf_hash),
});

/** The latest leaf of each record (its current version), by record id. */
export async function latestLeaves(db: Executor, tenantId: string, recordIds: readonly string[]): Promise<Map<string, StoredLeaf>> {
  if (recordIds.length === 0) return new Map();
  const rows = await queryRows<LeafRow>(
    db,
    sql`select distinct on (record_id) idx, kind, record_id, leaf, leaf_hash from log_leaves
        where tenant_id = ${tenantId} and record_id = any(${arrayLiteral(recordIds)}::text[]) order by record_id, leaf_id desc`,
  );
  return new Map(rows.map((row) => [row.record_id, toLeaf(row)]));
}

/** Every version of a record, oldest first. */
export async function leavesOfRecord(db: Executor, tenantId: string, recordId: string): Promise<StoredLeaf[]> {
  const rows = await queryRows<LeafRow>(db, sql`select idx, kind, record_id, leaf, leaf_hash from log_leaves where tenant_id = ${tenantId} and record_id = ${recordId} order by leaf_id`);
  return rows.map(toLeaf);
}

export async function leafAt(db: Executor, tenantId: string, index: number): Promise<StoredLeaf | undefined> {
  const [row] = await queryRows<LeafRow>(db, sql`select idx, kind, record_id, leaf, leaf_hash from log_leaves where tenant_id = ${tenantId} and idx = ${index}`);
  return row ? toLeaf(row) : undefined;
}

export interface InclusionProof {
  readonly leaf: StoredLeaf & { index: number };
  readonly treeSize: number;
  readonly rootHash: Buffer;
  readonly hashes: Buffer[];
  /** The signed checkpoint of `treeSize`, when the proof is against one. */
  readonly checkpoint: LogCheckpointRow | null;
}

/**
 * Proves a leaf (by position, or a record's latest version) is in the tree of `treeSize` leaves;
 * by default the latest signed checkpoint's, so the proof ends at a signed root.
 */
export async function proveInclusion(db: Executor, tenantId: string, target: { leafIndex?: number | null; recordId?: string | null }, treeSize?: number | null): Promise<InclusionProof> {
  let leaf: StoredLeaf | undefined;
  if (target.leafIndex != null) {
    if (!Number.isSafeInteger(target.leafIndex) || target.leafIndex < 0) throw new BadInput('leafIndex', 'leafIndex must be a position in the log (0 or more)');
    leaf = await leafAt(db, tenantId, target.leafIndex);
    if (!leaf) throw new NotFound('Leaf', String(target.leafIndex));
  } else if (target.recordId) {
    leaf = (await latestLeaves(db, tenantId, [target.recordId])).get(target.recordId);
    if (!leaf) throw new NotFound('Record', target.recordId);
  } else {
    throw new BadInput('recordId', 'Give recordId or leafIndex');
  }
  if (leaf.index === null) throw new Conflict('The record is queued for the log and has no position yet; ask again in a moment', { field: 'recordId' });
  const { size, checkpoint } = await resolveSize(db, tenantId, treeSize, 'treeSize');
  if (leaf.index >= size) {
    throw new Conflict(`Leaf ${leaf.index} is not covered by the tree of ${size} leaves${checkpoint ? ' (the latest checkpoint); it will be by the next one' : ''}`, { field: 'treeSize' });
  }
  const hashes = await buildInclusionProof(leaf.index, size, (ids) => fetchNodes(db, tenantId, ids));
  const rootHash = checkpoint ? asBuffer(checkpoint.rootHash) : await rootFromStore(size, (ids) => fetchNodes(db, tenantId, ids));
  return { leaf: { ...leaf, index: leaf.index }, treeSize: size, rootHash, hashes, checkpoint };
}

export interface ConsistencyProof {
  readonly fromSize: number;
  readonly toSize: number;
  readonly fromRoot: Buffer;
  readonly toRoot: Buffer;
  readonly hashes: Buffer[];
}

export async function proveConsistency(db: Executor, tenantId: string, fromSize: number, toSize?: number | null): Promise<ConsistencyProof> {
  const to = await resolveSize(db, tenantId, toSize, 'toSize');
  if (!Number.isSafeInteger(fromSize) || fromSize < 1 || fromSize > to.size) {
    throw new BadInput('fromSize', `fromSize must be between 1 and ${to.size} (the tree size proved to)`);
  }
  const fetch = (ids: Parameters<typeof fetchNodes>[2]) => fetchNodes(db, tenantId, ids);
  return {
    fromSize,
    toSize: to.size,
    fromRoot: await rootFromStore(fromSize, fetch),
    toRoot: to.checkpoint ? asBuffer(to.checkpoint.rootHash) : await rootFromStore(to.size, fetch),
    hashes: await buildConsistencyProof(fromSize, to.size, fetch),
  };
}

/** A tree size to prove against: the one asked for (at most the log's), or the latest checkpoint's. */
async function resolveSize(db: Executor, tenantId: string, asked: number | null | undefined, field: string): Promise<{ size: number; checkpoint: LogCheckpointRow | null }> {
  const head = await readLogHead(db, tenantId);
  if (asked == null) {
    const checkpoint = await latestLogCheckpoint(db, tenantId);
    if (!checkpoint || checkpoint.size === 0) throw new Conflict('No checkpoint has signed any leaf of this log yet', { field });
    return { size: checkpoint.size, checkpoint };
  }
  if (!Number.isSafeInteger(asked) || asked < 1 || asked > head.size) throw new BadInput(field, `${field} must be between 1 and ${head.size} (the log's size)`);
  const [checkpoint] = await db
    .select()
    .from(logCheckpoints)
    .where(sql`${logCheckpoints.tenantId} = ${tenantId} and ${logCheckpoints.size} = ${asked}`)
    .orderBy(sql`${logCheckpoints.signedAt} desc`)
    .limit(1);
  return { size: asked, checkpoint: checkpoint ?? null };
}

export async function listLogCheckpoints(db: Executor, tenantId: string, options: { since?: Date | null; until?: Date | null; limit: number }): Promise<LogCheckpointRow[]> {
  const since = options.since ? sql` and ${logCheckpoints.signedAt} >= ${options.since.toISOString()}::timestamptz` : sql``;
  const until = options.until ? sql` and ${logCheckpoints.signedAt} <= ${options.until.toISOString()}::timestamptz` : sql``;
  return db
    .select()
    .from(logCheckpoints)
    .where(sql`${logCheckpoints.tenantId} = ${tenantId}${since}${until}`)
    .orderBy(sql`${logCheckpoints.signedAt} desc, ${logCheckpoints.size} desc`)
    .limit(options.limit);
}
