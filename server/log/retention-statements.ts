/**
 * Retention in the log. Deleting old records drops the text of their leaves (the hashes stay, so
 * every checkpoint still verifies) and, in the same transaction, appends a statement leaf:
 *
 *   { "kind": "log_statement", "statement": { "action": "retention.pruned", "days", "leafKind",
 *     "leaves", "olderThan", "throughIndex" }, "v": 1 }
 *
 * A verifier accepts a leaf without text, and a record gone, only for a kind a statement names,
 * at or before its `throughIndex`, and no more such leaves than the statements count: a deletion
 * that no policy made shows up as unexplained.
 */
import { createHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';
import { sql } from 'drizzle-orm';
import { arrayLiteral } from '../db/bulk-insert.js';
import { queryRows, type Executor } from '../db/database.js';
import { LOG_STATEMENT_KIND } from './leaf-kinds.js';
import { newId } from '../ids.js';

const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

export interface PrunedLeaves {
  readonly leafKind: string;
  readonly leaves: number;
  readonly throughIndex: number;
}

export async function appendRetentionStatement(db: Executor, tenantId: string, pruned: PrunedLeaves, policy: { days: number; olderThan: Date }): Promise<void> {
  const leaf = canonicalize({
    kind: LOG_STATEMENT_KIND,
    statement: { action: 'retention.pruned', days: policy.days, leafKind: pruned.leafKind, leaves: pruned.leaves, olderThan: policy.olderThan.toISOString(), throughIndex: pruned.throughIndex },
    v: 1,
  })!;
  const leafHash = createHash('sha256').update(Buffer.from([0])).update(leaf).digest();
  await db.execute(sql`insert into log_leaves (tenant_id, kind, record_id, leaf, leaf_hash) values (${tenantId}, ${LOG_STATEMENT_KIND}, ${newId()}, ${leaf}, ${leafHash})`);
}

/** Drops the text of the sequenced leaves of `recordIds` (of one leaf kind); what was dropped. */
export async function pruneLeaves(db: Executor, tenantId: string, leafKind: string, recordIds: readonly string[]): Promise<PrunedLeaves | null> {
  if (recordIds.length === 0) return null;
  const [row] = await queryRows<{ leaves: number; through: string | number | null }>(
    db,
    sql`with pruned as (
          update log_leaves set leaf = null
          where tenant_id = ${tenantId} and kind = ${leafKind} and record_id = any(${arrayLiteral(recordIds)}::text[]) and leaf is not null and idx is not null
          returning idx)
        select count(*)::int as leaves, max(idx) as through from pruned`,
  );
  if (!row || row.leaves === 0 || row.through === null) return null;
  return { leafKind, leaves: row.leaves, throughIndex: Number(row.through) };
}

export interface PruneAllowance {
  readonly throughIndex: number;
  readonly leaves: number;
}

/** What the tenant's retention statements allow, by leaf kind. */
export async function prunedThrough(db: Executor, tenantId: string): Promise<Map<string, PruneAllowance>> {
  const rows = await queryRows<{ leaf: string }>(
    db,
    sql`select leaf from log_leaves where tenant_id = ${tenantId} and kind = ${LOG_STATEMENT_KIND} and leaf is not null and idx is not null`,
  );
  const allowed = new Map<string, PruneAllowance>();
  for (const { leaf } of rows) {
    try {
      const { statement } = JSON.parse(leaf) as { statement?: { action?: string; leafKind?: string; leaves?: number; throughIndex?: number } };
      if (statement?.action !== 'retention.pruned' || typeof statement.leafKind !== 'string') continue;
      const previous = allowed.get(statement.leafKind);
      allowed.set(statement.leafKind, {
        throughIndex: Math.max(previous?.throughIndex ?? -1, Number(statement.throughIndex ?? -1)),
        leaves: (previous?.leaves ?? 0) + Number(statement.leaves ?? 0),
      });
    } catch {
      // A statement that does not parse allows nothing; its leaf check reports it changed.
    }
  }
  return allowed;
}
