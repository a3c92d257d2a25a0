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
