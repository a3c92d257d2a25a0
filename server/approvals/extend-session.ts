/**
 * An approved extension (extend-access.ts) put into force: the session's `expires_at` moves by the
 * length asked, and so does the end of every grant that was to end with it (the sudo grants made
 * in it, not revoked). The sweeper, session checks, sudo checks and subscribers all read the new
 * end from the rows; the `access_session.changed` event says `extended`, so a webhook does not take
 * it for the session starting again.
 */
import { and, eq, isNull } from 'drizzle-orm';
import { accessSessions, sudoAuthorizations, type AccessSessionRow, type ApprovalRow } from '../db/tables/index.js';
import { Conflict } from '../errors.js';
import type { TransactionContext } from '../service-context.js';
import { accessSessionSnapshot } from './approval-records.js';
import type { WorkflowRecord } from './workflow-record.js';

/** The statuses of a session in force (scheduled or started). */
export const IN_FORCE: readonly string[] = ['approved', 'active'];

/**
 * The session is locked (putIntoForce). One that ended before the approval landed (the sweeper had
 * not closed it yet) is refused, and the decision rolls back with it.
 */
export async function extendApprovedSession(
  ctx: TransactionContext,
  approval: ApprovalRow,
  session: AccessSessionRow,
  approverId: string | null,
  record: WorkflowRecord,
): Promise<{ approval: ApprovalRow; session: AccessSessionRow }> {
  const now = ctx.clock.now();
  if (!IN_FORCE.includes(session.status) || !session.expiresAt || session.expiresAt <= now) {
    const status = IN_FORCE.includes(session.status) ? 'expired' : session.status;
    throw new Conflict(`The access session is ${status}: this extension can no longer be approved`, { status });
  }
  const previousEnd = session.expiresAt;
  const expiresAt = new Date(previousEnd.getTime() + (approval.durationSeconds ?? 0) * 1000);
  const [extended] = await ctx.db
    .update(accessSessions)
    .set({ expiresAt })
    .where(and(eq(accessSessions.tenantId, session.tenantId), eq(accessSessions.id, session.id)))
    .returning();
  const grants = await ctx.db
    .update(sudoAuthorizations)
    .set({ expiresAt })
    .where(
      and(
        eq(sudoAuthorizations.tenantId, session.tenantId),
        eq(sudoAuthorizations.accessSessionId, session.id),
        eq(sudoAuthorizations.expiresAt, previousEnd),
        isNull(sudoAuthorizations.revokedAt),
      ),
    )
    .returning({ id: sudoAuthorizations.id });
  record.add(
    {
      action: 'access_session.extended',
      resource: { type: 'access_session', id: session.id },
      before: accessSessionSnapshot(session),
      after: {
        ...accessSessionSnapshot(extended!),
        extension: {
          approvalId: approval.id,
          durationSeconds: approval.durationSeconds,
          previousExpiresAt: previousEnd,
          approvedById: approverId,
          isAutoApproved: approval.isAutoApproved,
          sudoAuthorizationIds: grants.map((grant) => grant.id),
        },
      },
      activityDetails: { accessSessionId: session.id, approvalId: approval.id, expiresAt, previousExpiresAt: previousEnd },
    },
    {
      type: 'access_session.changed',
      tenantId: session.tenantId,
      accessSessionId: session.id,
      requesterId: session.requesterId,
      status: extended!.status,
      change: 'extended',
    },
  );
  return { approval, session: extended! };
}
