/**
 * Filing a request, whatever it asks for: the approval row with the governing rules copied onto
 * it, its audit entry and event, and, when the rules approve it on the spot, the grant.
 */
import { approvals, type AccessSessionRow, type ApprovalRow } from '../db/tables/index.js';
import type { TransactionContext } from '../service-context.js';
import { notifyReviewers } from './approval-notifications.js';
import { approvalSnapshot } from './approval-records.js';
import type { ApprovalRules } from './approval-policies.js';
import { putIntoForce, type InForce } from './grants.js';
import { WorkflowRecord } from './workflow-record.js';
import { getUser } from '../identity/users.js';
import { checkRequesterOnCall, notifyUncheckedRequester, onCallAuditFacts } from '../oncall/on-call-approval.js';

/** The requester's email: the acting person's own, as a rule. */
async function requesterEmail(ctx: TransactionContext, requesterId: string): Promise<string> {
  if (ctx.actor.type === 'user' && ctx.actor.userId === requesterId) return ctx.actor.email;
  return (await getUser(ctx.db, ctx.actor.tenantId, requesterId)).email;
}

export type RequestFacts = Pick<ApprovalRow, 'id' | 'kind' | 'requesterId' | 'reason' | 'accessSessionId' | 'decideBy'> &
  Partial<Pick<ApprovalRow, 'serverId' | 'command' | 'isPattern' | 'durationSeconds'>>;

export async function fileRequest(
  ctx: TransactionContext,
  facts: RequestFacts,
  rules: ApprovalRules,
  options: { isAutoApproved: boolean; session: AccessSessionRow; auditFacts?: object; activityDetails: Record<string, unknown> },
): Promise<InForce> {
  const now = ctx.clock.now();
  // Under a policy that approves on-call requesters on the spot, the provider is asked now (fail closed).
  const onCallCheck = options.isAutoApproved ? null : await checkRequesterOnCall(ctx, await requesterEmail(ctx, facts.requesterId), rules);
  const isAutoApproved = options.isAutoApproved || onCallCheck?.outcome === 'on_call';
  const [approval] = await ctx.db
    .insert(approvals)
    .values({
      ...facts,
      tenantId: ctx.actor.tenantId,
      status: isAutoApproved ? 'approved' : 'pending',
      policyId: rules.policyId,
      policyName: rules.policyName,
      requiredApprovals: rules.requiredApprovals,
      approverGroups: rules.approverGroups,
      isAdminApprover: rules.isAdminApprover,
      isApprovalJustificationRequired: rules.isApprovalJustificationRequired,
      chatApproval: rules.chatApproval,
      chatMaxDurationSeconds: rules.chatMaxDurationSeconds,
      isAutoApproved,
      onCallSchedules: rules.onCallSchedules.length > 0 ? rules.onCallSchedules : null,
      onCallCheck: onCallCheck as Record<string, unknown> | null,
      requestedAt: now,
      closedAt: isAutoApproved ? now : null,
    })
    .returning();
  const record = new WorkflowRecord();
  const reference = { tenantId: ctx.actor.tenantId, approvalId: facts.id, requesterId: facts.requesterId };
  record.add(
    {
      action: isAutoApproved ? 'approval.auto_approved' : 'approval.requested',
      resource: { type: 'approval', id: facts.id },
      after: { ...approvalSnapshot(approval!), ...options.auditFacts, ...onCallAuditFacts(onCallCheck) },
      activityDetails: { approvalId: facts.id, kind: facts.kind, ...options.activityDetails, ...onCallAuditFacts(onCallCheck) },
    },
    isAutoApproved ? { type: 'approval.decided', ...reference, status: 'approved' } : { type: 'approval.requested', ...reference },
  );
  const result = isAutoApproved ? await putIntoForce(ctx, approval!, null, record) : { approval: approval!, session: options.session };
  if (!isAutoApproved) await notifyReviewers(ctx, approval!);
  if (onCallCheck?.outcome === 'unavailable') await notifyUncheckedRequester(ctx, approval!, onCallCheck);
  await record.write(ctx);
  return result;
}
