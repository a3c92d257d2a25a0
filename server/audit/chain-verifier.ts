/**
 * Walks an audit chain in sequence order and reports the first broken link. It is fed entries one
 * at a time (from the database or from an exported file) and keeps only what it needs: the entries
 * since the last checkpoint that verified, to locate a forged insertion, and one entry of
 * lookahead, to tell a reordering from an edit.
 *
 * What each fault means:
 * - missing: a sequence number is absent (deleted entries, or a chain cut short after a checkpoint);
 * - modified: an entry's content no longer matches its hash, or an entry was rewritten with a new
 *   hash that the next entry does not link to;
 * - reordered: entries changed places (an entry links to the one that now follows it);
 * - inserted: the chain is internally consistent but not the one a checkpoint signed, and removing
 *   exactly one entry makes it so: that entry was forged in;
 * - bad_signature: a checkpoint's signature does not verify with any published key.
 */
import type { KeyObject } from 'node:crypto';
import { chainHash, type ChainedFields } from './canonical-entry.js';
import { isCheckpointSignatureValid, type SignedCheckpoint } from './checkpoint-payload.js';

export type FaultKind = 'missing' | 'modified' | 'reordered' | 'inserted' | 'bad_signature';

export interface ChainEntry extends ChainedFields {
  readonly prevHash: string;
  readonly hash: string;
}

export interface Fault {
  readonly seq: number;
  readonly kind: FaultKind;
  readonly expected: string;
  readonly found: string;
  readonly message: string;
}

export interface VerificationReport {
  readonly isIntact: boolean;
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly checkedEntries: number;
  readonly checkedCheckpoints: number;
  readonly fault: Fault | null;
}

/** Past this many entries since the last good checkpoint, a forged insertion is reported at the checkpoint. */
const MAX_FORENSIC_WINDOW = 20_000;

export class ChainVerifier {
  private expectedSeq: number;
  private expectedPrev: string;
  private pending: ChainEntry | undefined;
  private fault: Fault | null = null;
  private checkedEntries = 0;
  private checkedCheckpoints = 0;
  /** Entries since the last checkpoint that matched, and the hash that checkpoint vouched for. */
  private window: ChainEntry[] = [];
  private windowStartHash: string;
  private readonly checkpointsBySeq = new Map<number, SignedCheckpoint[]>();

  constructor(
    private readonly options: {
      readonly fromSeq: number;
      /** The hash the entry before `fromSeq` has (the chain's start hash at its beginning). */
      readonly startHash: string;
      /** The last sequence number that should exist. */
      readonly toSeq: number;
      readonly checkpoints: readonly SignedCheckpoint[];
      readonly publicKeys: ReadonlyMap<string, KeyObject>;
    },
  ) {
    this.expectedSeq = options.fromSeq;
    this.expectedPrev = options.startHash;
    this.windowStartHash = options.startHash;
    for (const checkpoint of options.checkpoints) {
      this.checkpointsBySeq.set(checkpoint.seq, [...(this.checkpointsBySeq.get(checkpoint.seq) ?? []), checkpoint]);
    }
    // A checkpoint of the entry before the range vouches for the start hash.
    this.checkCheckpointsAt(options.fromSeq - 1, options.startHash);
  }

  get isDone(): boolean {
    return this.fault !== null;
  }

  push(entry: ChainEntry): void {
    if (this.fault) return;
    if (this.pending) this.check(this.pending, entry);
    this.pending = entry;
  }

  finish(): VerificationReport {
    if (this.pending && !this.fault) this.check(this.pending, undefined);
    this.pending = undefined;
    if (!this.fault && this.expectedSeq <= this.options.toSeq) {
      this.fail(this.expectedSeq, 'missing', `entry ${this.expectedSeq}`, 'nothing', `Entries ${this.expectedSeq} to ${this.options.toSeq} are missing`);
    }
    if (!this.fault) {
      const beyond = [...this.checkpointsBySeq.keys()].filter((seq) => seq > this.options.toSeq).sort((a, b) => a - b)[0];
      if (beyond !== undefined) {
        this.fail(
          this.options.toSeq + 1,
          'missing',
          `entries up to ${beyond} (signed in a checkpoint)`,
          `the chain ends at ${this.options.toSeq}`,
          'The chain was cut short after a checkpoint',
        );
      }
    }
    return {
      isIntact: this.fault === null,
      fromSeq: this.options.fromSeq,
      toSeq: this.options.toSeq,
      checkedEntries: this.checkedEntries,
      checkedCheckpoints: this.checkedCheckpoints,
      fault: this.fault,
    };
  }

  private check(entry: ChainEntry, next: ChainEntry | undefined): void {
    if (entry.seq !== this.expectedSeq) {
      if (entry.seq > this.expectedSeq) {
        this.fail(this.expectedSeq, 'missing', `entry ${this.expectedSeq}`, `entry ${entry.seq}`, `Entry ${this.expectedSeq} is missing`);
      } else {
        this.fail(entry.seq, 'inserted', `entry ${this.expectedSeq}`, `a second entry ${entry.seq}`, `Entry ${entry.seq} appears twice`);
      }
      return;
    }
    const recomputed = chainHash(entry.prevHash, entry);
    const isLinked = entry.prevHash === this.expectedPrev;
    const isSelfConsistent = recomputed === entry.hash;
    if (!isLinked || !isSelfConsistent) {
      if (next && (entry.prevHash === next.hash || next.prevHash === this.expectedPrev)) {
        this.fail(
          entry.seq,
          'reordered',
          `an entry linking to ${this.expectedPrev}`,
          `an entry linking to ${entry.prevHash}`,
          `Entry ${entry.seq} is out of place`,
        );
      } else if (!isSelfConsistent) {
        this.fail(entry.seq, 'modified', entry.hash, recomputed, `Entry ${entry.seq} does not match its hash: its content was changed`);
      } else {
        this.fail(
          entry.seq - 1,
          'modified',
          entry.prevHash,
          this.expectedPrev,
          `Entry ${entry.seq - 1} was rewritten: entry ${entry.seq} links to another hash`,
        );
      }
      return;
    }
    this.checkedEntries++;
    this.expectedSeq = entry.seq + 1;
    this.expectedPrev = entry.hash;
    if (this.window.length < MAX_FORENSIC_WINDOW) this.window.push(entry);
    this.checkCheckpointsAt(entry.seq, entry.hash, next);
  }

  private checkCheckpointsAt(seq: number, hash: string, next?: ChainEntry): void {
    for (const checkpoint of this.checkpointsBySeq.get(seq) ?? []) {
      if (this.fault) return;
      this.checkedCheckpoints++;
      if (!isCheckpointSignatureValid(checkpoint, this.options.publicKeys)) {
        this.fail(seq, 'bad_signature', `a valid signature by key ${checkpoint.keyId}`, checkpoint.signature, `The checkpoint at ${seq} is not validly signed`);
        return;
      }
      if (checkpoint.headHash !== hash) {
        this.locateRewrite(checkpoint, next);
        return;
      }
    }
    if ((this.checkpointsBySeq.get(seq)?.length ?? 0) > 0) {
      this.window = [];
      this.windowStartHash = hash;
    }
  }

  /**
   * The chain up to a checkpoint hashes consistently but to another head than the one signed: it
   * was rewritten. If taking out one entry (and numbering the rest as before) gives back the
   * signed head, that entry was forged in.
   */
  private locateRewrite(checkpoint: SignedCheckpoint, next: ChainEntry | undefined): void {
    const candidates = next ? [...this.window, next] : this.window;
    for (let skipped = 0; skipped < candidates.length; skipped++) {
      let hash = this.windowStartHash;
      let seq = candidates[0]!.seq;
      for (let index = 0; index < candidates.length && seq <= checkpoint.seq; index++) {
        if (index === skipped) continue;
        hash = chainHash(hash, { ...candidates[index]!, seq });
        seq++;
      }
      if (seq > checkpoint.seq && hash === checkpoint.headHash) {
        const forged = candidates[skipped]!;
        this.fail(forged.seq, 'inserted', `the chain signed at ${checkpoint.seq}`, `entry ${forged.seq} (${forged.id})`, `Entry ${forged.seq} was inserted`);
        return;
      }
    }
    this.fail(
      checkpoint.seq,
      'modified',
      checkpoint.headHash,
      this.expectedPrev,
      `The chain up to ${checkpoint.seq} differs from the one signed at that point`,
    );
  }

  private fail(seq: number, kind: FaultKind, expected: string, found: string, message: string): void {
    this.fault ??= { seq, kind, expected, found, message };
  }
}
