/**
 * Retention: per tenant and per kind of record, rows older than N days are deleted, in bounded
 * batches, by a job every instance may run (deletes are idempotent; a batch another instance
 * holds is waited for, then found gone).
 *
 * The audit log is cut only at a signed checkpoint: the chain's start moves to the checkpoint
 * (start_seq = its seq + 1, start_hash = its head hash) before older entries are deleted, so the
 * remaining chain still verifies from a signed point, and an interrupted run leaves nothing that
 * verification would miss. A record still referenced by a newer one (a terminal session with
 * newer commands, an access session with newer events) is kept until its last reference goes.
 */
import { and, desc, eq, lte, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { queryRows, type Database } from '../db/database.js';
import { auditChainHeads, auditCheckpoints, retentionPolicies } from '../db/tables/index.js';
import type { Disposable } from '../disposable.js';
import { startPeriodicJob } from '../periodic-job.js';
import type { Logger } from '../logger.js';
import type { TransactionContext } from '../service-context.js';
import { parseInput } from '../validation.js';
import { appendAuditEntries } from './append-entries.js';
import { recordChange } from './record-change.js';

export const RETENTION_KINDS = [
  'audit_log',
  'activity_log',
  'commands',
  'terminal_sessions',
  'terminal_recordings',
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
        ? await cutAuditLog(db, policy.tenantId, cutoff)
        : await deleteOldRecords(db, policy.tenantId, RECORD_KINDS[policy.kind as Exclude<RetentionKind, 'audit_log'>], cutoff);
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
    results.push({ tenantId: policy.tenantId, kind: policy.kind, deleted });
  }
  return results;
}

async function deleteOldRecords(db: Database, tenantId: string, kind: RecordKind, cutoff: Date): Promise<number> {
  const table = sql.identifier(kind.table);
  const time = sql.identifier(kind.time);
  const kept = kind.keptBy.map((reference) => {
    const [referencing, column] = reference.split('.') as [string, string];
    return sql` and not exists (select 1 from ${sql.identifier(referencing)} r where r.tenant_id = t.tenant_id and r.${sql.identifier(column)} = t.id)`;
  });
  // Commands take their status history with them, recordings their chunks.
  const history =
    kind.table === 'commands'
      ? sql`, history as (delete from command_status_changes h using doomed where h.tenant_id = ${tenantId} and h.command_id = doomed.id)`
      : kind.table === 'terminal_recordings'
        ? sql`, chunks as (delete from terminal_recording_chunks c using doomed where c.tenant_id = ${tenantId} and c.recording_id = doomed.id)`
        : sql``;
  const batch = kind.batch ?? BATCH;
  let total = 0;
  for (;;) {
    const [row] = await queryRows<{ count: number }>(
      db,
      sql`with doomed as (
            select t.id from ${table} t
            where t.tenant_id = ${tenantId} and t.${time} < ${cutoff.toISOString()}::timestamptz${sql.join(kept, sql``)}
            limit ${batch}
          )${history}, gone as (
            delete from ${table} t using doomed where t.tenant_id = ${tenantId} and t.id = doomed.id returning 1
          )
          select count(*)::int as count from gone`,
    );
    total += row?.count ?? 0;
    if ((row?.count ?? 0) < batch) return total;
  }
}

async function cutAuditLog(db: Database, tenantId: string, cutoff: Date): Promise<number> {
  const newStart = await db.transaction(async (tx) => {
    const [head] = await tx.select().from(auditChainHeads).where(eq(auditChainHeads.tenantId, tenantId)).for('update');
    const [oldest] = await queryRows<{ seq: number | null }>(
      tx,
      sql`select max(seq)::int as seq from audit_entries where tenant_id = ${tenantId} and occurred_at < ${cutoff.toISOString()}::timestamptz`,
    );
    if (!head || !oldest?.seq) return head?.startSeq ?? 1;
    const [checkpoint] = await tx
      .select()
      .from(auditCheckpoints)
      .where(and(eq(auditCheckpoints.tenantId, tenantId), lte(auditCheckpoints.seq, oldest.seq)))
      .orderBy(desc(auditCheckpoints.seq))
      .limit(1);
    if (!checkpoint || checkpoint.seq < head.startSeq) return head.startSeq;
    await tx
      .update(auditChainHeads)
      .set({ startSeq: checkpoint.seq + 1, startHash: checkpoint.headHash })
      .where(eq(auditChainHeads.tenantId, tenantId));
    return checkpoint.seq + 1;
  });
  let total = 0;
  for (;;) {
    const [row] = await queryRows<{ count: number }>(
      db,
      sql`with gone as (
            delete from audit_entries where tenant_id = ${tenantId} and seq in (
              select seq from audit_entries where tenant_id = ${tenantId} and seq < ${newStart} order by seq limit ${BATCH})
            returning 1)
          select count(*)::int as count from gone`,
    );
    total += row?.count ?? 0;
    if ((row?.count ?? 0) < BATCH) return total;
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
    },
  });
}

