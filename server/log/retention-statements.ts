/**
 * Retention in the log. Deleting old records drops the text of their leaves (the hashes stay, so
 * every checkpoint still verifies) and, in the same transaction, appends a statement leaf:
 *
 *   { "kind": "log_statement", "statement": { "action": "retention.pruned", "days", "indexes",
 *     "leafKind", "leaves", "olderThan", "policy" }, "v": 1 }
 *
 * `indexes` lists the positions whose text was dropped, as ranges ("12-15,20,31-40"). A verifier
 * accepts a leaf without text, and a record gone, only at a position a statement lists for its
 * kind, and only a statement whose `days` is what the log's latest `retention.changed` audit
 * entry for its `policy` set before it: a deletion that no policy made is named by position, and
 * a forged statement needs a forged policy change in plain sight.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json.js';
import { sql, type SQL } from 'drizzle-orm';
import { arrayLiteral } from '../db/bulk-insert.js';
import { queryRows, type Executor } from '../db/database.js';
import { newId } from '../ids.js';
import { LOG_STATEMENT_KIND } from './leaf-kinds.js';

export interface PrunedLeaves {
  readonly leafKind: string;
  /** Positions whose text was dropped, ascending. */
  readonly indexes: readonly number[];
}

/** "12-15,20,31-40" from ascending positions. */
export function formatRanges(indexes: readonly number[]): string {
  const parts: string[] = [];
  for (let start = 0; start < indexes.length;) {
    let end = start;
    while (end + 1 < indexes.length && indexes[end + 1] === indexes[end]! + 1) end++;
    parts.push(end === start ? String(indexes[start]) : `${indexes[start]}-${indexes[end]}`);
    start = end + 1;
  }
  return parts.join(',');
}

export function parseRanges(text: string): [number, number][] {
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(text)) return [];
  return text.split(',').map((part) => {
    const [from, to] = part.split('-').map(Number) as [number, number | undefined];
    return [from, to ?? from];
  });
}

export async function appendRetentionStatement(
  db: Executor,
  tenantId: string,
  pruned: PrunedLeaves,
  policy: { kind: string; days: number; olderThan: Date },
): Promise<void> {
  const leaf = canonicalJson({
    kind: LOG_STATEMENT_KIND,
    statement: {
      action: 'retention.pruned',
      days: policy.days,
      indexes: formatRanges(pruned.indexes),
      leafKind: pruned.leafKind,
      leaves: pruned.indexes.length,
      olderThan: policy.olderThan.toISOString(),
      policy: policy.kind,
    },
    v: 1,
  });
  const leafHash = createHash('sha256')
    .update(Buffer.from([0]))
    .update(leaf)
    .digest();
  await db.execute(
    sql`insert into log_leaves (tenant_id, kind, record_id, leaf, leaf_hash) values (${tenantId}, ${LOG_STATEMENT_KIND}, ${newId()}, ${leaf}, ${leafHash})`,
  );
}

/** Drops the text of the sequenced leaves of `recordIds` (of one leaf kind); what was dropped. */
export async function pruneLeaves(db: Executor, tenantId: string, leafKind: string, recordIds: readonly string[]): Promise<PrunedLeaves | null> {
  if (recordIds.length === 0) return null;
  const rows = await queryRows<{ idx: string | number }>(
    db,
    sql`update log_leaves set leaf = null
        where tenant_id = ${tenantId} and kind = ${leafKind} and record_id = any(${arrayLiteral(recordIds)}::text[]) and leaf is not null and idx is not null
        returning idx`,
  );
  if (rows.length === 0) return null;
  return { leafKind, indexes: rows.map((row) => Number(row.idx)).sort((a, b) => a - b) };
}

interface Statement {
  readonly action?: string;
  readonly leafKind?: string;
  readonly indexes?: string;
  readonly policy?: string;
  readonly days?: number;
}

/**
 * Reads statements and the policy changes they rest on, fed in log order (the same rules serve
 * the database and an exported file): a statement counts only if its days are what the latest
 * `retention.changed` entry for its policy set before it.
 */
export class PruneAllowances {
  private readonly policyDays = new Map<string, number | null>();
  private readonly ranges = new Map<string, [number, number][]>();
  private sorted = new Map<string, [number, number][]>();

  /** Feed every audit entry's and statement's leaf text, in position order. */
  read(kind: string, leaf: string): void {
    try {
      if (kind === 'audit_entry') {
        const { row } = JSON.parse(leaf) as { row?: { action?: string; resource_id?: string; after?: { days?: number } | null } };
        if (row?.action === 'retention.changed' && row.resource_id) this.policyDays.set(row.resource_id, row.after?.days ?? null);
        return;
      }
      if (kind !== LOG_STATEMENT_KIND) return;
      const { statement } = JSON.parse(leaf) as { statement?: Statement };
      if (statement?.action !== 'retention.pruned' || typeof statement.leafKind !== 'string' || !statement.policy || typeof statement.indexes !== 'string')
        return;
      if (this.policyDays.get(statement.policy) !== statement.days) return;
      this.ranges.set(statement.leafKind, [...(this.ranges.get(statement.leafKind) ?? []), ...parseRanges(statement.indexes)]);
      this.sorted.delete(statement.leafKind);
    } catch {
      // Text that does not parse allows nothing; the leaf check reports it changed.
    }
  }

  /** Whether a statement lists position `index` of kind `kind`. */
  allows(kind: string, index: number): boolean {
    let ranges = this.sorted.get(kind);
    if (!ranges) {
      ranges = [...(this.ranges.get(kind) ?? [])].sort((a, b) => a[0] - b[0]);
      this.sorted.set(kind, ranges);
    }
    let low = 0;
    let high = ranges.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const [from, to] = ranges[middle]!;
      if (index < from) high = middle - 1;
      else if (index > to) low = middle + 1;
      else return true;
    }
    return false;
  }
}

/**
 * SQL over a log_leaves row: its text where PruneAllowances reads it (a retention statement, or an
 * audit entry changing a retention policy), else null; so a pass over the leaves carries the few
 * texts the allowances rest on and no other.
 */
export function retentionTextSql(): SQL {
  return sql`case when leaf is not null and (kind = ${LOG_STATEMENT_KIND} or (kind = 'audit_entry' and leaf like '%"action":"retention.changed"%')) then leaf end`;
}
