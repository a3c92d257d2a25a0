/**
 * Every stored row of every covered table against the latest leaf of its record: each row rendered
 * as its leaf text (server/log/leaf-sql.ts) and hashed, every leaf's record present unless
 * retention removed it or its latest leaf is its deletion, no row the log never received. One statement for all the tables, so the
 * log is read once, where a statement per table would read it all once for each; it hashes and
 * groups rather than sorts (sorting a million leaves by record took a third of the check), and
 * sends back only the number of rows and the records that do not match.
 */
import { sql, type SQL } from 'drizzle-orm';
import { arrayLiteral } from '../db/bulk-insert.js';
import { queryRows, type Executor } from '../db/database.js';
import type { FaultList } from './log-faults.js';
import { LEAF_KINDS, tableNameOf } from './leaf-kinds.js';
import { isDeletionSql, isFormat1Sql } from './leaf-format.js';
import { leafFunctionName } from './leaf-sql.js';

/**
 * A record whose latest leaf (by leaf id; null: it has none) does not match its stored row, or whose
 * row is gone; `isDeleted`: that leaf says it was deleted.
 */
type Mismatch = [kind: string, recordId: string, latest: number | null, isStored: boolean, isDeleted: boolean | null];

function recordsAgainstLeaves(tenantId: string) {
  const kinds = `{${LEAF_KINDS.map((kind) => kind.kind).join(',')}}`;
  const stored = LEAF_KINDS.map(
    (kind) => sql`select ${kind.kind}::text as kind, ${sql.raw(kind.recordId)} as record_id, ${sql.raw(leafFunctionName(kind))}(n) as leaf
                  from ${sql.raw(`"${tableNameOf(kind)}"`)} n where n.tenant_id = ${tenantId}`,
  );
  const hashed = (leaf: SQL) => sql`sha256('\\x00'::bytea || convert_to(${leaf}, 'UTF8'))`;
  const format1 = hashed(sql`s.leaf`);
  const format2 = hashed(sql`vigil_leaf_in_transaction(s.leaf, l.xact)`);
  // A record's latest leaf is its highest leaf id. A row matches a leaf rendered as written: the
  // row alone (format 1) or with the leaf's transaction (format 2), the leaf's own format tried
  // first, so a row is mostly hashed once. It matches its latest leaf when the highest leaf id
  // among the leaves it matches is that one. (OFFSET 0 makes each step hand on only what the next
  // needs: without it, the planner carried the texts to the grouping, and sorted them on disk.)
  return sql`
    with leaves as (
      select kind, record_id, leaf_id, leaf_hash, xact, not ${isFormat1Sql()} as is_format_2, coalesce(${isDeletionSql()}, false) as is_deletion
      from log_leaves where tenant_id = ${tenantId} and kind = any(${kinds}::text[]) offset 0
    ), stored as (
      ${sql.join(stored, sql` union all `)}
    ), versions as (
      select coalesce(l.kind, s.kind) as kind, coalesce(l.record_id, s.record_id) as record_id, l.leaf_id, l.is_deletion, s.record_id is not null as is_stored,
             case when l.is_format_2 then l.leaf_hash = ${format2} or l.leaf_hash = ${format1}
                  else l.leaf_hash = ${format1} or l.leaf_hash = ${format2} end as is_match
      from leaves l full join stored s on s.kind = l.kind and s.record_id = l.record_id offset 0
    ), records as (
      select kind, record_id, max(leaf_id) as latest, max(leaf_id) filter (where is_match) as matching,
             max(leaf_id) filter (where is_deletion) as deleted, bool_or(is_stored) as is_stored
      from versions group by kind, record_id
    )
    -- A stored row must match its latest leaf; a row gone must have a deletion as its latest leaf
    -- (a setting removed through Vigil), or be one retention removed (judged from the leaf after).
    select count(*) filter (where is_stored) as stored,
           json_agg(json_build_array(kind, record_id, latest, is_stored, latest = deleted))
             filter (where case when is_stored then latest is null or matching is distinct from latest else latest is distinct from deleted end) as mismatches
    from records`;
}

/** Checks every covered table; returns the rows checked. */
export async function checkRecords(db: Executor, tenantId: string, faults: FaultList): Promise<number> {
  const [result] = await queryRows<{ stored: string | number; mismatches: Mismatch[] | null }>(db, recordsAgainstLeaves(tenantId));
  const mismatches = result!.mismatches ?? [];
  const latest = await latestLeaves(db, tenantId, mismatches);
  const order = new Map(LEAF_KINDS.map((kind, index) => [kind.kind, index]));
  mismatches.sort((a, b) => order.get(a[0])! - order.get(b[0])! || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  for (const [kind, recordId, leafId, isStored, isDeleted] of mismatches) {
    const what = `${kind} ${recordId}`;
    const leaf = leafId === null ? undefined : latest.get(leafId);
    const idx = leaf?.idx ?? null;
    if (leafId === null) faults.add('record_unlogged', `The ${what} is stored but the log never received it`, { recordKind: kind, recordId });
    else if (isStored && isDeleted)
      faults.add('record_modified', `The ${what} is stored, but its latest version in the log (leaf ${idx ?? 'queued'}) says it was deleted`, {
        index: idx,
        recordKind: kind,
        recordId,
      });
    else if (isStored)
      faults.add('record_modified', `The ${what} differs from its latest version in the log (leaf ${idx ?? 'queued'})`, {
        index: idx,
        recordKind: kind,
        recordId,
      });
    // Retention removed it, and dropped its leaves' text with it (the leaves check judges that).
    else if (leaf?.isPruned) continue;
    else faults.add('record_missing', `The ${what} is in the log (leaf ${idx ?? 'queued'}) but no longer stored`, { index: idx, recordKind: kind, recordId });
  }
  return Number(result!.stored);
}

/** The position, and whether the text was dropped, of the latest leaves of mismatched records. */
async function latestLeaves(db: Executor, tenantId: string, mismatches: readonly Mismatch[]): Promise<Map<number, { idx: number | null; isPruned: boolean }>> {
  const leafIds = mismatches.flatMap(([, , leafId]) => (leafId === null ? [] : [leafId]));
  if (leafIds.length === 0) return new Map();
  const rows = await queryRows<{ leaf_id: string | number; idx: string | number | null; is_pruned: boolean }>(
    db,
    sql`select leaf_id, idx, leaf is null as is_pruned from log_leaves where tenant_id = ${tenantId} and leaf_id = any(${arrayLiteral(leafIds)}::bigint[])`,
  );
  return new Map(rows.map((row) => [Number(row.leaf_id), { idx: row.idx === null ? null : Number(row.idx), isPruned: row.is_pruned }]));
}
