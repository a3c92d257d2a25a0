/**
 * Closing requests and sessions by hand: a requester (or an admin) cancels a pending request; a
 * requester or an admin ends a session; an admin revokes one. Ending a session revokes the sudo
 * grants made in it and cancels the sudo requests and extensions still pending in it.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { isAdmin, requireAdmin, requireUser } from '../auth/scope.js';
import { accessSessions, approvals, type AccessSessionRow, type ApprovalRow } from '../db/tables/index.js';
import { BadInput, Conflict, NotFound } from '../errors.js';
import type { TransactionContext } from '../service-context.js';
import { parseInput } from '../validation.js';
import { notifyRequester } from './approval-notifications.js';
import { accessSessionSnapshot, approvalSnapshot, lockAccessSession, lockApproval } from './approval-records.js';
import { closeRequestedSession } from './decide-approval.js';
import { directSessionsToEnd } from '../directives/issue-directives.js';
import { revokeSessionGrants } from './grants.js';
import { reasonSchema } from './request-access.js';
import { WorkflowRecord } from './workflow-record.js';

export async function cancelApproval(ctx: TransactionContext, approvalId: string, reason?: string | null): Promise<ApprovalRow> {
  const actor = requireUser(ctx.actor);
  const cancelReason = reason == null || reason.trim() === '' ? null : parseInput(reasonSchema, reason, 'reason');
  const approval = await lockApproval(ctx.db, actor.tenantId, approvalId);
  if (approval.requesterId !== actor.userId && !isAdmin(actor)) {
    // Another person's request stays invisible to someone who may not see it.
    throw new NotFound('Approval', approvalId);
  }
  if (approval.status !== 'pending')
    throw new Conflict(`This request is ${approval.status}; only a pending request can be cancelled`, { status: approval.status });
  const record = new WorkflowRecord();
  const cancelled = await closeApproval(ctx, approval, 'cancelled', { closedById: actor.userId, cancelReason }, record);
  await record.write(ctx);
  return cancelled;
}

/** Closes a pending request without a decision (cancelled by someone, or expired undecided). */
export async function closeApproval(
  ctx: TransactionContext,
  approval: ApprovalRow,
  status: 'cancelled' | 'expired',
  facts: { closedById: string | null; cancelReason: string | null },
  record: WorkflowRecord,
): Promise<ApprovalRow> {
  const [closed] = await ctx.db
    .update(approvals)
    .set({ status, closedAt: ctx.clock.now(), closedById: facts.closedById, cancelReason: facts.cancelReason })
    .where(and(eq(approvals.tenantId, approval.tenantId), eq(approvals.id, approval.id)))
    .returning();
  record.add(
    {
      action: status === 'cancelled' ? 'approval.cancelled' : 'approval.expired',
      resource: { type: 'approval', id: approval.id },
      before: approvalSnapshot(approval),
      after: approvalSnapshot(closed!),
      activityDetails: { approvalId: approval.id, kind: approval.kind, reason: facts.cancelReason },
    },
    { type: 'approval.decided', tenantId: approval.tenantId, approvalId: approval.id, requesterId: approval.requesterId, status },
  );
  if (approval.kind === 'access') await closeRequestedSession(ctx, approval, status, record);
  if (facts.closedById !== approval.requesterId) await notifyRequester(ctx, closed!);
  return closed!;
}

type SessionEnd = 'ended' | 'revoked' | 'expired';

/** Closes a session that was in force (or scheduled), with everything granted in it. */
export async function closeSessionInForce(
  ctx: TransactionContext,
  session: AccessSessionRow,
  status: SessionEnd,
  reason: string | null,
  record: WorkflowRecord,
): Promise<AccessSessionRow> {
  const now = ctx.clock.now();
  const endedAt = status === 'expired' && session.expiresAt ? session.expiresAt : now;
  const [closed] = await ctx.db
    .update(accessSessions)
    .set({ status, endedAt, endedById: ctx.actor.type === 'user' ? ctx.actor.userId : null, endReason: reason })
    .where(and(eq(accessSessions.tenantId, session.tenantId), eq(accessSessions.id, session.id)))
    .returning();
  record.add(
    {
      action: `access_session.${status}`,
      resource: { type: 'access_session', id: session.id },
      before: accessSessionSnapshot(session),
      after: accessSessionSnapshot(closed!),
      activityDetails: { accessSessionId: session.id, requesterId: session.requesterId, reason },
    },
    { type: 'access_session.changed', tenantId: session.tenantId, accessSessionId: session.id, requesterId: session.requesterId, status },
  );
  // The shells and grants it allowed end with it: their agents are told (server/directives/).
  const facts = { cause: `access_session.${status}` as const, reason };
  await directSessionsToEnd(ctx, { accessSessionId: session.id }, facts);
  await revokeSessionGrants(ctx, session.id, record, facts);
  const pendingInSession = await ctx.db
    .select()
    .from(approvals)
    .where(
      and(
        eq(approvals.tenantId, session.tenantId),
        eq(approvals.accessSessionId, session.id),
        inArray(approvals.kind, ['sudo', 'extension']),
        eq(approvals.status, 'pending'),
      ),
    )
    .for('update');
  for (const approval of pendingInSession) {
    await closeApproval(ctx, approval, 'cancelled', { closedById: null, cancelReason: `access session ${status}` }, record);
  }
  return closed!;
}

const IN_FORCE = ['approved', 'active'];

async function lockSessionInForce(ctx: TransactionContext, sessionId: string, verb: string): Promise<AccessSessionRow> {
  const session = await lockAccessSession(ctx.db, ctx.actor.tenantId, sessionId);
  if (!IN_FORCE.includes(session.status)) {
    throw new Conflict(`This access session is ${session.status}; only an approved or active session can be ${verb}`, { status: session.status });
  }
  return session;
}

/** The requester ends their own session; an admin ends anyone's, saying why. */
export async function endAccessSession(ctx: TransactionContext, sessionId: string, reason?: string | null): Promise<AccessSessionRow> {
  const actor = requireUser(ctx.actor);
  const given = reason == null || reason.trim() === '' ? null : parseInput(reasonSchema, reason, 'reason');
  const current = await lockAccessSession(ctx.db, actor.tenantId, sessionId);
  const isOwn = current.requesterId === actor.userId;
  // Another person's session stays invisible to someone who may not see it.
  if (!isOwn && !isAdmin(actor)) throw new NotFound('Access session', sessionId);
  if (!isOwn && !given) throw new BadInput('reason', "reason: ending another person's session needs a reason");
  const session = await lockSessionInForce(ctx, sessionId, 'ended');
  const record = new WorkflowRecord();
  const closed = await closeSessionInForce(ctx, session, 'ended', given, record);
  await record.write(ctx);
  return closed;
}

export async function revokeAccessSession(ctx: TransactionContext, sessionId: string, reason: string): Promise<AccessSessionRow> {
  requireAdmin(ctx.actor);
  const given = parseInput(reasonSchema, reason, 'reason');
  const session = await lockSessionInForce(ctx, sessionId, 'revoked');
  const record = new WorkflowRecord();
  const closed = await closeSessionInForce(ctx, session, 'revoked', given, record);
  await record.write(ctx);
  return closed;
}
