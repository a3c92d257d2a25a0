/**
 * Putting an approved request into force, and taking grants out of it. An approved access request
 * starts its session (now, or at the requested start); a session with sudo allowed gets a `*`
 * grant per server; an approved sudo request becomes a sudo authorization; an approved extension
 * moves its session's end (extend-session.ts). Every grant ends with the session it was made in.
 */
import { and, eq, gt, isNull, or } from 'drizzle-orm';
import { accessSessions, approvals, sudoAuthorizations, type AccessSessionRow, type ApprovalRow, type SudoAuthorizationRow } from '../db/tables/index.js';
import { directGrantsToExpire, type DirectiveFacts } from '../directives/issue-directives.js';
import { newId } from '../ids.js';
import type { TransactionContext } from '../service-context.js';
import { accessSessionSnapshot, lockAccessSession, sudoAuthorizationSnapshot } from './approval-records.js';
import { ACCESS_SUDO_PATTERN } from './command-patterns.js';
import { extendApprovedSession } from './extend-session.js';
import type { WorkflowRecord } from './workflow-record.js';

export interface InForce {
  approval: ApprovalRow;
  session: AccessSessionRow;
}

export async function putIntoForce(ctx: TransactionContext, approval: ApprovalRow, approverId: string | null, record: WorkflowRecord): Promise<InForce> {
  const session = await lockAccessSession(ctx.db, ctx.actor.tenantId, approval.accessSessionId);
  if (approval.kind === 'extension') return extendApprovedSession(ctx, approval, session, approverId, record);
  return approval.kind === 'access'
    ? startApprovedSession(ctx, approval, session, approverId, record)
    : grantApprovedSudo(ctx, approval, session, approverId, record);
}

async function startApprovedSession(
  ctx: TransactionContext,
  approval: ApprovalRow,
  session: AccessSessionRow,
  approverId: string | null,
  record: WorkflowRecord,
): Promise<InForce> {
  const now = ctx.clock.now();
  const startsAt = session.startsAt && session.startsAt > now ? session.startsAt : now;
  const expiresAt = new Date(startsAt.getTime() + (approval.durationSeconds ?? 0) * 1000);
  const status = startsAt <= now ? 'active' : 'approved';
  const [started] = await ctx.db
    .update(accessSessions)
    .set({ status, approverId, approvalId: approval.id, startsAt, expiresAt })
    .where(and(eq(accessSessions.tenantId, session.tenantId), eq(accessSessions.id, session.id)))
    .returning();
  record.add(
    {
      action: status === 'active' ? 'access_session.started' : 'access_session.approved',
      resource: { type: 'access_session', id: session.id },
      before: accessSessionSnapshot(session),
      after: accessSessionSnapshot(started!),
    },
    { type: 'access_session.changed', tenantId: session.tenantId, accessSessionId: session.id, requesterId: session.requesterId, status },
  );
  if (session.isSudoAllowed) {
    const grants = await ctx.db
      .insert(sudoAuthorizations)
      .values(
        session.serverIds.map((serverId) => ({
          tenantId: session.tenantId,
          id: newId(),
          serverId,
          userId: session.requesterId,
          command: ACCESS_SUDO_PATTERN,
          isPattern: true,
          grantedVia: approval.isAutoApproved ? ('policy' as const) : ('approval' as const),
          policyId: approval.policyId,
          approvalId: approval.id,
          grantedById: approverId,
          accessSessionId: session.id,
          grantedAt: startsAt,
          expiresAt,
        })),
      )
      .returning();
    for (const grant of grants) recordGrant(grant, record);
  }
  return { approval, session: started! };
}

async function grantApprovedSudo(
  ctx: TransactionContext,
  approval: ApprovalRow,
  session: AccessSessionRow,
  approverId: string | null,
  record: WorkflowRecord,
): Promise<InForce> {
  const [grant] = await ctx.db
    .insert(sudoAuthorizations)
    .values({
      tenantId: approval.tenantId,
      id: newId(),
      serverId: approval.serverId!,
      userId: approval.requesterId,
      command: approval.command!,
      isPattern: approval.isPattern,
      grantedVia: approval.isAutoApproved ? 'policy' : 'approval',
      policyId: approval.policyId,
      approvalId: approval.id,
      grantedById: approverId,
      accessSessionId: session.id,
      grantedAt: ctx.clock.now(),
      expiresAt: session.expiresAt,
    })
    .returning();
  recordGrant(grant!, record);
  const [updated] = await ctx.db
    .update(approvals)
    .set({ sudoAuthorizationId: grant!.id })
    .where(and(eq(approvals.tenantId, approval.tenantId), eq(approvals.id, approval.id)))
    .returning();
  return { approval: updated!, session };
}

export function recordGrant(grant: SudoAuthorizationRow, record: WorkflowRecord, details: Record<string, unknown> = {}): void {
  record.add(
    {
      action: 'sudo.granted',
      resource: { type: 'sudo_authorization', id: grant.id, name: grant.command },
      after: { ...sudoAuthorizationSnapshot(grant), ...details },
      activityDetails: {
        sudoAuthorizationId: grant.id,
        serverId: grant.serverId,
        userId: grant.userId,
        command: grant.command,
        grantedVia: grant.grantedVia,
        ...details,
      },
    },
    { type: 'sudo.granted', tenantId: grant.tenantId, sudoAuthorizationId: grant.id, userId: grant.userId, serverId: grant.serverId },
  );
}

/** Revokes the grants still in force that were made in `sessionId` (it ended or was revoked). */
export async function revokeSessionGrants(ctx: TransactionContext, sessionId: string, record: WorkflowRecord, facts: DirectiveFacts): Promise<void> {
  const now = ctx.clock.now();
  const revoked = await ctx.db
    .update(sudoAuthorizations)
    .set({ revokedAt: now, revokedById: ctx.actor.type === 'user' ? ctx.actor.userId : null })
    .where(
      and(
        eq(sudoAuthorizations.tenantId, ctx.actor.tenantId),
        eq(sudoAuthorizations.accessSessionId, sessionId),
        isNull(sudoAuthorizations.revokedAt),
        or(isNull(sudoAuthorizations.expiresAt), gt(sudoAuthorizations.expiresAt, now)),
      ),
    )
    .returning({ id: sudoAuthorizations.id, serverId: sudoAuthorizations.serverId, accessSessionId: sudoAuthorizations.accessSessionId });
  await directGrantsToExpire(ctx, revoked, facts);
  if (revoked.length > 0) {
    record.add({
      action: 'sudo.revoked',
      resource: { type: 'access_session', id: sessionId },
      after: { sudoAuthorizationIds: revoked.map((grant) => grant.id), revokedAt: now, cause: 'access session closed' },
    });
  }
}
