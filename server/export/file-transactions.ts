/**
 * The transaction rules of in-app verification (server/log/transaction-placement.ts and
 * leaf-explanations.ts), held against an export from the file alone. Since leaf format 2 a leaf's
 * hashed text names its writing transaction, so an outsider can check what the app checks: a
 * transaction's leaves sit side by side, no leaf of a format the triggers no longer write follows,
 * and every record version shares its transaction with the audit entry (or recording chunk) Vigil
 * writes with every change. Leaves of format 1 name no transaction: only the app, which keeps
 * the transaction beside them, can hold those to the explanation rule.
 */
import { LeafRole, leafRole } from '../log/leaf-explanations.js';
import { LOG_STATEMENT_KIND } from '../log/leaf-kinds.js';
import type { FaultList } from '../log/log-faults.js';
import { TransactionPlacement } from '../log/transaction-placement.js';

const FORMAT_2_ENDING = /"v":2,"xact":(\d+)\}$/;

interface FileLeaf {
  readonly index: number;
  readonly kind: string;
  readonly recordId: string;
}

export class FileTransactionRules {
  private readonly placement = new TransactionPlacement();
  /** The transaction being read, whether one of its leaves explains it, and its versions so far. */
  private current: string | undefined;
  private isExplained = false;
  private versions: FileLeaf[] = [];
  /** Record leaves of format 1, which this check cannot hold to the explanation rule. */
  format1Leaves = 0;
  /** Reading starts mid-log (a segment): the first transaction's audit entry may lie before it. */
  private isFirstTransactionBegunEarlier = false;

  constructor(private readonly faults: FaultList) {}

  /** The next leaf in position order, with its text (leaves whose text retention dropped are skipped). */
  read(leaf: FileLeaf, text: string): void {
    const ending = FORMAT_2_ENDING.exec(text.slice(-40));
    const format = ending ? 2 : 1;
    const xact = ending ? ending[1]! : '';
    const why = this.placement.misplacement({ kind: leaf.kind, xact, format, is_xact_bound: true });
    if (why)
      this.faults.add('leaf_out_of_transaction', `Leaf ${leaf.index} (${leaf.kind} ${leaf.recordId}) ${why}`, {
        index: leaf.index,
        recordKind: leaf.kind,
        recordId: leaf.recordId,
      });
    if (format === 1) {
      if (leaf.kind !== LOG_STATEMENT_KIND) this.format1Leaves++;
      return;
    }
    if (xact !== this.current) {
      this.finishTransaction();
      this.current = xact;
    }
    const role = leafRole(leaf.kind);
    if (role === LeafRole.Explaining) this.isExplained = true;
    else if (role === LeafRole.Explained) this.versions.push(leaf);
  }

  /** The leaves read start at a position past 0, where a transaction may have begun earlier. */
  startMidLog(): void {
    this.isFirstTransactionBegunEarlier = true;
  }

  /** Names the versions of transactions that no audit entry explained; call once the file is read. */
  finish(): void {
    this.finishTransaction();
  }

  private finishTransaction(): void {
    if (this.current === undefined) return;
    const mayBeExplainedEarlier = this.isFirstTransactionBegunEarlier;
    this.isFirstTransactionBegunEarlier = false;
    if (!this.isExplained && !mayBeExplainedEarlier) {
      for (const leaf of this.versions) {
        this.faults.add(
          'leaf_unexplained',
          `Leaf ${leaf.index} (${leaf.kind} ${leaf.recordId}) was written without the audit entry Vigil writes with every change: it was written around Vigil`,
          {
            index: leaf.index,
            recordKind: leaf.kind,
            recordId: leaf.recordId,
          },
        );
      }
    }
    this.isExplained = false;
    this.versions = [];
  }
}
