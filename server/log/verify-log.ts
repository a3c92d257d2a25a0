/**
 * The in-app verification of a tenant's log, in one consistent snapshot. It reports every fault,
 * not only the first:
 * 1. checkpoints: trusted signatures, one unbroken chain of links (server/log/checkpoint-chain.ts);
 * 2. leaves, in position order: no gaps, each leaf's text hashing to its leaf hash, dropped text
 *    only where a retention statement allows it, every stored node equal to the hash of the
 *    leaves under it, the root at every checkpoint's size (and at every outside anchor's) equal
 *    to the signed root, the stored head equal to the tree;
 * 3. records: every stored row of every covered table equal to the latest leaf of it, every leaf's
 *    record present unless retention removed it, no row the log never received;
 * 4. the linear chain of audit entries (server/audit/verify-integrity.ts).
 */
import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Database, type Executor } from '../db/database.js';
import { chainKeysOf, verifyAuditIntegrity } from '../audit/verify-integrity.js';
import { checkCheckpointChain, readCheckpoint, type SignedHead } from './checkpoint-chain.js';
import { FaultList, type LogReport } from './log-faults.js';
import { LEAF_KINDS, tableNameOf, type LeafKind } from './leaf-kinds.js';
import { leafFunctionName } from './leaf-sql.js';
import { CompactTree } from './merkle.js';
import { asBuffer } from './node-store.js';
import { readLogHead } from './sequencer.js';
import { TransactionPlacement } from './transaction-placement.js';
import { pruneAllowancesOf, type PruneAllowances } from './retention-statements.js';
import type { NoteVerifier } from './signed-note.js';

const PAGE = 20_000;

export interface VerifyLogOptions {
  readonly trusted: readonly NoteVerifier[];
  /** Checkpoint notes held outside the database (a witness's, an earlier export's). */
  readonly anchors?: readonly string[];
  readonly maxFaults?: number;
}

export async function verifyLog(database: Database, tenantId: string, options: VerifyLogOptions): Promise<LogReport> {
  return database.transaction((db) => verifyInSnapshot(db, tenantId, options), { isolationLevel: 'repeatable read', accessMode: 'read only' });
}

async function verifyInSnapshot(db: Executor, tenantId: string, options: VerifyLogOptions): Promise<LogReport> {
  const faults = new FaultList(options.maxFaults ?? 1000);
  const notes = await queryRows<{ note: string }>(db, sql`select note from log_checkpoints where tenant_id = ${tenantId} order by signed_at, size`);
  const checkpoints = checkCheckpointChain(
    notes.map((row) => row.note),
    tenantId,
    options.trusted,
    faults,
  );
  const heads: SignedHead[] = [...checkpoints];
  for (const anchor of options.anchors ?? []) {
    const { checkpoint, error } = readCheckpoint(anchor, tenantId, options.trusted);
    if (checkpoint) heads.push({ ...checkpoint, source: `checkpoint given from outside (size ${checkpoint.size})` });
    else faults.add('checkpoint_bad_signature', `The checkpoint given from outside is not valid: ${error}`);
  }

  const pruned = await pruneAllowancesOf(db, tenantId);
  const size = await checkLeaves(db, tenantId, heads, pruned, faults);
  const checkedRecords = await checkRecords(db, tenantId, pruned, faults);
  await checkExplained(db, tenantId, faults);

  const chain = await verifyAuditIntegrity(db, tenantId, chainKeysOf(options.trusted));
  if (chain.fault) faults.add('chain_broken', `Audit chain: ${chain.fault.message}`, { recordKind: 'audit_entry', recordId: null, index: null });

  const [queued] = await queryRows<{ count: string | number }>(db, sql`select count(*) as count from log_leaves where tenant_id = ${tenantId} and idx is null`);
  return {
    isIntact: faults.count === 0,
    size,
    checkedLeaves: size,
    checkedRecords,
    checkedCheckpoints: heads.length,
    queuedLeaves: Number(queued?.count ?? 0),
    faults: faults.faults,
    faultCount: faults.count,
  };
}

interface LeafRow {
  idx: string | number;
  leaf_hash: Buffer | Uint8Array;
  /** null: the text was dropped; false: it no longer hashes to leaf_hash. */
  is_text_intact: boolean | null;
  kind: string;
  xact: string | number;
  /** The text's format: 1 (the row), 2 (and its transaction); null when the text was dropped. */
  format: number | null;
  /** Format 2: the transaction the text names is the leaf's. */
  is_xact_bound: boolean | null;
}

/** Walks the leaves in position order; returns the tree size they make. */
async function checkLeaves(db: Executor, tenantId: string, heads: readonly SignedHead[], pruned: PruneAllowances, faults: FaultList): Promise<number> {
  const headsBySize = new Map<number, SignedHead[]>();
  for (const head of heads) headsBySize.set(head.size, [...(headsBySize.get(head.size) ?? []), head]);
  const tree = new CompactTree();
  const checkHeadsAt = () => {
    for (const head of headsBySize.get(tree.size) ?? []) {
      if (!tree.root().equals(head.rootHash)) {
        faults.add('tree_mismatch', `The log's first ${tree.size} leaves hash to another root than the ${head.source} signed: leaves before position ${tree.size} were changed, replaced or reordered`, {
          index: tree.size,
        });
      }
    }
  };
  checkHeadsAt();
  const transactions = new TransactionPlacement();
  let after = -1;
  for (;;) {
    // The text check runs in the database: only 32-byte hashes cross the wire.
    const page = await queryRows<LeafRow>(
      db,
      sql`select idx, leaf_hash, kind, xact,
                 case when leaf is null then null else sha256('\\x00'::bytea || convert_to(leaf, 'UTF8')) = leaf_hash end as is_text_intact,
                 case when leaf is null then null when right(leaf, 6) = '"v":1}' then 1 else 2 end as format,
                 case when leaf is null then null else right(leaf, length(xact::text) + 14) = '"v":2,"xact":' || xact::text || '}' end as is_xact_bound
          from log_leaves where tenant_id = ${tenantId} and idx > ${after} order by idx limit ${PAGE}`,
    );
    if (page.length === 0) break;
    const pageStart = tree.size;
    const built = new Map<string, Buffer>();
    for (const row of page) {
      const idx = Number(row.idx);
      if (idx !== tree.size) {
        faults.add('leaf_missing', `Leaves ${tree.size} to ${idx - 1} are missing from the log`, { index: tree.size });
        // The tree cannot be rebuilt past a gap; later roots are compared as they are.
        while (tree.size < idx) tree.append(Buffer.alloc(32));
      }
      if (row.is_text_intact === false) await namedLeafFault(db, tenantId, idx, 'leaf_modified', faults);
      if (row.is_text_intact === null && !pruned.allows(row.kind, idx)) await namedLeafFault(db, tenantId, idx, 'leaf_pruned_unexplained', faults);
      const misplaced = transactions.misplacement(row);
      if (misplaced) await namedLeafFault(db, tenantId, idx, 'leaf_out_of_transaction', faults, misplaced);
      for (const node of tree.append(asBuffer(row.leaf_hash))) built.set(`${node.level}:${node.index}`, node.hash);
      checkHeadsAt();
    }
    await checkStoredNodes(db, tenantId, pageStart, tree.size, built, faults);
    after = Number(page.at(-1)!.idx);
    if (page.length < PAGE) break;
  }
  for (const head of heads) {
    if (head.size > tree.size) {
      faults.add('checkpoint_truncated', `The ${head.source} signed ${head.size} leaves, but the log holds ${tree.size}: its tail was cut`, { index: tree.size });
    }
  }
  const stored = await readLogHead(db, tenantId);
  if (stored.size !== tree.size || !stored.rootHash.equals(tree.root())) {
    faults.add('head_mismatch', `The stored head (size ${stored.size}) is not the tree the leaves make (size ${tree.size})`, { index: stored.size });
  }
  return tree.size;
}

async function namedLeafFault(db: Executor, tenantId: string, idx: number, kind: 'leaf_modified' | 'leaf_pruned_unexplained' | 'leaf_out_of_transaction', faults: FaultList, why?: string): Promise<void> {
  const [leaf] = await queryRows<{ kind: string; record_id: string }>(db, sql`select kind, record_id from log_leaves where tenant_id = ${tenantId} and idx = ${idx}`);
  const what = leaf ? `${leaf.kind} ${leaf.record_id}` : 'a record';
  const messages = {
    leaf_modified: `Leaf ${idx} (${what}) was changed: its text no longer matches its hash`,
    leaf_pruned_unexplained: `Leaf ${idx} (${what}) lost its text, and no retention statement in the log allows it`,
    leaf_out_of_transaction: `Leaf ${idx} (${what}) ${why}`,
  };
  faults.add(kind, messages[kind], { index: idx, recordKind: leaf?.kind, recordId: leaf?.record_id });
}

/** Compares the nodes this page completed with the stored ones, naming the leaves under a bad one. */
async function checkStoredNodes(db: Executor, tenantId: string, from: number, to: number, built: Map<string, Buffer>, faults: FaultList): Promise<void> {
  if (built.size === 0) return;
  const stored = await queryRows<{ level: number; idx: string | number; hash: Buffer | Uint8Array }>(
    db,
    sql`select level, idx, hash from log_nodes
        where tenant_id = ${tenantId} and level > 0 and idx >= (${from}::bigint >> level) and idx < (${to}::bigint >> level)
          and ((idx + 1) << level) > ${from}::bigint and ((idx + 1) << level) <= ${to}::bigint`,
  );
  const storedByKey = new Map(stored.map((row) => [`${row.level}:${row.idx}`, asBuffer(row.hash)]));
  for (const [key, hash] of built) {
    const found = storedByKey.get(key);
    if (found && found.equals(hash)) continue;
    const [level, index] = key.split(':').map(Number) as [number, number];
    const first = index * 2 ** level;
    faults.add('node_mismatch', `${found ? 'The stored' : 'No stored'} node over leaves ${first} to ${first + 2 ** level - 1} ${found ? 'differs from their hash' : 'exists'}: those leaves were changed or reordered`, {
      index: first,
    });
  }
}

/** Every covered table against the latest leaf of each of its records; returns the rows checked. */
async function checkRecords(db: Executor, tenantId: string, pruned: PruneAllowances, faults: FaultList): Promise<number> {
  let checked = 0;
  for (const kind of LEAF_KINDS) {
    const rows = await queryRows<{ record_id: string; state: 'modified' | 'missing' | 'unlogged' | 'pruned'; idx: string | number | null }>(db, recordMismatches(kind, tenantId));
    for (const row of rows) {
      const idx = row.idx === null ? null : Number(row.idx);
      if (row.state === 'pruned') continue;
      const what = `${kind.kind} ${row.record_id}`;
      if (row.state === 'modified') faults.add('record_modified', `The ${what} differs from its latest version in the log (leaf ${idx ?? 'queued'})`, { index: idx, recordKind: kind.kind, recordId: row.record_id });
      else if (row.state === 'missing') faults.add('record_missing', `The ${what} is in the log (leaf ${idx ?? 'queued'}) but no longer stored`, { index: idx, recordKind: kind.kind, recordId: row.record_id });
      else faults.add('record_unlogged', `The ${what} is stored but the log never received it`, { recordKind: kind.kind, recordId: row.record_id });
    }
    const [count] = await queryRows<{ count: string | number }>(db, sql`select count(*) as count from ${sql.raw(`"${tableNameOf(kind)}"`)} where tenant_id = ${tenantId}`);
    checked += Number(count?.count ?? 0);
  }
  return checked;
}

function recordMismatches(kind: LeafKind, tenantId: string) {
  const table = tableNameOf(kind);
  // The row rendered as its latest leaf was written: format 1, or format 2 with that leaf's transaction.
  const rendered = (format: SQL) => sql`sha256('\\x00'::bytea || convert_to(${format}, 'UTF8'))`;
  return sql`
    with latest as (
      select distinct on (record_id) record_id, leaf_hash, idx, xact, leaf is null as is_pruned from log_leaves
      where tenant_id = ${tenantId} and kind = ${kind.kind} order by record_id, leaf_id desc
    ), stored as (
      select ${sql.raw(kind.recordId)} as record_id, ${sql.raw(leafFunctionName(kind))}(n) as leaf
      from ${sql.raw(`"${table}"`)} n where n.tenant_id = ${tenantId}
    )
    select coalesce(l.record_id, s.record_id) as record_id, l.idx,
           case when s.record_id is null and l.is_pruned then 'pruned' when s.record_id is null then 'missing' when l.record_id is null then 'unlogged' else 'modified' end as state
    from latest l full join stored s on s.record_id = l.record_id
    where s.record_id is null or l.record_id is null
       or (${rendered(sql`s.leaf`)} <> l.leaf_hash and ${rendered(sql`vigil_leaf_in_transaction(s.leaf, l.xact)`)} <> l.leaf_hash)`;
}

/** Kinds that are their own explanation: the audit and activity logs, the log's statements, recording chunks an agent appends. */
const SELF_EXPLAINED = ['audit_entry', 'activity', 'log_statement', 'recording_chunk'];

/** Every other leaf must share its transaction with an audit entry (or a recording chunk). */
async function checkExplained(db: Executor, tenantId: string, faults: FaultList): Promise<void> {
  const kinds = `{${SELF_EXPLAINED.join(',')}}`;
  const rows = await queryRows<{ idx: string | number | null; kind: string; record_id: string }>(
    db,
    sql`select l.idx, l.kind, l.record_id from log_leaves l
        where l.tenant_id = ${tenantId} and l.kind <> all(${kinds}::text[])
          and not exists (select 1 from log_leaves e where e.tenant_id = l.tenant_id and e.xact = l.xact and e.kind in ('audit_entry', 'recording_chunk'))
        order by l.leaf_id`,
  );
  for (const row of rows) {
    const idx = row.idx === null ? null : Number(row.idx);
    faults.add('leaf_unexplained', `The ${row.kind} ${row.record_id} was written (leaf ${idx ?? 'queued'}) without the audit entry Vigil writes with every change: it was written around Vigil`, {
      index: idx,
      recordKind: row.kind,
      recordId: row.record_id,
    });
  }
}
