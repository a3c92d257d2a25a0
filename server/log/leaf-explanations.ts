/**
 * Every record version must share its transaction (log_leaves.xact) with an audit entry or a
 * recording chunk: Vigil writes one with every change, so a version without one was written around
 * it. Transactions are fed in the order the verifier reads the leaves (position order, then those
 * outside the tree), and versions wait only until their transaction's explanation shows up: a
 * writer's leaves sit close together in the log, so little waits at any time, and what still waits
 * at the end is unexplained.
 */
import { sql, type SQL } from 'drizzle-orm';
import { arrayLiteral } from '../db/bulk-insert.js';
import { queryRows, type Executor } from '../db/database.js';
import type { FaultList } from './log-faults.js';
import { LOG_STATEMENT_KIND } from './leaf-kinds.js';

/** Kinds that explain the other leaves of their transaction. */
const EXPLAINING_KINDS = ['audit_entry', 'recording_chunk', 'desktop_recording_chunk'];
/** Kinds that are their own explanation: the audit and activity logs, the log's statements, recording chunks (terminal and desktop) an agent appends. */
const SELF_EXPLAINED_KINDS = ['audit_entry', 'activity', LOG_STATEMENT_KIND, 'recording_chunk', 'desktop_recording_chunk'];

/** What a leaf is to this check, as leafRoleSql gives it. */
export const LeafRole = {
  /** Needs no explanation and explains nothing: activity entries, the log's statements. */
  Plain: 0,
  /** Explains the other leaves of its transaction (and itself): audit entries, recording chunks. */
  Explaining: 1,
  /** A record version: needs a leaf of its transaction that explains it. */
  Explained: 2,
} as const;
export type LeafRole = (typeof LeafRole)[keyof typeof LeafRole];

/** A leaf's LeafRole by its kind (leafRoleSql is the same rule in SQL). */
export function leafRole(kind: string): LeafRole {
  if (EXPLAINING_KINDS.includes(kind)) return LeafRole.Explaining;
  return SELF_EXPLAINED_KINDS.includes(kind) ? LeafRole.Plain : LeafRole.Explained;
}

/** SQL over a log_leaves row: its LeafRole. */
export function leafRoleSql(): SQL {
  const role = (value: LeafRole) => sql.raw(String(value));
  return sql`case when kind = any(${arrayLiteral(EXPLAINING_KINDS)}::text[]) then ${role(LeafRole.Explaining)}
                  when kind = any(${arrayLiteral(SELF_EXPLAINED_KINDS)}::text[]) then ${role(LeafRole.Plain)} else ${role(LeafRole.Explained)} end`;
}

/** A transaction id as an exact map key: a number while it is a safe integer, else its decimal text. */
export type Xact = number | string;

function xactKey(text: string): Xact {
  const value = Number(text);
  return Number.isSafeInteger(value) && String(value) === text ? value : text;
}

/** The transactions of the leaves outside the tree (queued ones, and any moved before position 0). */
export interface OutsideTree {
  readonly xacts: { xact: string; is_explained: boolean; waiting: (string | number)[] | null }[];
  readonly queued: number;
}

export async function readLeavesOutsideTree(db: Executor, tenantId: string): Promise<OutsideTree> {
  const xacts = await queryRows<OutsideTree['xacts'][number] & { queued: string | number }>(
    db,
    sql`select xact::text as xact, bool_or(kind = any(${arrayLiteral(EXPLAINING_KINDS)}::text[])) as is_explained,
               array_agg(leaf_id) filter (where kind <> all(${arrayLiteral(SELF_EXPLAINED_KINDS)}::text[])) as waiting,
               count(*) filter (where idx is null) as queued
        from log_leaves where tenant_id = ${tenantId} and (idx is null or idx < 0) group by xact`,
  );
  return { xacts, queued: xacts.reduce((queued, row) => queued + Number(row.queued), 0) };
}

export class LeafExplanations {
  private readonly explained = new Set<Xact>();
  /** Versions still waiting for their transaction's explanation: positions in the tree, and leaf ids of the others. */
  private readonly waiting = new Map<Xact, { positions: number[]; leafIds: number[] }>();
  private lastExplained: Xact | undefined;

  /** A leaf of transaction `xact` explains the others. */
  explain(xact: Xact): void {
    // A transaction's leaves mostly sit together: the same one again needs no map work.
    if (xact === this.lastExplained) return;
    this.lastExplained = xact;
    this.explained.add(xact);
    this.waiting.delete(xact);
  }

  /** The version at `position` in the tree, of transaction `xact`, needs an explanation. */
  expect(xact: Xact, position: number): void {
    if (xact === this.lastExplained || this.explained.has(xact)) return;
    this.waitingOf(xact).positions.push(position);
  }

  /** Feeds the leaves outside the tree. */
  feedOutsideTree(outside: OutsideTree): void {
    for (const { xact: text, is_explained, waiting } of outside.xacts) {
      const xact = xactKey(text);
      if (is_explained) this.explain(xact);
      else if (waiting !== null && !this.explained.has(xact)) this.waitingOf(xact).leafIds.push(...waiting.map(Number));
    }
  }

  private waitingOf(xact: Xact): { positions: number[]; leafIds: number[] } {
    let waiting = this.waiting.get(xact);
    if (!waiting) {
      waiting = { positions: [], leafIds: [] };
      this.waiting.set(xact, waiting);
    }
    return waiting;
  }

  /** Reports the versions whose transaction never showed an explanation, in queue order. */
  async report(db: Executor, tenantId: string, faults: FaultList): Promise<void> {
    const positions = [...this.waiting.values()].flatMap((leaves) => leaves.positions);
    const leafIds = [...this.waiting.values()].flatMap((leaves) => leaves.leafIds);
    const total = positions.length + leafIds.length;
    if (total === 0) return;
    const named = Math.min(total, faults.room);
    const rows =
      named === 0
        ? []
        : await queryRows<{ idx: string | number | null; kind: string; record_id: string }>(
            db,
            sql`select idx, kind, record_id from log_leaves
                where tenant_id = ${tenantId} and (idx = any(${arrayLiteral(positions)}::bigint[]) or leaf_id = any(${arrayLiteral(leafIds)}::bigint[]))
                order by leaf_id limit ${named}`,
          );
    for (const row of rows) {
      const idx = row.idx === null ? null : Number(row.idx);
      faults.add(
        'leaf_unexplained',
        `The ${row.kind} ${row.record_id} was written (leaf ${idx ?? 'queued'}) without the audit entry Vigil writes with every change: it was written around Vigil`,
        {
          index: idx,
          recordKind: row.kind,
          recordId: row.record_id,
        },
      );
    }
    faults.countUnlisted(total - rows.length);
  }
}
