/**
 * Extending an access session in force: its requester asks for a later end, with a reason. The
 * request is an approval of kind `extension` on the session, so approvers see, decide, time out
 * and cancel it like any other (decide-approval.ts, the sweeper, the chat bots).
 *
 * The policy that governed the session decides, as it reads now: `extensionApproval` says whether
 * the extension is held to its approval rules (AS_REQUEST, the default), goes through at once
 * (NOT_REQUIRED) or is refused (DISABLED); `maxTotalDurationSeconds` (else `maxDurationSeconds`)
 * bounds the session's whole length, start to extended end. A policy retired or disabled since
 * gives way to the one that would govern the same request now, so a stale policy never loosens
 * the rules. One extension waits at a time per session: the end it moves is the one it was asked
 * against, and approvers see one question, not a queue of them.
 *
 * Once approved, the session's end moves (extend-session.ts).
 */
import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { canSeeRow, requireUser } from '../auth/scope.js';
import type { Executor } from '../db/database.js';
import { approvalPolicies, approvals, servers, type AccessSessionRow, type ApprovalPolicyRow, type ExtensionApprovalMode } from '../db/tables/index.js';
import { BadInput, Conflict, Forbidden, NotFound } from '../errors.js';
import { getUser } from '../identity/users.js';
import { newId } from '../ids.js';
import type { TransactionContext } from '../service-context.js';
import { parseId, parseInput } from '../validation.js';
import { DEFAULT_RULES, governingPolicy, rulesOf, type ApprovalRules } from './approval-policies.js';
import { accessSessionSnapshot, lockAccessSession } from './approval-records.js';
import { fileRequest } from './file-request.js';
import type { InForce } from './grants.js';
import { reasonSchema } from './request-access.js';
import { IN_FORCE } from './extend-session.js';

const requestExtensionInput = z.object({
  accessSessionId: z.string(),
  durationMinutes: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(30 * 24 * 60, 'must be at most 30 days'),
  reason: reasonSchema,
});

export type RequestExtensionInput = z.input<typeof requestExtensionInput>;

/** How extending one session is decided, from the policy that governs it. */
export interface ExtensionRules {
  readonly mode: ExtensionApprovalMode;
  /** The longest the session may last in all, start to end; null: no limit beyond a request's. */
  readonly maxTotalSeconds: number | null;
  readonly approval: ApprovalRules;
}

async function sessionPolicy(db: Executor, session: AccessSessionRow): Promise<ApprovalPolicyRow | undefined> {
  if (!session.approvalId) return undefined;
  const [row] = await db
    .select({ policy: approvalPolicies })
    .from(approvals)
    .innerJoin(approvalPolicies, and(eq(approvalPolicies.tenantId, approvals.tenantId), eq(approvalPolicies.id, approvals.policyId)))
    .where(and(eq(approvals.tenantId, session.tenantId), eq(approvals.id, session.approvalId)));
  return row && !row.policy.deletedAt && row.policy.isEnabled ? row.policy : undefined;
}

export async function extensionRules(db: Executor, session: AccessSessionRow): Promise<ExtensionRules> {
  let policy = await sessionPolicy(db, session);
  if (!policy && session.approvalId) {
    const requester = await getUser(db, session.tenantId, session.requesterId);
    const scope = await db
      .select()
      .from(servers)
      .where(and(eq(servers.tenantId, session.tenantId), inArray(servers.id, session.serverIds)));
    policy = await governingPolicy(db, session.tenantId, 'access', requester.groups, scope);
  }
  return {
    mode: policy?.extensionApproval ?? 'as_request',
    maxTotalSeconds: policy ? (policy.maxTotalDurationSeconds ?? policy.maxDurationSeconds) : null,
    approval: policy ? rulesOf(policy) : DEFAULT_RULES,
  };
}

/** The session to extend, locked: the caller's own, in force, with no other extension waiting. */
async function lockSessionToExtend(ctx: TransactionContext, sessionId: string): Promise<AccessSessionRow> {
  const actor = requireUser(ctx.actor);
  const session = await lockAccessSession(ctx.db, actor.tenantId, sessionId);
  if (session.requesterId !== actor.userId) {
    // Another person's session stays invisible to someone who may not see it.
    if (!canSeeRow(actor, 'accessSessions', session.requesterId)) throw new NotFound('Access session', sessionId);
    throw new Forbidden('Only the person who requested an access session may ask to extend it', { field: 'input.accessSessionId' });
  }
  const now = ctx.clock.now();
  if (!IN_FORCE.includes(session.status) || !session.expiresAt || session.expiresAt <= now) {
    const status = IN_FORCE.includes(session.status) ? 'expired' : session.status;
    throw new Conflict(`This access session is ${status}; only an approved or active session can be extended`, {
      field: 'input.accessSessionId',
      status,
    });
  }
  const [waiting] = await ctx.db
    .select({ id: approvals.id })
    .from(approvals)
    .where(
      and(eq(approvals.tenantId, actor.tenantId), eq(approvals.accessSessionId, session.id), eq(approvals.kind, 'extension'), eq(approvals.status, 'pending')),
    );
  if (waiting) {
    throw new Conflict('An extension of this access session is already waiting for a decision: cancel it, or wait for it', {
      field: 'input.accessSessionId',
      approvalId: waiting.id,
    });
  }
  return session;
}

export async function requestExtension(ctx: TransactionContext, input: RequestExtensionInput): Promise<InForce> {
  const requester = requireUser(ctx.actor);
  const parsed = parseInput(requestExtensionInput, input, 'input');
  const session = await lockSessionToExtend(ctx, parseId('input.accessSessionId', parsed.accessSessionId));
  const rules = await extensionRules(ctx.db, session);
  const policy = rules.approval.policyName ? `The policy ${rules.approval.policyName}` : 'Vigil';
  if (rules.mode === 'disabled') {
    throw new Forbidden(`${policy} does not allow extending the access sessions it governs`, { field: 'input.accessSessionId', extensionApproval: 'DISABLED' });
  }
  const addedSeconds = parsed.durationMinutes * 60;
  const lastedSeconds = Math.round((session.expiresAt!.getTime() - (session.startsAt ?? session.requestedAt).getTime()) / 1000);
  if (rules.maxTotalSeconds !== null && lastedSeconds + addedSeconds > rules.maxTotalSeconds) {
    const room = Math.max(0, Math.floor((rules.maxTotalSeconds - lastedSeconds) / 60));
    throw new BadInput(
      'input.durationMinutes',
      `input.durationMinutes: ${policy} allows sessions of at most ${rules.maxTotalSeconds / 60} minutes in all; this one already lasts ${Math.round(lastedSeconds / 60)}, so ${room === 0 ? 'it cannot be extended' : `at most ${room} more`}`,
      { maxTotalDurationMinutes: rules.maxTotalSeconds / 60, remainingMinutes: room },
    );
  }

  const now = ctx.clock.now();
  const isAutoApproved = rules.mode === 'not_required' || rules.approval.requiredApprovals === 0;
  // A decision after the session's end would extend nothing: the deadline is the earlier one.
  const deadline = Math.min(now.getTime() + rules.approval.decisionTimeoutSeconds * 1000, session.expiresAt!.getTime());
  return fileRequest(
    ctx,
    {
      id: newId(),
      kind: 'extension',
      requesterId: requester.userId,
      reason: parsed.reason,
      accessSessionId: session.id,
      durationSeconds: addedSeconds,
      decideBy: new Date(deadline),
    },
    // A self-service extension needed no approvals, and its record says so.
    rules.mode === 'not_required' ? { ...rules.approval, requiredApprovals: 0 } : rules.approval,
    {
      isAutoApproved,
      session,
      auditFacts: { accessSession: accessSessionSnapshot(session), extensionApproval: rules.mode },
      activityDetails: { accessSessionId: session.id, durationSeconds: addedSeconds, expiresAt: session.expiresAt, extensionApproval: rules.mode },
    },
  );
}
