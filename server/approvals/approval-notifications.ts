/**
 * The bell for the approval workflow: a new request notifies everyone who may decide it; a closed
 * one (decided, cancelled, expired) notifies its requester.
 */
import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import { arrayLiteral } from '../db/bulk-insert.js';
import { requestServersOf } from '../auth/scope.js';
import { accessSessions, users, type ApprovalRow } from '../db/tables/index.js';
import { holdsForRequestSql } from '../roles/role-grants.js';
import { isWorkspaceAdminSql } from '../identity/users.js';
import { notify } from '../notifications/notifications.js';
import type { Executor } from '../db/database.js';
import type { TransactionContext } from '../service-context.js';
import { NO_ON_CALL_LOOKUP, type OnCallLookup } from '../oncall/on-call-directory.js';
import { usersOnCall } from '../oncall/on-call-people.js';

/** More reviewers than this are not notified one by one; they still see the request in their queue. */
const MAX_NOTIFIED_REVIEWERS = 200;

const what = (approval: ApprovalRow) =>
  approval.kind === 'access'
    ? 'Access request'
    : approval.kind === 'extension'
      ? `Access extension by ${Math.round((approval.durationSeconds ?? 0) / 60)} minutes`
      : `Sudo request: ${approval.command}`;

/**
 * The enabled people reviewRefusal (server/auth/scope.ts) lets decide `approval`, as a query (with
 * approvals.decide granted, or held through custom roles: holdsForRequestSql); the
 * people on call for its schedules are asked of `onCall` (none, when it cannot tell).
 */
export async function reviewersOf(db: Executor, approval: ApprovalRow, onCall: OnCallLookup = NO_ON_CALL_LOOKUP): Promise<string[]> {
  const groups = arrayLiteral(approval.approverGroups);
  const schedules = approval.onCallSchedules ?? [];
  const onCallIds = arrayLiteral((await usersOnCall(onCall, db, approval.tenantId, schedules)).map((user) => user.id));
  const [session] = await db
    .select({ serverIds: accessSessions.serverIds, serverLabels: accessSessions.serverLabels })
    .from(accessSessions)
    .where(and(eq(accessSessions.tenantId, approval.tenantId), eq(accessSessions.id, approval.accessSessionId)));
  // approvals.decide held through custom roles: tenant-wide, or for every server of the request.
  const holdsDecide = holdsForRequestSql(approval.tenantId, users.id, users.groups, 'approvals.decide', requestServersOf(approval, session));
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(
      and(
        eq(users.tenantId, approval.tenantId),
        isNull(users.disabledAt),
        ne(users.id, approval.requesterId),
        sql`((${isWorkspaceAdminSql} and ${approval.isAdminApprover})
          or ((${isWorkspaceAdminSql} or 'approvals.decide' = any(${users.permissions}) or ${holdsDecide})
              and ((${approval.approverGroups.length === 0} and ${schedules.length === 0})
                or ${users.groups} && ${groups}::text[]
                or ${users.id} = any(${onCallIds}::uuid[]))))`,
      ),
    )
    .limit(MAX_NOTIFIED_REVIEWERS);
  return rows.map((row) => row.id);
}

export async function notifyReviewers(ctx: TransactionContext, approval: ApprovalRow): Promise<void> {
  await notify(ctx, await reviewersOf(ctx.db, approval, ctx.onCall), {
    category: 'approval',
    severity: 'medium',
    title: `${what(approval)} waiting for your decision`,
    body: approval.reason,
    link: `/approvals/${approval.id}`,
    resourceType: 'approval',
    resourceId: approval.id,
  });
}

export async function notifyRequester(ctx: TransactionContext, approval: ApprovalRow): Promise<void> {
  await notify(ctx, [approval.requesterId], {
    category: 'approval',
    severity: approval.status === 'approved' ? 'info' : 'low',
    title: `${what(approval)} ${approval.status}`,
    body: approval.reason,
    link: `/approvals/${approval.id}`,
    resourceType: 'approval',
    resourceId: approval.id,
  });
}
