/** Reading the approval workflow: requests, the ones an approver may decide, and sudo checks. */
import { and, asc, eq, inArray, ne, or, sql, type SQL } from 'drizzle-orm';
import type { ReviewerScope, RowScope, ServerReach } from '../auth/scope.js';
import { arrayLiteral } from '../db/bulk-insert.js';
import type { Executor } from '../db/database.js';
import {
  approvalDecisions,
  approvals,
  sudoChecks,
  type ApprovalDecisionRow,
  type ApprovalRow,
  type ApprovalStatus,
  type DecisionChannel,
  type RequestKind,
  type SudoCheckOutcome,
  type SudoCheckRow,
} from '../db/tables/index.js';
import { fetchPage, type Page, type PageArgs } from '../pagination/keyset.js';
import {
  equalsIfGiven,
  findInScope,
  findManyInScope,
  inTimeRange,
  oneOfIfGiven,
  scopeConditions,
  type ScopeColumns,
  type TimeRange,
} from '../records/queries/conditions.js';

const SCOPE: ScopeColumns = {
  tenantId: approvals.tenantId,
  owner: approvals.requesterId,
  servers: { accessSessionId: approvals.accessSessionId, serverId: approvals.serverId },
};

export interface ApprovalFilter extends TimeRange {
  status?: ApprovalStatus[] | null;
  kind?: RequestKind[] | null;
  requesterId?: string | null;
  /** Requests one of whose decisions was made by this person. */
  reviewerId?: string | null;
  serverId?: string | null;
  policyId?: string | null;
  accessSessionId?: string | null;
  /** Requests with a decision made in this channel. */
  channel?: DecisionChannel | null;
}

function decisionExists(condition: SQL): SQL {
  return sql`exists (select 1 from ${approvalDecisions} where ${approvalDecisions.tenantId} = ${approvals.tenantId} and ${approvalDecisions.approvalId} = ${approvals.id} and ${condition})`;
}

/** Requests, newest first, within `scope` (recordScope 'approvals': admins and records.view holders, their servers' for scoped holders, else one's own). */
export async function listApprovals(db: Executor, scope: RowScope, filter: ApprovalFilter, args: PageArgs): Promise<Page<ApprovalRow>> {
  const conditions = [
    ...scopeConditions(scope, SCOPE),
    oneOfIfGiven(approvals.status, filter.status),
    oneOfIfGiven(approvals.kind, filter.kind),
    equalsIfGiven(approvals.requesterId, filter.requesterId),
    equalsIfGiven(approvals.policyId, filter.policyId),
    equalsIfGiven(approvals.accessSessionId, filter.accessSessionId),
    filter.serverId
      ? or(
          eq(approvals.serverId, filter.serverId),
          sql`exists (select 1 from access_sessions s where s.tenant_id = ${approvals.tenantId} and s.id = ${approvals.accessSessionId} and ${approvals.kind} = 'access' and ${filter.serverId}::uuid = any(s.server_ids))`,
        )
      : undefined,
    filter.reviewerId ? decisionExists(sql`${approvalDecisions.approverId} = ${filter.reviewerId}`) : undefined,
    filter.channel ? decisionExists(sql`${approvalDecisions.channel} = ${filter.channel}`) : undefined,
    inTimeRange(approvals.requestedAt, filter),
  ];
  return fetchPage(
    args,
    [approvals.requestedAt, approvals.id],
    (row) => [row.requestedAt.toISOString(), row.id],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(approvals)
        .where(and(...conditions, where))
        .orderBy(...orderBy)
        .limit(limit),
  );
}

export function getApprovalInScope(db: Executor, scope: RowScope, id: string): Promise<ApprovalRow | undefined> {
  return findInScope(db, approvals, SCOPE, scope, id);
}

/** The rows of `ids` within the scope, in one statement (those not the actor's to see are left out). */
export function getApprovalsInScope(db: Executor, scope: RowScope, ids: readonly string[]): Promise<ApprovalRow[]> {
  return findManyInScope(db, approvals, SCOPE, scope, ids);
}

/**
 * Pending requests `reviewer` may decide and has not yet, newest first: the set form of
 * reviewRefusal (server/auth/scope.ts), which decideApproval applies to each one.
 */
export async function listApprovalsToReview(db: Executor, reviewer: ReviewerScope, args: PageArgs): Promise<Page<ApprovalRow>> {
  const groups = arrayLiteral(reviewer.groups);
  const onCall = arrayLiteral(reviewer.onCall);
  const inGroups = or(
    sql`cardinality(${approvals.approverGroups}) = 0 and coalesce(cardinality(${approvals.onCallSchedules}), 0) = 0`,
    sql`${approvals.approverGroups} && ${groups}::text[]`,
    sql`${approvals.onCallSchedules} && ${onCall}::text[]`,
  );
  const mayDecide = or(
    reviewer.isAdmin ? eq(approvals.isAdminApprover, true) : undefined,
    reviewer.mayDecide ? inGroups : undefined,
    reviewer.decideReach ? and(inGroups, requestWithinReach(reviewer.decideReach)) : undefined,
  );
  const conditions = [
    eq(approvals.tenantId, reviewer.tenantId),
    eq(approvals.status, 'pending'),
    ne(approvals.requesterId, reviewer.userId),
    mayDecide ?? sql`false`,
    sql`not ${decisionExists(sql`${approvalDecisions.approverId} = ${reviewer.userId}`)}`,
  ];
  return fetchPage(
    args,
    [approvals.requestedAt, approvals.id],
    (row) => [row.requestedAt.toISOString(), row.id],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(approvals)
        .where(and(...conditions, where))
        .orderBy(...orderBy)
        .limit(limit),
  );
}

/** SQL twin of isRequestWithinReach (server/auth/scope.ts): every server of the request is within `reach`. */
function requestWithinReach(reach: ServerReach): SQL {
  const ids = sql`${arrayLiteral([...reach.servers.keys()])}::uuid[]`;
  const selectors = sql`${JSON.stringify(reach.selectors)}::jsonb`;
  return sql`case when ${approvals.kind} = 'sudo' then ${approvals.serverId} = any(${ids}) else exists (
    select 1 from access_sessions request_session
    where request_session.tenant_id = ${approvals.tenantId} and request_session.id = ${approvals.accessSessionId}
      and (cardinality(request_session.server_ids) > 0 or request_session.server_labels <> '{}'::jsonb)
      and request_session.server_ids <@ ${ids}
      and (request_session.server_labels = '{}'::jsonb
        or exists (select 1 from jsonb_array_elements(${selectors}) selector where request_session.server_labels @> selector.value))
  ) end`;
}

export async function decisionsOfApprovals(db: Executor, tenantId: string, approvalIds: readonly string[]): Promise<ApprovalDecisionRow[]> {
  if (approvalIds.length === 0) return [];
  return db
    .select()
    .from(approvalDecisions)
    .where(and(eq(approvalDecisions.tenantId, tenantId), inArray(approvalDecisions.approvalId, [...approvalIds])))
    .orderBy(asc(approvalDecisions.decidedAt), asc(approvalDecisions.id));
}

export interface SudoCheckFilter extends TimeRange {
  serverId?: string | null;
  userId?: string | null;
  isAllowed?: boolean | null;
  outcome?: SudoCheckOutcome[] | null;
}

export async function listSudoChecks(db: Executor, tenantId: string, filter: SudoCheckFilter, args: PageArgs): Promise<Page<SudoCheckRow>> {
  const conditions = [
    eq(sudoChecks.tenantId, tenantId),
    equalsIfGiven(sudoChecks.serverId, filter.serverId),
    equalsIfGiven(sudoChecks.userId, filter.userId),
    equalsIfGiven(sudoChecks.isAllowed, filter.isAllowed),
    oneOfIfGiven(sudoChecks.outcome, filter.outcome),
    inTimeRange(sudoChecks.checkedAt, filter),
  ];
  return fetchPage(
    args,
    [sudoChecks.checkedAt, sudoChecks.id],
    (row) => [row.checkedAt.toISOString(), row.id],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(sudoChecks)
        .where(and(...conditions, where))
        .orderBy(...orderBy)
        .limit(limit),
  );
}
