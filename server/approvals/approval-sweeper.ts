/**
 * Time bounds of the approval workflow, enforced by a sweeper every instance runs: requests not
 * decided by their deadline expire; scheduled sessions start at their start time; sessions in
 * force expire at their end, taking their sudo grants and pending sudo requests with them. Rows
 * are claimed with SKIP LOCKED, tenant by tenant, so instances sweeping at once never close the
 * same row twice and a row being decided is left for the next sweep. Vigil acts as the system
 * actor `approval-sweeper`, through the same functions people use.
 */
import { integrateAfterCommit } from '../log/log-registry.js';
import { and, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import { queryRows, type Database } from '../db/database.js';
import { accessSessions, approvals } from '../db/tables/index.js';
import type { Disposable } from '../disposable.js';
import type { Logger } from '../logger.js';
import { startPeriodicJob } from '../periodic-job.js';
import type { TransactionContext } from '../service-context.js';
import { accessSessionSnapshot, lockRequest } from './approval-records.js';
import { closeApproval, closeSessionInForce } from './access-session-lifecycle.js';
import { WorkflowRecord } from './workflow-record.js';

const BATCH_SIZE = 200;

export interface SweepCounts {
  expiredRequests: number;
  startedSessions: number;
  expiredSessions: number;
}

/** Sweeps every tenant, or only `scope.tenantId` (the demo sweeps its own tenant on its own clock). */
export async function sweepApprovals(db: Database, clock: Clock, scope: { tenantId?: string } = {}): Promise<SweepCounts> {
  const now = clock.now();
  const totals: SweepCounts = { expiredRequests: 0, startedSessions: 0, expiredSessions: 0 };
  const onlyTenant = scope.tenantId ? sql`t.id = ${scope.tenantId} and` : sql``;
  // One probe per tenant, each through an index that leads with tenant_id.
  const tenants = await queryRows<{ id: string }>(
    db,
    sql`select t.id from tenants t
        where ${onlyTenant} (exists (select 1 from approvals a where a.tenant_id = t.id and a.status = 'pending' and a.decide_by <= ${now.toISOString()}::timestamptz)
           or exists (select 1 from access_sessions s where s.tenant_id = t.id and s.status in ('approved', 'active')
                        and (s.expires_at <= ${now.toISOString()}::timestamptz or (s.status = 'approved' and s.starts_at <= ${now.toISOString()}::timestamptz))))`,
  );
  for (const { id: tenantId } of tenants) {
    for (;;) {
      const counts = await sweepTenant(db, clock, tenantId, now);
      totals.expiredRequests += counts.expiredRequests;
      totals.startedSessions += counts.startedSessions;
      totals.expiredSessions += counts.expiredSessions;
      if (Math.max(counts.expiredRequests, counts.startedSessions, counts.expiredSessions) < BATCH_SIZE) break;
    }
  }
  return totals;
}

async function sweepTenant(db: Database, clock: Clock, tenantId: string, now: Date): Promise<SweepCounts> {
  const swept = await db.transaction(async (tx) => {
    const ctx: TransactionContext = { db: tx, clock, actor: { type: 'system', tenantId, name: 'approval-sweeper' } };
    const record = new WorkflowRecord();
    const counts: SweepCounts = { expiredRequests: 0, startedSessions: 0, expiredSessions: 0 };

    const ending = await tx
      .select()
      .from(accessSessions)
      .where(and(eq(accessSessions.tenantId, tenantId), inArray(accessSessions.status, ['approved', 'active']), lte(accessSessions.expiresAt, now)))
      .limit(BATCH_SIZE)
      .for('update', { skipLocked: true });
    for (const session of ending) await closeSessionInForce(ctx, session, 'expired', null, record);
    counts.expiredSessions = ending.length;

    const starting = await tx
      .select()
      .from(accessSessions)
      .where(
        and(eq(accessSessions.tenantId, tenantId), eq(accessSessions.status, 'approved'), lte(accessSessions.startsAt, now), gt(accessSessions.expiresAt, now)),
      )
      .limit(BATCH_SIZE)
      .for('update', { skipLocked: true });
    for (const session of starting) {
      const [started] = await tx
        .update(accessSessions)
        .set({ status: 'active' })
        .where(and(eq(accessSessions.tenantId, tenantId), eq(accessSessions.id, session.id)))
        .returning();
      record.add(
        {
          action: 'access_session.started',
          resource: { type: 'access_session', id: session.id },
          before: accessSessionSnapshot(session),
          after: accessSessionSnapshot(started!),
        },
        { type: 'access_session.changed', tenantId, accessSessionId: session.id, requesterId: session.requesterId, status: 'active' },
      );
    }
    counts.startedSessions = starting.length;

    const due = await tx
      .select({ id: approvals.id })
      .from(approvals)
      .where(and(eq(approvals.tenantId, tenantId), eq(approvals.status, 'pending'), lte(approvals.decideBy, now)))
      .limit(BATCH_SIZE);
    for (const { id } of due) {
      const locked = await lockRequest(tx, tenantId, id, { skipLocked: true });
      if (locked?.approval.status !== 'pending') continue;
      await closeApproval(ctx, locked.approval, 'expired', { closedById: null, cancelReason: null }, record);
      counts.expiredRequests += 1;
    }

    await record.write(ctx);
    return counts;
  });
  if (swept.expiredRequests + swept.startedSessions + swept.expiredSessions > 0) await integrateAfterCommit(db, tenantId);
  return swept;
}

/** Sweeps every `intervalMs` until disposed. */
export function startApprovalSweeper(options: { db: Database; clock: Clock; logger: Logger; intervalMs: number }): Disposable {
  return startPeriodicJob({
    name: 'approval sweep',
    intervalMs: options.intervalMs,
    logger: options.logger,
    async work() {
      const counts = await sweepApprovals(options.db, options.clock);
      if (counts.expiredRequests + counts.startedSessions + counts.expiredSessions > 0) options.logger.info(counts, 'approval workflow swept');
    },
  });
}
