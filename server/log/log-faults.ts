/** What a verification of the log can find, each named by position, record or checkpoint. */
export const LOG_FAULT_KINDS = [
  /** A leaf's stored text no longer hashes to its leaf hash. */
  'leaf_modified',
  /** Positions are missing from the tree (leaves deleted). */
  'leaf_missing',
  /** A leaf's data was dropped without a retention statement in the log that allows it. */
  'leaf_pruned_unexplained',
  /** The tree up to a checkpoint's size hashes to another root than the one signed. */
  'tree_mismatch',
  /** A stored node is not the hash of the leaves under it (leaves reordered or replaced). */
  'node_mismatch',
  /** The stored head is not the tree the leaves make. */
  'head_mismatch',
  /** A record differs from the latest version the log holds of it. */
  'record_modified',
  /** A record the log holds is gone, and no retention statement covers it. */
  'record_missing',
  /** A record is stored that the log never received (written around Vigil). */
  'record_unlogged',
  /** A record version was written without the audit entry every write of Vigil's comes with. */
  'leaf_unexplained',
  /** A leaf is not where its transaction is: its transaction rewritten, or added to afterwards. */
  'leaf_out_of_transaction',
  /** A checkpoint does not verify with any trusted key, or is malformed. */
  'checkpoint_bad_signature',
  /** A checkpoint does not name the one before it (a checkpoint was deleted or inserted). */
  'checkpoint_broken_link',
  /** A checkpoint signed more leaves than the log holds: the tail was cut. */
  'checkpoint_truncated',
  /** The linear chain of audit entries is broken. */
  'chain_broken',
  /**
   * A database function that makes leaves or renders rows as leaves is not Vigil's (replaced,
   * missing or defined twice): the records checked with it may have been changed unseen.
   */
  'log_function_modified',
] as const;
export type LogFaultKind = (typeof LOG_FAULT_KINDS)[number];

export interface LogFault {
  readonly kind: LogFaultKind;
  /** The leaf position, or for checkpoint faults the checkpoint's tree size. */
  readonly index: number | null;
  readonly recordKind: string | null;
  readonly recordId: string | null;
  readonly message: string;
}

export interface LogReport {
  readonly isIntact: boolean;
  readonly size: number;
  readonly checkedLeaves: number;
  readonly checkedRecords: number;
  readonly checkedCheckpoints: number;
  /** Leaves written but not yet sequenced (they are compared with their records all the same). */
  readonly queuedLeaves: number;
  /** Every fault found, up to a cap; `faultCount` counts them all. */
  readonly faults: readonly LogFault[];
  readonly faultCount: number;
}

/** Collects faults, keeping the first `cap` of them and counting the rest. */
export class FaultList {
  readonly faults: LogFault[] = [];
  count = 0;
  constructor(private readonly cap: number) {}
  add(kind: LogFaultKind, message: string, where: { index?: number | null; recordKind?: string | null; recordId?: string | null } = {}): void {
    this.count++;
    if (this.faults.length < this.cap)
      this.faults.push({ kind, message, index: where.index ?? null, recordKind: where.recordKind ?? null, recordId: where.recordId ?? null });
  }

  /** How many more faults are kept: past that, a check need only count what it finds, not name it. */
  get room(): number {
    return this.cap - this.faults.length;
  }

  /** Counts faults found past the cap without naming them. */
  countUnlisted(count: number): void {
    this.count += count;
  }

  /** Appends what another list (of a check run alongside) found, as if added here. */
  addAll(other: FaultList): void {
    for (const fault of other.faults) this.add(fault.kind, fault.message, fault);
    this.countUnlisted(other.count - other.faults.length);
  }
}
