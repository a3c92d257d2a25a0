/**
 * Deciding a request: one function for the API and the chat bots. The approval row is locked
 * first, so decisions on one request take turns: two approvers clicking at once under a
 * one-approval policy leave one decision and a CONFLICT that names it. A reviewer repeating their
 * own decision (a retried click) gets the request back unchanged.
 */
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { requestServersOf, requireUser, type RowServers } from '../auth/scope.js';
import type { Executor } from '../db/database.js';
import { accessSessions, approvalDecisions, approvals, users, type ApprovalRow, type Decision } from '../db/tables/index.js';
import { BadInput, Conflict, Forbidden } from '../errors.js';
import { recordTotpFailure, verifyTotpCode, WrongTotpCode } from '../identity/totp.js';
import { getUser } from '../identity/users.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { newId } from '../ids.js';
import { inTransaction, type ServiceContext, type TransactionContext } from '../service-context.js';
import { parseInput } from '../validation.js';
import { notifyRequester } from './approval-notifications.js';
import { chatDecisionRefusal } from './chat-approval.js';
import { accessSessionSnapshot, approvalSnapshot, decisionSnapshot, lockAccessSession, lockApproval } from './approval-records.js';
import { putIntoForce } from './grants.js';
import { WorkflowRecord } from './workflow-record.js';
import { rowsByIds } from '../db/rows-by-ids.js';
import { approverOnCallFacts, askBeforeDeciding, reviewAsOnCall } from '../oncall/on-call-review.js';

const justificationSchema = z.string().trim().max(2000, 'must be at most 2000 characters').nullish();

export interface DecideInput {
  decision: Decision;
  justification?: string | null;
  /** The approver's current TOTP code, for a chat decision under a STEP_UP policy. */
  totpCode?: string | null;
}

/** What a decision made in chat needs beyond the request's own facts. */
export interface DecideOptions {
  /** Opens the approver's TOTP secret for a step-up check. */
  readonly secretBox?: SecretBox;
}

const CHAT_CHANNELS: readonly string[] = ['slack', 'teams'];

/**
 * A click in chat skips the MFA of a web sign-in, so the request's chat-approval rule (copied from
 * its policy) decides: DISABLED refuses it, STEP_UP asks for a TOTP code that verifies, once.
 */
async function checkChatDecision(ctx: TransactionContext, approval: ApprovalRow, input: DecideInput, options: DecideOptions): Promise<void> {
  if (!CHAT_CHANNELS.includes(ctx.request?.channel ?? 'api')) return;
  const refusal = chatDecisionRefusal(approval);
  if (refusal) throw new Forbidden(`${refusal.reason}: decide it in Vigil`, refusal.details);
  if (approval.chatApproval === 'step_up') {
    const policy = approval.policyName ? `The policy ${approval.policyName}` : 'Vigil';
    if (!input.totpCode) throw new Forbidden(`${policy} asks for your authenticator code to decide in chat`, { chatApproval: 'STEP_UP' });
    if (!options.secretBox) throw new Error('A step-up decision needs the secret box');
    await verifyTotpCode(ctx, options.secretBox, (ctx.actor as { userId: string }).userId, input.totpCode);
  }
}

/** A CONFLICT saying who closed the request and when (deciding it again changes nothing). */
async function alreadyClosed(db: Executor, approval: ApprovalRow): Promise<Conflict> {
  const closer = approval.closedById ? await getUser(db, approval.tenantId, approval.closedById) : undefined;
  const by = closer?.email ?? (approval.isAutoApproved ? 'policy' : 'Vigil');
  const when = approval.closedAt?.toISOString();
  const verb = { approved: 'approved', denied: 'denied', cancelled: 'cancelled', expired: 'expired', pending: 'pending' }[approval.status];
  const message = approval.status === 'expired' ? `This request expired undecided at ${when}` : `This request was already ${verb} by ${by} at ${when}`;
  return new Conflict(message, { status: approval.status, decidedBy: closer?.email ?? null, decidedById: approval.closedById, decidedAt: when ?? null });
}

/** Where a request is, for a reviewer who may decide for some servers only (requestServersOf). */
async function serversOfRequest(db: Executor, approval: ApprovalRow): Promise<RowServers> {
  const [session] = await db
    .select({ serverIds: accessSessions.serverIds, serverLabels: accessSessions.serverLabels })
    .from(accessSessions)
    .where(and(eq(accessSessions.tenantId, approval.tenantId), eq(accessSessions.id, approval.accessSessionId)));
  return requestServersOf(approval, session);
}

export async function decideApproval(ctx: TransactionContext, approvalId: string, input: DecideInput, options: DecideOptions = {}): Promise<ApprovalRow> {
  const actor = requireUser(ctx.actor);
  const justification = parseInput(justificationSchema, input.justification, 'justification') || null;
  const approval = await lockApproval(ctx.db, actor.tenantId, approvalId);
  const [reviewer] = await ctx.db
    .select({ groups: users.groups })
    .from(users)
    .where(and(eq(users.tenantId, actor.tenantId), eq(users.id, actor.userId)));
  const review = await reviewAsOnCall(ctx, actor, reviewer?.groups ?? [], { ...approval, servers: await serversOfRequest(ctx.db, approval) });
  if (review.refusal) throw new Forbidden(review.refusal, review.details);

  const [earlier] = await ctx.db
    .select()
    .from(approvalDecisions)
    .where(and(eq(approvalDecisions.tenantId, actor.tenantId), eq(approvalDecisions.approvalId, approvalId), eq(approvalDecisions.approverId, actor.userId)));
  if (earlier) {
    if (earlier.decision === input.decision) return approval;
    throw new Conflict(`You already ${earlier.decision} this request at ${earlier.decidedAt.toISOString()}`, {
      status: approval.status,
      decision: earlier.decision,
      decidedAt: earlier.decidedAt.toISOString(),
    });
  }
  if (approval.status !== 'pending') throw await alreadyClosed(ctx.db, approval);
  await checkChatDecision(ctx, approval, input, options);
  if (input.decision === 'denied' && !justification) throw new BadInput('justification', 'justification: a denial needs a justification');
  if (input.decision === 'approved' && approval.isApprovalJustificationRequired && !justification) {
    throw new BadInput('justification', `justification: the policy ${approval.policyName} asks approvers for a justification`);
  }

  const now = ctx.clock.now();
  const [decision] = await ctx.db
    .insert(approvalDecisions)
    .values({
      tenantId: actor.tenantId,
      id: newId(),
      approvalId,
      approverId: actor.userId,
      decision: input.decision,
      justification,
      channel: ctx.request?.channel ?? 'api',
      chatUserId: ctx.request?.chatUserId ?? null,
      decidedAt: now,
    })
    .returning();
  const approvalsSoFar = await ctx.db
    .select({ id: approvalDecisions.id })
    .from(approvalDecisions)
    .where(and(eq(approvalDecisions.tenantId, actor.tenantId), eq(approvalDecisions.approvalId, approvalId), eq(approvalDecisions.decision, 'approved')));
  // Any denial closes the request; approvals close it once enough distinct reviewers agree.
  const status = input.decision === 'denied' ? 'denied' : approvalsSoFar.length >= approval.requiredApprovals ? 'approved' : 'pending';

  // Still pending (more approvals needed): the request row itself does not change.
  const [updated] =
    status === 'pending'
      ? [approval]
      : await ctx.db
          .update(approvals)
          .set({ status, closedAt: now, closedById: actor.userId })
          .where(and(eq(approvals.tenantId, actor.tenantId), eq(approvals.id, approvalId)))
          .returning();
  const record = new WorkflowRecord();
  record.add(
    {
      action: 'approval.decided',
      resource: { type: 'approval', id: approvalId },
      before: approvalSnapshot(approval),
      after: {
        ...approvalSnapshot(updated!),
        decision: decisionSnapshot(decision!),
        approvalsReceived: approvalsSoFar.length,
        ...approverOnCallFacts(review.onCallFor),
      },
      activityDetails: {
        approvalId,
        kind: approval.kind,
        decision: input.decision,
        status,
        channel: decision!.channel,
        approvalsReceived: approvalsSoFar.length,
        approvalsRequired: approval.requiredApprovals,
        ...approverOnCallFacts(review.onCallFor),
      },
    },
    { type: 'approval.decided', tenantId: actor.tenantId, approvalId, requesterId: approval.requesterId, status },
  );
  let result = updated!;
  if (status === 'approved') result = (await putIntoForce(ctx, updated!, actor.userId, record)).approval;
  if (status === 'denied' && approval.kind === 'access') await closeRequestedSession(ctx, approval, 'denied', record);
  if (status !== 'pending') await notifyRequester(ctx, result);
  await record.write(ctx);
  return result;
}

/**
 * decideApproval in a transaction of its own. A wrong step-up code rolls the decision back, and is
 * then counted against the approver, so guessing codes from chat runs out (server/identity/totp.ts).
 */
export async function decideApprovalCountingCodes(
  ctx: ServiceContext,
  approvalId: string,
  input: DecideInput,
  options: DecideOptions = {},
): Promise<ApprovalRow> {
  try {
    const [unlocked] = await rowsByIds(ctx.db, approvals, ctx.actor.tenantId, [approvalId]);
    if (unlocked) await askBeforeDeciding(ctx, ctx.db, unlocked);
    return await inTransaction(ctx, (tx) => decideApproval(tx, approvalId, input, options));
  } catch (error) {
    if (error instanceof WrongTotpCode) await recordTotpFailure(ctx.db, ctx.actor.tenantId, error.userId, ctx.clock.now());
    throw error;
  }
}

/** The pending session of an access request that will not go ahead (denied, cancelled, expired). */
export async function closeRequestedSession(
  ctx: TransactionContext,
  approval: ApprovalRow,
  status: 'denied' | 'cancelled' | 'expired',
  record: WorkflowRecord,
): Promise<void> {
  const session = await lockAccessSession(ctx.db, approval.tenantId, approval.accessSessionId);
  if (session.status !== 'pending') return;
  const [closed] = await ctx.db
    .update(accessSessions)
    .set({ status, endedAt: ctx.clock.now() })
    .where(and(eq(accessSessions.tenantId, session.tenantId), eq(accessSessions.id, session.id)))
    .returning();
  record.events.push({ type: 'access_session.changed', tenantId: session.tenantId, accessSessionId: session.id, requesterId: session.requesterId, status });
  record.changes.push({
    action: 'access_session.closed',
    resource: { type: 'access_session', id: session.id },
    before: accessSessionSnapshot(session),
    after: accessSessionSnapshot(closed!),
  });
}
