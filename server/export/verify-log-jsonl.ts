/**
 * Verifies a verifiable-log export (server/export/log-jsonl.ts) offline, from the file and the
 * trusted keys alone, reporting every fault: leaves whose text does not hash to their leaf hash,
 * gaps and reordering, leaf text dropped without a retention statement, a tree that does not hash
 * to the signed root, a checkpoint not signed by a trusted key, inconsistency with checkpoints
 * given from outside (anchors): an earlier export's, or a witness's; and, from the leaves' own
 * text, a leaf out of its transaction or a version no audit entry explains (file-transactions.ts).
 */
import { readCheckpoint, type SignedHead, type VerifiedCheckpoint } from '../log/checkpoint-chain.js';
import { parseCheckpointBody } from '../log/checkpoint-note.js';
import { FaultList, type LogFault } from '../log/log-faults.js';
import { CompactTree, leafHash } from '../log/merkle.js';
import { PruneAllowances } from '../log/retention-statements.js';
import { MAX_GAP_FILLED } from '../log/verify-leaves.js';
import { parseNote, type NoteVerifier } from '../log/signed-note.js';
import { FileTransactionRules } from './file-transactions.js';
import { LOG_JSONL_FORMAT, LOG_JSONL_VERSION, LOG_SEGMENT_VERSION, type LogHeaderLine, type LogLeafLine, type LogSegmentHeaderLine } from './log-jsonl.js';

export class LogFileFormatError extends Error {}

export interface LogFileReport {
  readonly isIntact: boolean;
  readonly tenantId: string;
  /** The first position checked: 0, or where the first segment starts. */
  readonly from: number;
  readonly size: number;
  readonly checkedLeaves: number;
  /** Headers read: 1 for an export, one per object for archive segments read in order. */
  readonly segments: number;
  /** Whether the checkpoint's signature was checked with keys given to the verifier. */
  readonly isSignatureChecked: boolean;
  readonly checkpointTime: string | null;
  readonly faultCount: number;
  readonly faults: readonly LogFault[];
  readonly notes: readonly string[];
}

/** A checkpoint read without checking its signature (when no trusted key was given). */
function unverifiedCheckpoint(note: string, tenantId: string): { checkpoint?: VerifiedCheckpoint; error?: string } {
  try {
    const body = parseCheckpointBody(parseNote(note).text);
    if (!body.origin.endsWith(`/tenants/${tenantId}`)) return { error: `its origin "${body.origin}" names another tenant` };
    const time = body.extensions.find((line) => line.startsWith('vigil-time '))?.slice('vigil-time '.length) ?? null;
    return { checkpoint: { size: body.size, rootHash: body.rootHash, note, time, source: `checkpoint of size ${body.size}` } };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

export function isLogExportHeader(line: string): boolean {
  try {
    return (JSON.parse(line) as { format?: string }).format === LOG_JSONL_FORMAT;
  } catch {
    return false;
  }
}

export async function verifyLogFile(
  lines: AsyncIterable<string>,
  options: { trusted?: readonly NoteVerifier[]; anchors?: readonly string[] } = {},
): Promise<LogFileReport> {
  const faults = new FaultList(1000);
  const notes: string[] = [];
  const trusted = options.trusted && options.trusted.length > 0 ? options.trusted : undefined;
  /** The first header (the tenant, where checking starts) and the one of the segment being read. */
  let header: LogHeaderLine | LogSegmentHeaderLine | undefined;
  let segment: LogHeaderLine | LogSegmentHeaderLine | undefined;
  let segments = 0;
  let checkpoint: VerifiedCheckpoint | undefined;
  const heads: SignedHead[] = [];
  const headsBySize = new Map<number, SignedHead[]>();
  let tree = new CompactTree();
  /** Leaves without text, checked against the statements once the whole file (statements come later) was read. */
  const textless: { index: number; kind: string; recordId: string }[] = [];
  const allowances = new PruneAllowances();
  const transactions = new FileTransactionRules(faults);
  let isEnded = false;
  let lineNumber = 0;

  const read = (note: string, what: string) => {
    const result = trusted ? readCheckpoint(note, header!.tenantId, trusted) : unverifiedCheckpoint(note, header!.tenantId);
    if (!result.checkpoint) faults.add('checkpoint_bad_signature', `The ${what} is not valid: ${result.error}`);
    return result.checkpoint;
  };
  const addHead = (head: SignedHead) => {
    heads.push(head);
    headsBySize.set(head.size, [...(headsBySize.get(head.size) ?? []), head]);
  };
  const checkHeads = () => {
    for (const head of headsBySize.get(tree.size) ?? []) {
      if (!tree.root().equals(head.rootHash)) {
        faults.add('tree_mismatch', `The file's first ${tree.size} leaves hash to another root than the ${head.source} signed`, { index: tree.size });
      }
    }
  };
  /** The segment being read ends here: what it holds must be what its header says. */
  const finishSegment = () => {
    if (!segment) return;
    if (!isEnded) faults.add('leaf_missing', `The file ends after leaf ${tree.size - 1} without its end line: it was cut short`, { index: tree.size });
    if (tree.size !== segment.size) faults.add('leaf_missing', `The file holds ${tree.size} leaves; its header says ${segment.size}`, { index: tree.size });
  };
  /** A first segment that starts past 0: its leaves continue the tree its compact range stands for. */
  const startMidLog = (first: LogSegmentHeaderLine) => {
    if (!Number.isSafeInteger(first.from) || first.from < 0 || !Array.isArray(first.compactRange))
      throw new LogFileFormatError('the segment header has no valid from and compactRange');
    if (first.from === 0) return;
    try {
      tree = CompactTree.fromEdge(
        first.from,
        first.compactRange.map((hash) => Buffer.from(String(hash), 'base64')),
      );
    } catch (error) {
      throw new LogFileFormatError(`the segment's compactRange does not fit its from: ${(error as Error).message}`);
    }
    transactions.startMidLog();
    if (first.previousCheckpoint === null) {
      faults.add('checkpoint_broken_link', `The segment starts at position ${first.from} but names no previous checkpoint`, { index: first.from });
    } else {
      const previous = read(first.previousCheckpoint, 'previous checkpoint');
      if (previous) addHead({ ...previous, source: `previous checkpoint (size ${previous.size})` });
      if (previous && previous.size !== first.from) {
        faults.add('checkpoint_broken_link', `The segment starts at position ${first.from} but its previous checkpoint signed ${previous.size} leaves`, {
          index: first.from,
        });
      }
    }
    notes.push(
      `Checked from position ${first.from}: the leaves before are the earlier objects' (verify them with this one, in order, for the retention and transaction rules of the leaves they hold)`,
    );
  };
  /** A segment after another in the same stream: it must continue exactly where that one ended. */
  const continueWith = (next: LogSegmentHeaderLine) => {
    if (next.tenantId !== header!.tenantId) throw new LogFileFormatError(`segment ${segments} is of tenant ${next.tenantId}, not ${header!.tenantId}`);
    if (next.from !== tree.size) {
      faults.add(
        'leaf_missing',
        next.from > tree.size
          ? `Leaves ${tree.size} to ${next.from - 1} are in no segment: segment ${segments} starts at ${next.from}`
          : `Segment ${segments} starts at ${next.from}, inside the segment before (which ends at ${tree.size})`,
        { index: tree.size },
      );
    }
    if (next.previousCheckpoint !== segment!.checkpoint) {
      faults.add('checkpoint_broken_link', `Segment ${segments}'s previous checkpoint is not the checkpoint of the segment before it`, { index: next.from });
    }
  };

  for await (const raw of lines) {
    lineNumber++;
    if (raw.trim() === '') continue;
    let line: { type?: string } & Record<string, unknown>;
    try {
      line = JSON.parse(raw) as typeof line;
    } catch {
      throw new LogFileFormatError(`line ${lineNumber} is not JSON`);
    }
    if (!header || line.type === 'header') {
      const isSegment = line.version === LOG_SEGMENT_VERSION;
      if (line.type !== 'header' || line.format !== LOG_JSONL_FORMAT || (line.version !== LOG_JSONL_VERSION && !isSegment))
        throw new LogFileFormatError(
          header
            ? `line ${lineNumber} starts a segment that is not a vigil-log-jsonl version 2 header`
            : 'the file does not start with a vigil-log-jsonl header',
        );
      if (header && !isSegment) throw new LogFileFormatError(`line ${lineNumber}: only segments (version 2) follow one another`);
      segments++;
      const next = line as unknown as LogHeaderLine | LogSegmentHeaderLine;
      if (!header) {
        header = next;
        if (isSegment) startMidLog(next as LogSegmentHeaderLine);
        for (const anchor of options.anchors ?? []) {
          const head = read(anchor, 'checkpoint given as anchor');
          if (!head) continue;
          addHead({ ...head, source: `anchor (size ${head.size}${head.time ? `, signed ${head.time}` : ''})` });
          if (head.size < tree.size) notes.push(`The anchor of size ${head.size} predates the file's first leaf; compare it with the objects before`);
        }
      } else {
        finishSegment();
        continueWith(next as LogSegmentHeaderLine);
      }
      segment = next;
      isEnded = false;
      checkpoint = read(segment.checkpoint, segments === 1 ? "file's checkpoint" : `checkpoint of segment ${segments}`);
      if (checkpoint)
        addHead({ ...checkpoint, source: `${segments === 1 ? "file's checkpoint" : `checkpoint of segment ${segments}`} (size ${checkpoint.size})` });
      checkHeads();
      continue;
    }
    if (isEnded) throw new LogFileFormatError(`line ${lineNumber} follows the end line`);
    if (line.type === 'end') {
      isEnded = true;
      continue;
    }
    if (line.type !== 'leaf') throw new LogFileFormatError(`line ${lineNumber} is neither a leaf nor the end`);
    const leaf = line as unknown as LogLeafLine;
    if (leaf.index !== tree.size) {
      faults.add(
        'leaf_missing',
        leaf.index > tree.size
          ? `Leaves ${tree.size} to ${leaf.index - 1} are missing from the file`
          : `Leaf ${leaf.index} (${leaf.kind} ${leaf.recordId}) is out of place, after leaf ${tree.size - 1}`,
        {
          index: tree.size,
          recordKind: leaf.kind,
          recordId: leaf.recordId,
        },
      );
      // Past a gap, later leaves keep their positions, so later checkpoints are still compared.
      while (Number.isSafeInteger(leaf.index) && leaf.index > tree.size && leaf.index - tree.size < MAX_GAP_FILLED) {
        tree.append(Buffer.alloc(32));
        checkHeads();
      }
    }
    const stated = Buffer.from(String(leaf.leafHash), 'base64');
    if (typeof leaf.leaf === 'string') {
      if (!leafHash(leaf.leaf).equals(stated)) {
        faults.add('leaf_modified', `Leaf ${leaf.index} (${leaf.kind} ${leaf.recordId}) does not hash to its leaf hash: its text was changed`, {
          index: leaf.index,
          recordKind: leaf.kind,
          recordId: leaf.recordId,
        });
      }
      allowances.read(leaf.kind, leaf.leaf);
      transactions.read(leaf, leaf.leaf);
    } else {
      textless.push({ index: leaf.index, kind: leaf.kind, recordId: leaf.recordId });
    }
    tree.append(stated.length === 32 ? stated : Buffer.alloc(32));
    checkHeads();
  }
  if (!header) throw new LogFileFormatError('the file is empty');
  finishSegment();
  transactions.finish();
  if (transactions.format1Leaves > 0) {
    notes.push(
      `${transactions.format1Leaves} leaves predate leaf format 2 and name no transaction: that each was written with its audit entry is checked by the app (logIntegrity), which keeps their transactions`,
    );
  }
  for (const leaf of textless) {
    if (allowances.allows(leaf.kind, leaf.index)) continue;
    faults.add('leaf_pruned_unexplained', `Leaf ${leaf.index} (${leaf.kind} ${leaf.recordId}) has no text, and no retention statement in the file lists it`, {
      index: leaf.index,
      recordKind: leaf.kind,
      recordId: leaf.recordId,
    });
  }
  for (const head of heads) {
    if (head.size <= tree.size) continue;
    const isOlder = checkpoint?.time && 'time' in head && head.time && head.time <= checkpoint.time;
    if (head === checkpoint || isOlder) {
      faults.add(
        'checkpoint_truncated',
        `The ${head.source} signed ${head.size} leaves, but the file's log holds ${tree.size}, signed later: the log was cut`,
        { index: tree.size },
      );
    } else {
      notes.push(`The ${head.source} is newer than this file; compare it with a newer export`);
    }
  }
  if (!trusted) notes.push('No trusted key was given: the checkpoint signature was not checked, so the file proves only that it is self-consistent');
  return {
    isIntact: faults.count === 0,
    tenantId: header.tenantId,
    from: 'from' in header ? header.from : 0,
    size: tree.size,
    checkedLeaves: tree.size - ('from' in header ? header.from : 0),
    segments,
    isSignatureChecked: Boolean(trusted),
    checkpointTime: checkpoint?.time ?? null,
    faultCount: faults.count,
    faults: faults.faults,
    notes,
  };
}
