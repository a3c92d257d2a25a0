/**
 * Where a transaction's leaves may sit. Since leaf format 2 (migration 0012) every leaf names the
 * transaction that wrote it in its hashed text, and the sequencer places a transaction's leaves
 * side by side. So, from the first format-2 leaf on, verification holds each leaf to three rules:
 * its text names its own transaction (the column the explanation rule reads cannot be rewritten),
 * its transaction's leaves are contiguous (a leaf cannot join another transaction's audit entry),
 * and it is not of format 1 (the triggers no longer write that format; the log's own retention
 * statements, which Vigil writes without a trigger, are the exception).
 */
interface PlacedLeaf {
  readonly kind: string;
  readonly xact: string | number;
  /** 1 or 2; null when retention dropped the text. */
  readonly format: number | null;
  readonly is_xact_bound: boolean | null;
}

export class TransactionPlacement {
  private isFormat2 = false;
  private current: string | undefined;
  private readonly finished = new Set<string>();

  /** Why `leaf`, the next in position order, is out of place; undefined when it is not. */
  misplacement(leaf: PlacedLeaf): string | undefined {
    if (leaf.format === 2) this.isFormat2 = true;
    if (!this.isFormat2) return undefined;
    const xact = String(leaf.xact);
    let why: string | undefined;
    if (leaf.format === 2 && leaf.is_xact_bound === false)
      why = `is stored under transaction ${xact}, which its text does not name: its transaction was rewritten`;
    else if (leaf.format === 1 && leaf.kind !== 'log_statement') why = 'is in a format the log no longer writes: it was written around Vigil';
    else if (this.finished.has(xact)) why = `is apart from the other leaves of its transaction ${xact}: it was added to that transaction afterwards`;
    if (xact !== this.current) {
      if (this.current !== undefined) this.finished.add(this.current);
      this.current = xact;
    }
    return why;
  }
}
