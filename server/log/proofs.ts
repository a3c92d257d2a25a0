/**
 * Serving the log: a record's leaves, inclusion proofs against a signed tree size, consistency
 * proofs between two sizes. Every proof is read from the stored nodes in one query; an inclusion
 * proof's nodes in the very statement that finds its leaf and checkpoint.
 */
import { sql, type Placeholder, type SQL } from 'drizzle-orm';
import { arrayLiteral } from '../db/bulk-insert.js';
import { preparedRows, queryRows, type Executor } from '../db/database.js';
import type { LogCheckpointRow } from '../db/tables/index.js';
import { logCheckpoints } from '../db/tables/index.js';
import { BadInput, Conflict, NotFound } from '../errors.js';
import { latestCheckpointSql, latestLogCheckpoint } from './checkpoints.js';
import { buildConsistencyProof, buildInclusionProof, rootFromStore } from './merkle.js';
import { asBuffer, fetchNodes, inclusionNodesSql, prefetchedNodes } from './node-store.js';
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
}

type ProofTarget = 'leafIndex' | 'recordId';

/** The inclusion proof statement for one way of asking, with placeholders for its values. */
function buildProofStatement(db: Executor, by: ProofTarget, isSizeAsked: boolean) {
  const tenantId = sql.placeholder('tenantId');
  const treeSize = sql.placeholder('treeSize');
  const findLeaf =
    by === 'leafIndex'
      ? sql`select ${leafColumns} from log_leaves where tenant_id = ${tenantId} and idx = ${sql.placeholder('leafIndex')}`
      : sql`select ${leafColumns} from log_leaves where tenant_id = ${tenantId} and record_id = ${sql.placeholder('recordId')} order by leaf_id desc limit 1`;
  return preparedRows<ProofRow>(
    db,
    'vigil_inclusion_proof',
    sql`select l.idx, l.kind, l.record_id, l.leaf, l.leaf_hash,
               c.id as checkpoint_id, c.size as checkpoint_size, c.root_hash as checkpoint_root_hash,
               (extract(epoch from c.signed_at) * 1000)::float8 as checkpoint_signed_at, c.note as checkpoint_note,
               ${isSizeAsked ? sql`(select size from log_heads where tenant_id = ${tenantId})` : sql`null::bigint`} as head_size,
               p.node_keys, p.node_hashes
        from (select 1) as one
        left join (${findLeaf}) as l on true
        left join (${isSizeAsked ? checkpointOfSizeSql(tenantId, treeSize) : latestCheckpointSql(tenantId)}) as c on true
        left join lateral ${inclusionNodesSql(tenantId, sql`l.idx`, isSizeAsked ? sql`${treeSize}` : sql`c.size`, sql`c.id is null`)} as p on true`,
  );
}

/**
 * Built once per executor and way of asking, not per proof: rendering the statement from drizzle's
 * SQL objects was ~12% of what an inclusion proof request allocated.
 */
const proofStatements = new WeakMap<Executor, Map<string, ReturnType<typeof buildProofStatement>>>();

function proofStatementOf(db: Executor, by: ProofTarget, isSizeAsked: boolean): ReturnType<typeof buildProofStatement> {
  let statements = proofStatements.get(db);
  if (!statements) proofStatements.set(db, (statements = new Map<string, ReturnType<typeof buildProofStatement>>()));
  const key = `${by}:${isSizeAsked}`;
  let statement = statements.get(key);
  if (!statement) statements.set(key, (statement = buildProofStatement(db, by, isSizeAsked)));
  return statement;
}

/**
 * Proves a leaf (by position, or a record's latest version) is in the tree of `treeSize` leaves;
 * by default the latest signed checkpoint's, so the proof ends at a signed root. One statement
 * reads the leaf, the checkpoint (the latest, or one of the size asked), the log's size (when a
 * size is asked) and the proof's stored nodes, all in one snapshot.
 */
export async function proveInclusion(
  db: Executor,
  tenantId: string,
  target: { leafIndex?: number | null; recordId?: string | null },
  treeSize?: number | null,
): Promise<InclusionProof> {
  let by: ProofTarget;
  if (target.leafIndex != null) {
    if (!Number.isSafeInteger(target.leafIndex) || target.leafIndex < 0) throw new BadInput('leafIndex', 'leafIndex must be a position in the log (0 or more)');
    by = 'leafIndex';
  } else if (target.recordId) {
    by = 'recordId';
  } else {
    throw new BadInput('recordId', 'Give recordId or leafIndex');
  }
  const isSizeAsked = treeSize != null;
  if (isSizeAsked && !Number.isSafeInteger(treeSize)) throw new BadInput('treeSize', 'treeSize must be a whole number');
  const [row] = await proofStatementOf(db, by, isSizeAsked)({ tenantId, leafIndex: target.leafIndex, recordId: target.recordId, treeSize });
  if (!row || row.leaf_hash === null)
    throw target.leafIndex != null ? new NotFound('Leaf', String(target.leafIndex)) : new NotFound('Record', target.recordId!);
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

/** The latest checkpoint of `size` (two of one size show a quiet period), as a subquery. */
const checkpointOfSizeSql = (tenantId: string | Placeholder, size: number | Placeholder): SQL =>
  sql`select * from ${logCheckpoints} where ${checkpointOfSize(tenantId, size)} order by ${logCheckpoints.signedAt} desc limit 1`;

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
