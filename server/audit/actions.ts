/**
 * The catalogue of audit-log actions, `domain.verb_past`. Every change Vigil makes, and every
 * reading of the record, is one of these.
 */
export const AUDIT_ACTIONS = [
  'tenant.created',
  'user.created',
  'user.disabled',
  'user.enabled',
  'user.role_changed',
  'user.permissions_changed',
  'token.created',
  'token.revoked',
  'server.registered',
  'server.deleted',
  'events.ingested',
  'approval_policy.created',
  'approval_policy.updated',
  'approval_policy.deleted',
  'approval.requested',
  'approval.auto_approved',
  'approval.decided',
  'approval.cancelled',
  'approval.expired',
  'access_session.approved',
  'access_session.closed',
  'access_session.started',
  'access_session.ended',
  'access_session.expired',
  'access_session.revoked',
  'sudo.granted',
  'sudo.revoked',
  'sudo.checked',
  'activity.reported',
  'commands.marked_unresponsive',
  'retention.changed',
  'retention.applied',
  'audit.log_viewed',
  'audit.exported',
  'audit.verified',
  'records.exported',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];
