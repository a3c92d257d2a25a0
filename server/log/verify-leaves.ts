/**
 * One pass over a tenant's leaves in position order, checking: no gaps; each leaf's text hashing to
 * its leaf hash (in the database: only hashes cross the wire); dropped text only where a retention
 * statement allows it; every stored node equal to the node rebuilt from the leaves under it; the
 * root at every signed size equal to the signed root; the stored head equal to the tree; each leaf
 * where its transaction is (server/log/transaction-placement.ts). The same pass reads the retention
 * statements and feeds each leaf's transaction to the check that every version was written with its
 * audit entry (server/log/leaf-explanations.ts).
 *
 * Pages are ranges of positions, so the next few are read (on the connections free, with the
 * digests of their stored nodes, server/log/page-nodes.ts) while this one's tree is rebuilt here.
 */
import { sql } from 'drizzle-orm';
import { arrayLiteral } from '../db/bulk-insert.js';
import { queryRows, type Executor } from '../db/database.js';
import type { SnapshotReaders } from '../db/snapshot-readers.js';
import type { SignedHead } from './checkpoint-chain.js';
import { FaultList } from './log-faults.js';
import { LeafRole, type LeafExplanations, type Xact } from './leaf-explanations.js';
import { LOG_STATEMENT_KIND } from './leaf-kinds.js';
import { PAGE, readLeafPage, type LeafPage } from './leaf-pages.js';
import { CompactTree, type CompletedNode } from './merkle.js';
import { matchesRunDigests, PageNodes, readRunDigests } from './page-nodes.js';
import { PruneAllowances } from './retention-statements.js';
import { readLogHead } from './sequencer.js';
import { TransactionPlacement } from './transaction-placement.js';

/** Pages read ahead of the one being rebuilt. */
const READ_AHEAD = 4;
const NO_LEAF = Buffer.alloc(32);

/**
 * Past a gap this long the tree is not rebuilt any further (the export verifier holds the same
 * bound): one leaf moved to a far position would otherwise make verification walk and hash every
 * position up to it, and a check that never ends notices nothing.
 */
export const MAX_GAP_FILLED = 10_000_000;

/**
 * The last position verification walks: the tenant's highest, or, when that lies more than
 * MAX_GAP_FILLED past the number of placed leaves, that bound; every leaf beyond it is named.
 * -1 for an empty tree.
 */
export async function lastWalkedPosition(db: Executor, tenantId: string, faults: FaultList): Promise<number> {
  const [row] = await queryRows<{ last: string | number | null; placed: string | number }>(
    db,
    sql`select max(idx) as last, count(*) as placed from log_leaves where tenant_id = ${tenantId} and idx >= 0`,
  );
  const last = row?.last === null || row?.last === undefined ? -1 : Number(row.last);
  const bound = Number(row?.placed ?? 0) - 1 + MAX_GAP_FILLED;
  if (last <= bound) return last;
  const beyond = await queryRows<{ idx: string | number; kind: string; record_id: string; total: string | number }>(
    db,
    sql`select idx, kind, record_id, count(*) over () as total from log_leaves where tenant_id = ${tenantId} and idx > ${bound} order by idx limit ${Math.max(1, faults.room)}`,
  );
  for (const leaf of beyond) {
    faults.add(
      'leaf_missing',
      `Leaf ${leaf.idx} (${leaf.kind} ${leaf.record_id}) lies more than ${MAX_GAP_FILLED.toLocaleString('en-US')} positions past the other leaves: it was moved out of its place`,
      {
        index: Number(leaf.idx),
        recordKind: leaf.kind,
        recordId: leaf.record_id,
      },
    );
  }
  faults.countUnlisted(Number(beyond[0]?.total ?? 0) - beyond.length);
  const [below] = await queryRows<{ last: string | number | null }>(
    db,
    sql`select max(idx) as last from log_leaves where tenant_id = ${tenantId} and idx >= 0 and idx <= ${bound}`,
  );
  return below?.last === null || below?.last === undefined ? -1 : Number(below.last);
}

/** Walks the leaves at positions 0 to `last` in order; returns the tree size they make. */
export async function checkLeaves(
  readers: SnapshotReaders,
  tenantId: string,
  last: number,
  heads: readonly SignedHead[],
  explanations: LeafExplanations,
  faults: FaultList,
): Promise<number> {
  const headsBySize = new Map<number, SignedHead[]>();
  for (const head of heads) headsBySize.set(head.size, [...(headsBySize.get(head.size) ?? []), head]);
  const tree = new CompactTree();
  const checkHeadsAt = (into: FaultList) => {
    for (const head of headsBySize.get(tree.size) ?? []) {
      if (!tree.root().equals(head.rootHash)) {
        into.add(
          'tree_mismatch',
          `The log's first ${tree.size} leaves hash to another root than the ${head.source} signed: leaves before position ${tree.size} were changed, replaced or reordered`,
          {
            index: tree.size,
          },
        );
      }
    }
  };
  const allowances = new PruneAllowances();
  /** Leaves without text, by kind: judged once every statement (they come later) was read. */
  const textless = new Map<string, number[]>();

  const pages = Math.ceil((last + 1) / PAGE);
  // The last page ends with the last leaf, so its nodes are the ones that leaf completes.
  const pageRange = (page: number) => ({ from: page * PAGE, to: Math.min((page + 1) * PAGE, last + 1) });
  const reads = new Map<number, Promise<{ leaves: LeafPage; nodeDigests: Map<number, Buffer> }>>();
  const readAhead = (page: number) => {
    if (page >= pages || reads.has(page)) return;
    const { from, to } = pageRange(page);
    reads.set(
      page,
      readers.run(async (db) => {
        const [leaves, nodeDigests] = await Promise.all([readLeafPage(db, tenantId, from, to), readRunDigests(db, tenantId, from, to)]);
        return { leaves, nodeDigests };
      }),
    );
  };

  const transactions = new TransactionPlacement();
  // One leaf, refilled for each: the placement rules read the kind only to exempt the log's statements.
  const placed = { kind: '', xact: 0 as Xact, format: null as 1 | 2 | null, is_xact_bound: false };

  checkHeadsAt(faults);
  for (let page = 0; page < pages; page++) {
    for (let ahead = page; ahead <= page + READ_AHEAD; ahead++) readAhead(ahead);
    const { leaves, nodeDigests } = await reads.get(page)!;
    reads.delete(page);

    for (const leaf of leaves.retentionTexts) allowances.read(leaf.kind, leaf.text);
    for (const leaf of leaves.textless) {
      const positions = textless.get(leaf.kind) ?? [];
      positions.push(leaf.index);
      textless.set(leaf.kind, positions);
    }
    // The page's faults, in order; leaves out of their transaction are named once the page is done.
    const pageFaults = new FaultList(faults.room);
    const misplaced = new Map<number, { fault: number; why: string }>();
    const built: CompletedNode[] = [];
    let changed = 0;
    for (let i = 0; i < leaves.count; i++) {
      const idx = leaves.position(i);
      if (idx !== tree.size) {
        pageFaults.add('leaf_missing', `Leaves ${tree.size} to ${idx - 1} are missing from the log`, { index: tree.size });
        // The tree cannot be rebuilt past a gap; later roots are compared as they are.
        while (tree.size < idx) tree.append(NO_LEAF);
      }
      const leaf = leaves.changed[changed];
      if (leaf?.index === idx) {
        pageFaults.add('leaf_modified', `Leaf ${idx} (${leaf.kind} ${leaf.recordId}) was changed: its text no longer matches its hash`, {
          index: idx,
          recordKind: leaf.kind,
          recordId: leaf.recordId,
        });
        changed++;
      }
      const xact = leaves.xact(i);
      placed.xact = xact;
      placed.format = leaves.format(i);
      placed.is_xact_bound = leaves.isXactBound(i);
      placed.kind = leaves.isStatement(i) ? LOG_STATEMENT_KIND : '';
      const why = transactions.misplacement(placed);
      if (why) {
        misplaced.set(idx, { fault: pageFaults.faults.length, why });
        pageFaults.add('leaf_out_of_transaction', `Leaf ${idx} (a record) ${why}`, { index: idx });
      }
      const role = leaves.role(i);
      if (role === LeafRole.Explaining) explanations.explain(xact);
      else if (role === LeafRole.Explained) explanations.expect(xact, idx);
      for (const node of tree.append(leaves.leafHash(i))) built.push(node);
      checkHeadsAt(pageFaults);
    }
    const { from, to } = pageRange(page);
    if (!matchesRunDigests(from, to, built, nodeDigests)) {
      (await readers.run((db) => PageNodes.read(db, tenantId, from, to))).compare(built, pageFaults);
    }
    if (misplaced.size > 0) await readers.run((db) => nameMisplaced(db, tenantId, misplaced, pageFaults));
    faults.addAll(pageFaults);
  }

  await readers.run((db) => checkTextless(db, tenantId, textless, allowances, faults));
  for (const head of heads) {
    if (head.size > tree.size) {
      faults.add('checkpoint_truncated', `The ${head.source} signed ${head.size} leaves, but the log holds ${tree.size}: its tail was cut`, {
        index: tree.size,
      });
    }
  }
  const stored = await readers.run((db) => readLogHead(db, tenantId));
  if (stored.size !== tree.size || !stored.rootHash.equals(tree.root())) {
    faults.add('head_mismatch', `The stored head (size ${stored.size}) is not the tree the leaves make (size ${tree.size})`, { index: stored.size });
  }
  return tree.size;
}

/** Names the leaves out of their transaction among a page's faults (they were added under their position only). */
async function nameMisplaced(db: Executor, tenantId: string, misplaced: Map<number, { fault: number; why: string }>, faults: FaultList): Promise<void> {
  const rows = await queryRows<{ idx: string | number; kind: string; record_id: string }>(
    db,
    sql`select idx, kind, record_id from log_leaves where tenant_id = ${tenantId} and idx = any(${arrayLiteral([...misplaced.keys()])}::bigint[])`,
  );
  for (const row of rows) {
    const { fault, why } = misplaced.get(Number(row.idx))!;
    if (fault >= faults.faults.length) continue;
    faults.faults[fault] = {
      ...faults.faults[fault]!,
      message: `Leaf ${row.idx} (${row.kind} ${row.record_id}) ${why}`,
      recordKind: row.kind,
      recordId: row.record_id,
    };
  }
}

/** Names the leaves whose text was dropped where no retention statement allows it. */
async function checkTextless(db: Executor, tenantId: string, textless: Map<string, number[]>, allowances: PruneAllowances, faults: FaultList): Promise<void> {
  const unexplained: { idx: number; kind: string }[] = [];
  for (const [kind, positions] of textless) {
    for (const idx of positions) if (!allowances.allows(kind, idx)) unexplained.push({ idx, kind });
  }
  if (unexplained.length === 0) return;
  unexplained.sort((a, b) => a.idx - b.idx);
  const named = unexplained.slice(0, faults.room);
  const rows = await queryRows<{ idx: string | number; record_id: string }>(
    db,
    sql`select idx, record_id from log_leaves where tenant_id = ${tenantId} and idx = any(${arrayLiteral(named.map((leaf) => leaf.idx))}::bigint[])`,
  );
  const recordIds = new Map(rows.map((row) => [Number(row.idx), row.record_id]));
  for (const { idx, kind } of named) {
    const recordId = recordIds.get(idx);
    faults.add('leaf_pruned_unexplained', `Leaf ${idx} (${kind} ${recordId}) lost its text, and no retention statement in the log allows it`, {
      index: idx,
      recordKind: kind,
      recordId,
    });
  }
  faults.countUnlisted(unexplained.length - named.length);
}
