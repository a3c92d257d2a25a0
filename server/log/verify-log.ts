/**
 * The in-app verification of a tenant's log, in one consistent snapshot. It reports every fault,
 * not only the first:
 * 1. checkpoints: trusted signatures, one unbroken chain of links (server/log/checkpoint-chain.ts);
 * 2. leaves, in position order: no gaps, each leaf's text hashing to its leaf hash, dropped text
 *    only where a retention statement allows it, every stored node equal to the hash of the
 *    leaves under it, the root at every checkpoint's size (and at every outside anchor's) equal
 *    to the signed root, the stored head equal to the tree, each leaf where its transaction is
 *    (server/log/verify-leaves.ts);
 * 3. records: every stored row of every covered table equal to the latest leaf of it, every leaf's
 *    record present unless retention removed it, no row the log never received
 *    (server/log/verify-records.ts);
 * 4. every record version written with the audit entry Vigil writes with it
 *    (server/log/leaf-explanations.ts);
 * 5. the linear chain of audit entries (server/audit/verify-integrity.ts);
 * 6. the database functions that make and render leaves, against Vigil's definitions
 *    (server/log/leaf-function-check.ts), since the records check renders rows with them.
 * On PostgreSQL the parts run side by side on a few connections sharing the snapshot
 * (server/db/snapshot-readers.ts); faults are reported in the order above all the same.
 */
import { checkLeafFunctions } from './leaf-function-check.js';
import { checkWorkspaceRow } from './workspace-row-check.js';
import { sql } from 'drizzle-orm';
import { queryRows, type Database, type Executor } from '../db/database.js';
import { SnapshotReaders } from '../db/snapshot-readers.js';
import { chainKeysOf, verifyAuditIntegrity } from '../audit/verify-integrity.js';
import { checkCheckpointChain, readCheckpoint, type SignedHead } from './checkpoint-chain.js';
import { LeafExplanations, readLeavesOutsideTree } from './leaf-explanations.js';
import { FaultList, type LogReport } from './log-faults.js';
import type { NoteVerifier } from './signed-note.js';
import { checkLeaves, lastWalkedPosition } from './verify-leaves.js';
import { checkRecords } from './verify-records.js';

/** Connections borrowed from the pool besides the transaction's own. */
const HELPERS = 2;

export interface VerifyLogOptions {
  readonly trusted: readonly NoteVerifier[];
  /** Checkpoint notes held outside the database (a witness's, an earlier export's). */
  readonly anchors?: readonly string[];
  readonly maxFaults?: number;
  /** Told how long each part took, from the start of the verification (parts overlap). */
  readonly onPart?: (part: VerificationPart, seconds: number) => void;
}

export type VerificationPart = 'leaves' | 'records' | 'explanations' | 'audit chain';

/**
 * Each connection's settings: the records check hashes and groups every record of the tenant at
 * once, in memory rather than in temporary files; compiling its rendering of every column (JIT)
 * took longer on a large tenant than the whole check takes without it; and built-in functions and
 * operators come first in name resolution, so that nothing in a schema placed before pg_catalog
 * (by someone who can change the role's or database's settings) stands in for them.
 */
async function prepare(db: Executor): Promise<void> {
  await db.execute(sql`select set_config('work_mem', '256MB', true), set_config('jit', 'off', true),
                              set_config('search_path', 'pg_catalog, ' || current_setting('search_path'), true)`);
}

export async function verifyLog(database: Database, tenantId: string, options: VerifyLogOptions): Promise<LogReport> {
  return database.transaction(
    async (tx) => {
      await prepare(tx);
      const readers = await SnapshotReaders.open(database, tx, HELPERS, prepare);
      try {
        return await verifyInSnapshot(tx, readers, tenantId, options);
      } finally {
        await readers.close();
      }
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

async function verifyInSnapshot(tx: Executor, readers: SnapshotReaders, tenantId: string, options: VerifyLogOptions): Promise<LogReport> {
  const started = performance.now();
  const timed = <T>(part: VerificationPart, promise: Promise<T>) => {
    if (options.onPart)
      void promise.then(
        () => options.onPart!(part, (performance.now() - started) / 1000),
        () => {},
      );
    return promise;
  };
  const faults = new FaultList(options.maxFaults ?? 1000);
  const notes = await queryRows<{ note: string }>(tx, sql`select note from log_checkpoints where tenant_id = ${tenantId} order by signed_at, size`);
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
  const last = await lastWalkedPosition(tx, tenantId, faults);
  await checkWorkspaceRow(tx, tenantId, faults);
  await checkLeafFunctions(tx, faults);

  // The longest parts first, so they start on the connections free now; the leaves take the rest.
  const recordFaults = new FaultList(options.maxFaults ?? 1000);
  const records = timed(
    'records',
    readers.run((db) => checkRecords(db, tenantId, recordFaults)),
  );
  const chain = timed(
    'audit chain',
    readers.run((db) => verifyAuditIntegrity(db, tenantId, chainKeysOf(options.trusted))),
  );
  const outsideTree = readers.run((db) => readLeavesOutsideTree(db, tenantId));
  const explanations = new LeafExplanations();
  const size = await timed('leaves', checkLeaves(readers, tenantId, last, heads, explanations, faults));

  const checkedRecords = await records;
  faults.addAll(recordFaults);
  const outside = await outsideTree;
  explanations.feedOutsideTree(outside);
  await timed(
    'explanations',
    readers.run((db) => explanations.report(db, tenantId, faults)),
  );
  const { fault } = await chain;
  if (fault) faults.add('chain_broken', `Audit chain: ${fault.message}`, { recordKind: 'audit_entry', recordId: null, index: null });

  return {
    isIntact: faults.count === 0,
    size,
    checkedLeaves: size,
    checkedRecords,
    checkedCheckpoints: heads.length,
    queuedLeaves: outside.queued,
    faults: faults.faults,
    faultCount: faults.count,
  };
}
