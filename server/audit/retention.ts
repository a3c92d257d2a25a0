/**
 * Retention: per tenant and per kind of record, rows older than N days are deleted, in bounded
 * batches, by a job every instance may run (deletes are idempotent; a batch another instance
 * holds is waited for, then found gone).
 *
 * Deleted records keep their place in the verifiable log: their leaves lose their text but keep
 * their hashes, and a retention statement in the log says what was dropped
 * (server/log/retention-statements.ts), so every checkpoint still verifies and a deletion that no
 * policy made is told apart. A record still referenced by a newer one (a terminal session with
 * newer commands, an access session with newer events) is kept until its last reference goes.
 */
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { queryRows, type Database } from '../db/database.js';
import { auditChainHeads, retentionPolicies } from '../db/tables/index.js';
import type { Disposable } from '../disposable.js';
import { startPeriodicJob } from '../periodic-job.js';
import type { Logger } from '../logger.js';
import type { TransactionContext } from '../service-context.js';
import { parseInput } from '../validation.js';
import { arrayLiteral } from '../db/bulk-insert.js';
import { catchUpLog, integrateAfterCommit } from '../log/log-registry.js';
import { LEAF_KINDS, tableNameOf } from '../log/leaf-kinds.js';
import { appendRetentionStatement, pruneLeaves } from '../log/retention-statements.js';
import { pruneAuthorizationChanges } from '../approvals/authorization-epoch.js';
import { appendAuditEntries } from './append-entries.js';
import { recordChange } from './record-change.js';

export const RETENTION_KINDS = [
  'audit_log',
  'activity_log',
  'commands',
  'terminal_sessions',
  'terminal_recordings',
  'desktop_recordings',
  'file_transfers',
  'system_logs',
  'sudo_authorizations',
  'access_sessions',
] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];

const BATCH = 5000;

interface RecordKind {
  readonly table: string;
  readonly time: string;
  readonly keptBy: string[];
  /** Rows per delete statement, when a row brings a lot with it (a recording's chunks). */
  readonly batch?: number;
}

/** Table, time column and the references that keep a row, by kind. */
const RECORD_KINDS: Record<Exclude<RetentionKind, 'audit_log'>, RecordKind> = {
  activity_log: { table: 'activity_log', time: 'occurred_at', keptBy: [] },
  commands: { table: 'commands', time: 'submitted_at', keptBy: [] },
  terminal_sessions: { table: 'terminal_sessions', time: 'started_at', keptBy: ['commands.terminal_session_id', 'terminal_recordings.terminal_session_id'] },
  terminal_recordings: { table: 'terminal_recordings', time: 'started_at', keptBy: [], batch: 20 },
  desktop_recordings: { table: 'desktop_recordings', time: 'started_at', keptBy: [], batch: 20 },
  file_transfers: { table: 'file_transfers', time: 'occurred_at', keptBy: [] },
  system_logs: { table: 'system_logs', time: 'logged_at', keptBy: [] },
  sudo_authorizations: { table: 'sudo_authorizations', time: 'granted_at', keptBy: [] },
  access_sessions: {
    table: 'access_sessions',
    time: 'requested_at',
    keptBy: ['commands.access_session_id', 'terminal_sessions.access_session_id', 'file_transfers.access_session_id', 'sudo_authorizations.access_session_id'],
  },
};

const policyInput = z.object({ kind: z.enum(RETENTION_KINDS), days: z.number().int().min(1, 'must be at least 1').max(36_500).nullable() });

/** Sets (or, with null days, clears) a tenant's retention for one kind. */
export async function setRetentionPolicy(ctx: TransactionContext, input: { kind: RetentionKind; days: number | null }): Promise<void> {
  const { kind, days } = parseInput(policyInput, input);
  const [before] = await ctx.db
    .select()
    .from(retentionPolicies)
    .where(and(eq(retentionPolicies.tenantId, ctx.actor.tenantId), eq(retentionPolicies.kind, kind)));
  if (days === null) {
    await ctx.db.delete(retentionPolicies).where(and(eq(retentionPolicies.tenantId, ctx.actor.tenantId), eq(retentionPolicies.kind, kind)));
  } else {
    await ctx.db
      .insert(retentionPolicies)
      .values({ tenantId: ctx.actor.tenantId, kind, days })
      .onConflictDoUpdate({ target: [retentionPolicies.tenantId, retentionPolicies.kind], set: { days, updatedAt: ctx.clock.now() } });
  }
  await recordChange(ctx, {
    action: 'retention.changed',
    resource: { type: 'retention_policy', id: kind, name: kind },
    before: before ? { kind, days: before.days } : null,
    after: days === null ? null : { kind, days },
  });
}

export async function listRetentionPolicies(db: Database, tenantId: string): Promise<{ kind: string; days: number }[]> {
  return db.select({ kind: retentionPolicies.kind, days: retentionPolicies.days }).from(retentionPolicies).where(eq(retentionPolicies.tenantId, tenantId));
}

/** Applies every tenant's policies once; returns rows deleted by tenant and kind. */
export async function applyRetention(db: Database, clock: Clock): Promise<{ tenantId: string; kind: string; deleted: number }[]> {
  const policies = await db.select().from(retentionPolicies);
  const results: { tenantId: string; kind: string; deleted: number }[] = [];
  for (const policy of policies) {
    const cutoff = new Date(clock.now().getTime() - policy.days * 86_400_000);
    const deleted =
      policy.kind === 'audit_log'
        ? await cutAuditLog(db, policy.tenantId, cutoff, policy.days)
        : await deleteOldRecords(
            db,
            policy.tenantId,
            policy.kind as RetentionKind,
            RECORD_KINDS[policy.kind as Exclude<RetentionKind, 'audit_log'>],
            cutoff,
            policy.days,
          );
    if (deleted > 0) {
      await db.transaction((tx) =>
        appendAuditEntries(tx, policy.tenantId, [
          {
            occurredAt: clock.now(),
            actorType: 'system',
            actorId: 'retention',
            action: 'retention.applied',
            resourceType: policy.kind,
            after: { kind: policy.kind, days: policy.days, olderThan: cutoff.toISOString(), deleted },
          },
        ]),
      );
    }
    if (deleted > 0) await integrateAfterCommit(db, policy.tenantId);
    results.push({ tenantId: policy.tenantId, kind: policy.kind, deleted });
  }
  return results;
}

async function deleteOldRecords(db: Database, tenantId: string, retentionKind: RetentionKind, kind: RecordKind, cutoff: Date, days: number): Promise<number> {
  const table = sql.identifier(kind.table);
  const time = sql.identifier(kind.time);
  const kept = kind.keptBy.map((reference) => {
    const [referencing, column] = reference.split('.') as [string, string];
    return sql` and not exists (select 1 from ${sql.identifier(referencing)} r where r.tenant_id = t.tenant_id and r.${sql.identifier(column)} = t.id)`;
  });
  // Commands take their status history with them, recordings their chunks.
  const children =
    kind.table === 'commands'
      ? {
          leafKind: 'command_status_change',
          cte: sql`delete from command_status_changes h using doomed where h.tenant_id = ${tenantId} and h.command_id = doomed.id returning h.id::text as id`,
        }
      : kind.table === 'terminal_recordings'
        ? {
            leafKind: 'recording_chunk',
            cte: sql`delete from terminal_recording_chunks c using doomed where c.tenant_id = ${tenantId} and c.recording_id = doomed.id returning c.recording_id::text || ':' || c.seq::text as id`,
          }
        : kind.table === 'desktop_recordings'
          ? {
              leafKind: 'desktop_recording_chunk',
              cte: sql`delete from desktop_recording_chunks c using doomed where c.tenant_id = ${tenantId} and c.recording_id = doomed.id returning c.recording_id::text || ':' || c.seq::text as id`,
            }
          : undefined;
  const leafKind = LEAF_KINDS.find((leaf) => tableNameOf(leaf) === kind.table)!.kind;
  const batch = kind.batch ?? BATCH;
  // Only placed leaves can lose their text (a queued one has no position for the statement to
  // name): the queue is placed first, and a record whose leaf is queued since waits for the next run.
  await catchUpLog(db, tenantId);
  let total = 0;
  for (;;) {
    // Each batch drops its records' leaf text and says so in the log, in one transaction.
    const count = await db.transaction(async (tx) => {
      const [row] = await queryRows<{ ids: string[]; child_ids: string[] }>(
        tx,
        sql`with doomed as (
              select t.id from ${table} t
              where t.tenant_id = ${tenantId} and t.${time} < ${cutoff.toISOString()}::timestamptz${sql.join(kept, sql``)}
                and not exists (select 1 from log_leaves l where l.tenant_id = t.tenant_id and l.record_id = t.id::text and l.idx is null)
              limit ${batch}
            ), children as (${children?.cte ?? sql`select null::text as id where false`}), gone as (
              delete from ${table} t using doomed where t.tenant_id = ${tenantId} and t.id = doomed.id returning t.id::text as id
            )
            select (select coalesce(array_agg(id), '{}') from gone) as ids, (select coalesce(array_agg(id), '{}') from children) as child_ids`,
      );
      const pruned = [
        await pruneLeaves(tx, tenantId, leafKind, row?.ids ?? []),
        children ? await pruneLeaves(tx, tenantId, children.leafKind, row?.child_ids ?? []) : null,
      ];
      for (const leaves of pruned) if (leaves) await appendRetentionStatement(tx, tenantId, leaves, { kind: retentionKind, days, olderThan: cutoff });
      return row?.ids.length ?? 0;
    });
    total += count;
    if (count < batch) return total;
  }
}

/**
 * Cuts the audit log's linear chain before the newest entry older than the cutoff: the chain's
 * start moves past it (start_seq, start_hash), so what remains still verifies from there; the
 * entries' leaves keep their hashes, so the verifiable log proves the cut point.
 */
async function cutAuditLog(db: Database, tenantId: string, cutoff: Date, days: number): Promise<number> {
  let total = 0;
  for (;;) {
    const count = await db.transaction(async (tx) => {
      const [head] = await tx.select().from(auditChainHeads).where(eq(auditChainHeads.tenantId, tenantId)).for('update');
      const doomed = await queryRows<{ id: string; seq: string | number; hash: string }>(
        tx,
        // Policy changes stay: the log's retention statements rest on them (server/log/retention-statements.ts).
        sql`select id::text as id, seq, hash from audit_entries where tenant_id = ${tenantId} and seq is not null and occurred_at < ${cutoff.toISOString()}::timestamptz
            and action <> 'retention.changed' and seq < (select max(seq) from audit_entries where tenant_id = ${tenantId}) order by seq limit ${BATCH}`,
      );
      if (!head || doomed.length === 0) return 0;
      const last = doomed.at(-1)!;
      await tx
        .update(auditChainHeads)
        .set({ startSeq: Number(last.seq) + 1, startHash: last.hash })
        .where(eq(auditChainHeads.tenantId, tenantId));
      const ids = doomed.map((row) => row.id);
      await tx.execute(sql`delete from audit_entries where tenant_id = ${tenantId} and id = any(${arrayLiteral(ids)}::uuid[])`);
      const pruned = await pruneLeaves(tx, tenantId, 'audit_entry', ids);
      if (pruned) await appendRetentionStatement(tx, tenantId, pruned, { kind: 'audit_log', days, olderThan: cutoff });
      return ids.length;
    });
    total += count;
    if (count < BATCH) return total;
  }
}

export function startRetention(options: { db: Database; clock: Clock; logger: Logger; intervalMs: number }): Disposable {
  return startPeriodicJob({
    name: 'retention',
    intervalMs: options.intervalMs,
    logger: options.logger,
    async work() {
      const deleted = (await applyRetention(options.db, options.clock)).filter((result) => result.deleted > 0);
      if (deleted.length > 0) options.logger.info({ deleted }, 'retention applied');
      // Bookkeeping, not records: old authorization changes go without a retention policy.
      await pruneAuthorizationChanges(options.db, options.clock.now());
    },
  });
}
