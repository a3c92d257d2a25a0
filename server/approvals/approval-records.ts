/** Reading and locking the rows of the approval workflow, and what of them the audit log keeps. */
import { and, eq } from 'drizzle-orm';
import type { Executor } from '../db/database.js';
import {
  accessSessions,
  approvals,
  sudoAuthorizations,
  type AccessSessionRow,
  type ApprovalDecisionRow,
  type ApprovalRow,
  type SudoAuthorizationRow,
} from '../db/tables/index.js';
import { NotFound } from '../errors.js';

export interface LockedRequest {
  approval: ApprovalRow;
  session: AccessSessionRow;
}

/**
 * Locks a request's access session, then the request, until the transaction ends: decisions on
 * one request take turns. Every path that locks both (deciding, cancelling, expiring, ending a
 * session with sudo requests pending in it) takes the session first, so no two of them deadlock.
 * With `skipLocked`, a request someone else holds is skipped (undefined) instead of waited for.
 */
export async function lockRequest(db: Executor, tenantId: string, id: string, options: { skipLocked?: boolean } = {}): Promise<LockedRequest | undefined> {
  const [unlocked] = await db
    .select({ accessSessionId: approvals.accessSessionId })
    .from(approvals)
    .where(and(eq(approvals.tenantId, tenantId), eq(approvals.id, id)));
  if (!unlocked) return undefined;
  const lock = options.skipLocked ? ({ skipLocked: true } as const) : undefined;
  const [session] = await db
    .select()
    .from(accessSessions)
    .where(and(eq(accessSessions.tenantId, tenantId), eq(accessSessions.id, unlocked.accessSessionId)))
    .for('update', lock);
  if (!session) return undefined;
  const [approval] = await db
    .select()
    .from(approvals)
    .where(and(eq(approvals.tenantId, tenantId), eq(approvals.id, id)))
    .for('update', lock);
  return approval ? { approval, session } : undefined;
}

export async function lockApproval(db: Executor, tenantId: string, id: string): Promise<ApprovalRow> {
  const locked = await lockRequest(db, tenantId, id);
  if (!locked) throw new NotFound('Approval', id);
  return locked.approval;
}

export async function lockAccessSession(db: Executor, tenantId: string, id: string): Promise<AccessSessionRow> {
  const [row] = await db
    .select()
    .from(accessSessions)
    .where(and(eq(accessSessions.tenantId, tenantId), eq(accessSessions.id, id)))
    .for('update');
  if (!row) throw new NotFound('Access session', id);
  return row;
}

export const approvalSnapshot = (row: ApprovalRow) => ({
  id: row.id,
  kind: row.kind,
  status: row.status,
  requesterId: row.requesterId,
  reason: row.reason,
  accessSessionId: row.accessSessionId,
  serverId: row.serverId,
  command: row.command,
  isPattern: row.isPattern,
  durationSeconds: row.durationSeconds,
  policyId: row.policyId,
  policyName: row.policyName,
  requiredApprovals: row.requiredApprovals,
  approverGroups: row.approverGroups,
  isAdminApprover: row.isAdminApprover,
  isAutoApproved: row.isAutoApproved,
  sudoAuthorizationId: row.sudoAuthorizationId,
  decideBy: row.decideBy,
  closedAt: row.closedAt,
  closedById: row.closedById,
  cancelReason: row.cancelReason,
  // Only where a policy named on-call schedules (migration 0029), so other requests' entries read as before.
  ...(row.onCallSchedules ? { onCallSchedules: row.onCallSchedules } : {}),
  ...(row.onCallCheck ? { onCallCheck: row.onCallCheck } : {}),
});

export const decisionSnapshot = (row: ApprovalDecisionRow) => ({
  id: row.id,
  approverId: row.approverId,
  decision: row.decision,
  justification: row.justification,
  channel: row.channel,
  chatUserId: row.chatUserId,
  decidedAt: row.decidedAt,
});

export const accessSessionSnapshot = (row: AccessSessionRow) => ({
  id: row.id,
  status: row.status,
  requesterId: row.requesterId,
  approverId: row.approverId,
  approvalId: row.approvalId,
  serverIds: row.serverIds,
  serverLabels: row.serverLabels,
  isSudoAllowed: row.isSudoAllowed,
  reason: row.reason,
  startsAt: row.startsAt,
  expiresAt: row.expiresAt,
  endedAt: row.endedAt,
  endedById: row.endedById,
  endReason: row.endReason,
});

export const sudoAuthorizationSnapshot = (row: SudoAuthorizationRow) => ({
  id: row.id,
  serverId: row.serverId,
  userId: row.userId,
  command: row.command,
  isPattern: row.isPattern,
  grantedVia: row.grantedVia,
  policyId: row.policyId,
  approvalId: row.approvalId,
  grantedById: row.grantedById,
  accessSessionId: row.accessSessionId,
  grantedAt: row.grantedAt,
  expiresAt: row.expiresAt,
  revokedAt: row.revokedAt,
  revokedById: row.revokedById,
});

export async function getSudoAuthorization(db: Executor, tenantId: string, id: string): Promise<SudoAuthorizationRow> {
  const [row] = await db
    .select()
    .from(sudoAuthorizations)
    .where(and(eq(sudoAuthorizations.tenantId, tenantId), eq(sudoAuthorizations.id, id)));
  if (!row) throw new NotFound('Sudo authorization', id);
  return row;
}
