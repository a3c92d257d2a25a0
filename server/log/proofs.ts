/**
 * Serving the log: a record's leaves, inclusion proofs against a signed tree size, consistency
 * proofs between two sizes. Every proof is read from the stored nodes in one query; an inclusion
 * proof's nodes in the very statement that finds its leaf and checkpoint.
 */
import { sql, type Placeholder } from 'drizzle-orm';
import { arrayLiteral } from '../db/bulk-insert.js';
import { preparedRows, queryRows, type Executor } from '../db/database.js';
import type { LogCheckpointRow } from '../db/tables/index.js';
import { logCheckpoints } from '../db/tables/index.js';
import { BadInput, Conflict, NotFound } from '../errors.js';
import { latestLogCheckpoint } from './checkpoints.js';
import { buildConsistencyProof, buildInclusionProof, rootFromStore } from './merkle.js';
import { asBuffer, fetchNodes, prefetchedNodes } from './node-store.js';
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

/** The columns of a leaf, as LeafRow names them. */
const leafColumns = sql`idx, kind, record_id, leaf, leaf_hash`;

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
    sql`select distinct on (record_id) ${leafColumns} from log_leaves
        where tenant_id = ${tenantId} and record_id = any(${arrayLiteral(recordIds)}::text[]) order by record_id, leaf_id desc`,
  );
  return new Map(rows.map((row) => [row.record_id, toLeaf(row)]));
}

/** Every version of a record, oldest first. */
export async function leavesOfRecord(db: Executor, tenantId: string, recordId: string): Promise<StoredLeaf[]> {
  const rows = await queryRows<LeafRow>(
    db,
    sql`select ${leafColumns} from log_leaves where tenant_id = ${tenantId} and record_id = ${recordId} order by leaf_id`,
  );
  return rows.map(toLeaf);
}

export interface InclusionProof {
  readonly leaf: StoredLeaf & { index: number };
  readonly treeSize: number;
  readonly rootHash: Buffer;
  readonly hashes: Buffer[];
  /** The signed checkpoint of `treeSize`, when the proof is against one. */
  readonly checkpoint: LogCheckpointRow | null;
}

interface ProofRow extends LeafRow {
  checkpoint_id: string | null;
  checkpoint_size: string | number | null;
  checkpoint_root_hash: Buffer | Uint8Array | null;
  checkpoint_signed_at: number | null;
  checkpoint_note: string | null;
  head_size: string | number | null;
  node_keys: string | null;
  node_hashes: Buffer | Uint8Array | null;
  /** Whether any leaf of the tenant was still queued when the proof was read. */
  is_queued: boolean;
}

/**
 * The proof's one statement: a call of vigil_inclusion_proof (migration 0037), whose plan
 * PostgreSQL keeps for the session. Prepared once per executor.
 */
const proofStatements = new WeakMap<Executor, (values: Record<string, unknown>) => Promise<ProofRow[]>>();

function proofStatementOf(db: Executor): (values: Record<string, unknown>) => Promise<ProofRow[]> {
  let statement = proofStatements.get(db);
  if (!statement) {
    statement = preparedRows<ProofRow>(
      db,
      'vigil_inclusion_proof',
      sql`select * from vigil_inclusion_proof(${sql.placeholder('tenantId')}::uuid, ${sql.placeholder('recordId')}::text, ${sql.placeholder('leafIndex')}::bigint, ${sql.placeholder('treeSize')}::bigint)`,
    );
    proofStatements.set(db, statement);
  }
  return statement;
}

export interface ProveInclusionOptions {
  /**
   * Integrates the tenant's queued leaves. Called, and the proof read again, only when the first
   * read finds leaves queued: a record written just before is proved in its latest version.
   */
  readonly catchUp?: () => Promise<void>;
}

/**
 * Proves a leaf (by position, or a record's latest version) is in the tree of `treeSize` leaves;
 * by default the latest signed checkpoint's, so the proof ends at a signed root. One statement
 * reads the leaf, the checkpoint (the latest, or one of the size asked), the log's size (when a
 * size is asked), the proof's stored nodes and whether leaves are queued, all in one snapshot.
 */
export async function proveInclusion(
  db: Executor,
  tenantId: string,
  target: { leafIndex?: number | null; recordId?: string | null },
  treeSize?: number | null,
  options: ProveInclusionOptions = {},
): Promise<InclusionProof> {
  const byIndex = target.leafIndex != null;
  if (byIndex) {
    if (!Number.isSafeInteger(target.leafIndex) || target.leafIndex! < 0)
      throw new BadInput('leafIndex', 'leafIndex must be a position in the log (0 or more)');
  } else if (!target.recordId) {
    throw new BadInput('recordId', 'Give recordId or leafIndex');
  }
  const isSizeAsked = treeSize != null;
  if (isSizeAsked && !Number.isSafeInteger(treeSize)) throw new BadInput('treeSize', 'treeSize must be a whole number');
  const values = { tenantId, leafIndex: byIndex ? target.leafIndex : null, recordId: byIndex ? null : target.recordId, treeSize: treeSize ?? null };
  let [row] = await proofStatementOf(db)(values);
  if (row?.is_queued && options.catchUp) {
    await options.catchUp();
    [row] = await proofStatementOf(db)(values);
  }
  if (!row || row.leaf_hash === null) throw byIndex ? new NotFound('Leaf', String(target.leafIndex)) : new NotFound('Record', target.recordId!);
  const leaf = toLeaf(row);
  if (leaf.index === null) throw new Conflict('The record is queued for the log and has no position yet; ask again in a moment', { field: 'recordId' });
  const checkpoint = checkpointOf(tenantId, row);
  let size: number;
  if (isSizeAsked) {
    const headSize = row.head_size === null ? 0 : Number(row.head_size);
    checkSizeAsked(treeSize, headSize, 'treeSize');
    size = treeSize;
  } else {
    if (!checkpoint || checkpoint.size === 0) throw new Conflict('No checkpoint has signed any leaf of this log yet', { field: 'treeSize' });
    size = checkpoint.size;
  }
  if (leaf.index >= size) {
    throw new Conflict(
      `Leaf ${leaf.index} is not covered by the tree of ${size} leaves${checkpoint ? ' (the latest checkpoint); it will be by the next one' : ''}`,
      { field: 'treeSize' },
    );
  }
  const fetch = prefetchedNodes(row, (ids) => fetchNodes(db, tenantId, ids));
  const hashes = await buildInclusionProof(leaf.index, size, fetch);
  const rootHash = checkpoint ? checkpoint.rootHash : await rootFromStore(size, fetch);
  return { leaf: { ...leaf, index: leaf.index }, treeSize: size, rootHash, hashes, checkpoint };
}

const checkpointOf = (tenantId: string, row: ProofRow): LogCheckpointRow | null =>
  row.checkpoint_id === null
    ? null
    : {
        tenantId,
        id: row.checkpoint_id,
        size: Number(row.checkpoint_size),
        rootHash: asBuffer(row.checkpoint_root_hash!),
        signedAt: new Date(row.checkpoint_signed_at!),
        note: row.checkpoint_note!,
      };

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
async function resolveSize(
  db: Executor,
  tenantId: string,
  asked: number | null | undefined,
  field: string,
): Promise<{ size: number; checkpoint: LogCheckpointRow | null }> {
  if (asked == null) {
    const checkpoint = await latestLogCheckpoint(db, tenantId);
    if (!checkpoint || checkpoint.size === 0) throw new Conflict('No checkpoint has signed any leaf of this log yet', { field });
    return { size: checkpoint.size, checkpoint };
  }
  checkSizeAsked(asked, (await readLogHead(db, tenantId)).size, field);
  const [checkpoint] = await db
    .select()
    .from(logCheckpoints)
    .where(checkpointOfSize(tenantId, asked))
    .orderBy(sql`${logCheckpoints.signedAt} desc`)
    .limit(1);
  return { size: asked, checkpoint: checkpoint ?? null };
}

const checkpointOfSize = (tenantId: string | Placeholder, size: number | Placeholder) =>
  sql`${logCheckpoints.tenantId} = ${tenantId} and ${logCheckpoints.size} = ${size}`;

function checkSizeAsked(asked: number, logSize: number, field: string): void {
  if (!Number.isSafeInteger(asked) || asked < 1 || asked > logSize) throw new BadInput(field, `${field} must be between 1 and ${logSize} (the log's size)`);
}

export async function listLogCheckpoints(
  db: Executor,
  tenantId: string,
  options: { since?: Date | null; until?: Date | null; limit: number },
): Promise<LogCheckpointRow[]> {
  const since = options.since ? sql` and ${logCheckpoints.signedAt} >= ${options.since.toISOString()}::timestamptz` : sql``;
  const until = options.until ? sql` and ${logCheckpoints.signedAt} <= ${options.until.toISOString()}::timestamptz` : sql``;
  return db
    .select()
    .from(logCheckpoints)
    .where(sql`${logCheckpoints.tenantId} = ${tenantId}${since}${until}`)
    .orderBy(sql`${logCheckpoints.signedAt} desc, ${logCheckpoints.size} desc`)
    .limit(options.limit);
}
