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
import type { AccessSessionRecord } from '../records/record-types.js';
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

type SessionFacts = Pick<AccessSessionRecord, 'id' | 'approvalId' | 'requesterId' | 'serverIds' | 'status' | 'startsAt' | 'requestedAt' | 'expiresAt'>;

async function sessionPolicy(db: Executor, tenantId: string, session: SessionFacts): Promise<ApprovalPolicyRow | undefined> {
  if (!session.approvalId) return undefined;
  const [row] = await db
    .select({ policy: approvalPolicies })
    .from(approvals)
    .innerJoin(approvalPolicies, and(eq(approvalPolicies.tenantId, approvals.tenantId), eq(approvalPolicies.id, approvals.policyId)))
    .where(and(eq(approvals.tenantId, tenantId), eq(approvals.id, session.approvalId)));
  return row && !row.policy.deletedAt && row.policy.isEnabled ? row.policy : undefined;
}

export async function extensionRules(db: Executor, tenantId: string, session: SessionFacts): Promise<ExtensionRules> {
  let policy = await sessionPolicy(db, tenantId, session);
  if (!policy && session.approvalId) {
    const requester = await getUser(db, tenantId, session.requesterId);
    const scope = await db
      .select()
      .from(servers)
      .where(and(eq(servers.tenantId, tenantId), inArray(servers.id, [...session.serverIds])));
    policy = await governingPolicy(db, tenantId, 'access', requester.groups, scope);
  }
  return {
    mode: policy?.extensionApproval ?? 'as_request',
    maxTotalSeconds: policy ? (policy.maxTotalDurationSeconds ?? policy.maxDurationSeconds) : null,
    approval: policy ? rulesOf(policy) : DEFAULT_RULES,
  };
}

const isInForce = (session: SessionFacts, now: Date) => IN_FORCE.includes(session.status) && session.expiresAt !== null && session.expiresAt > now;

/** How long the session lasts now, start to end. */
const lastedSeconds = (session: SessionFacts) =>
  Math.round(((session.expiresAt ?? session.requestedAt).getTime() - (session.startsAt ?? session.requestedAt).getTime()) / 1000);

/** Whole minutes the policy's total still allows the session; null: no limit. */
const remainingMinutes = (rules: ExtensionRules, session: SessionFacts) =>
  rules.maxTotalSeconds === null ? null : Math.max(0, Math.floor((rules.maxTotalSeconds - lastedSeconds(session)) / 60));

/** What extending a session in force allows now: for its requester's Extend button (null once it is not in force). */
export interface ExtensionAllowance {
  readonly mode: ExtensionApprovalMode;
  /** Minutes the policy's total still allows; null: no limit beyond a request's. */
  readonly remainingMinutes: number | null;
  /** The extension waiting for a decision, if any (another cannot be asked meanwhile). */
  readonly pendingApprovalId: string | null;
}

export async function extensionAllowance(db: Executor, tenantId: string, session: SessionFacts, now: Date): Promise<ExtensionAllowance | null> {
  if (!isInForce(session, now)) return null;
  const [rules, waiting] = await Promise.all([extensionRules(db, tenantId, session), pendingExtension(db, tenantId, session.id)]);
  return { mode: rules.mode, remainingMinutes: remainingMinutes(rules, session), pendingApprovalId: waiting?.id ?? null };
}

async function pendingExtension(db: Executor, tenantId: string, sessionId: string): Promise<{ id: string } | undefined> {
  const [waiting] = await db
    .select({ id: approvals.id })
    .from(approvals)
    .where(and(eq(approvals.tenantId, tenantId), eq(approvals.accessSessionId, sessionId), eq(approvals.kind, 'extension'), eq(approvals.status, 'pending')));
  return waiting;
}

/** The session to extend, locked: the caller's own, in force, with no other extension waiting. */
async function lockSessionToExtend(ctx: TransactionContext, sessionId: string): Promise<AccessSessionRow> {
  const actor = requireUser(ctx.actor);
  const session = await lockAccessSession(ctx.db, actor.tenantId, sessionId);
  if (session.requesterId !== actor.userId) {
    // Another person's session stays invisible to someone who may not see it.
    if (!canSeeRow(actor, 'accessSessions', session.requesterId, session)) throw new NotFound('Access session', sessionId);
    throw new Forbidden('Only the person who requested an access session may ask to extend it', { field: 'input.accessSessionId' });
  }
  if (!isInForce(session, ctx.clock.now())) {
    const status = IN_FORCE.includes(session.status) ? 'expired' : session.status;
    throw new Conflict(`This access session is ${status}; only an approved or active session can be extended`, {
      field: 'input.accessSessionId',
      status,
    });
  }
  const waiting = await pendingExtension(ctx.db, actor.tenantId, session.id);
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
  const rules = await extensionRules(ctx.db, requester.tenantId, session);
  const policy = rules.approval.policyName ? `The policy ${rules.approval.policyName}` : 'Vigil';
  if (rules.mode === 'disabled') {
    throw new Forbidden(`${policy} does not allow extending the access sessions it governs`, { field: 'input.accessSessionId', extensionApproval: 'DISABLED' });
  }
  const addedSeconds = parsed.durationMinutes * 60;
  if (rules.maxTotalSeconds !== null && lastedSeconds(session) + addedSeconds > rules.maxTotalSeconds) {
    const room = remainingMinutes(rules, session)!;
    throw new BadInput(
      'input.durationMinutes',
      `input.durationMinutes: ${policy} allows sessions of at most ${rules.maxTotalSeconds / 60} minutes in all; this one already lasts ${Math.round(lastedSeconds(session) / 60)}, so ${room === 0 ? 'it cannot be extended' : `at most ${room} more`}`,
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
