/**
 * The platform's operations on servers, as it reports them (the product documents' deployment,
 * compliance and drift events): activity that is also sent as the webhook event of the same name
 * (server/webhooks/outbox.ts).
 */
export const OPERATION_ACTIONS = [
  'deployment.started',
  'deployment.completed',
  'deployment.failed',
  'deployment.cancelled',
  'compliance.scan_completed',
  'drift.detected',
] as const;

/**
 * The catalogue of workspace activity-log actions, `domain.verb_past`. Vigil records the ones it
 * performs itself; a platform reports the rest (sign-ins, password changes, settings, its
 * operations) through `reportActivity`.
 */
export const ACTIVITY_ACTIONS = [
  'auth.signed_in',
  'auth.sign_in_failed',
  'auth.signed_out',
  'auth.password_changed',
  'user.created',
  'user.disabled',
  'user.enabled',
  'user.role_changed',
  'user.permissions_changed',
  'token.created',
  'token.revoked',
  'server.registered',
  'server.deleted',
  'approval_policy.created',
  'approval_policy.updated',
  'approval_policy.deleted',
  'approval.requested',
  'approval.decided',
  'approval.cancelled',
  'access_session.ended',
  'access_session.revoked',
  'sudo.granted',
  'sudo.revoked',
  'webhook.created',
  'webhook.updated',
  'webhook.deleted',
  'channel.created',
  'channel.updated',
  'channel.deleted',
  'alert_rule.created',
  'alert_rule.updated',
  'alert_rule.deleted',
  'alert.acknowledged',
  'alert.resolved',
  'settings.updated',
  'resource.accessed',
  ...OPERATION_ACTIONS,
] as const;

export type ActivityAction = (typeof ACTIVITY_ACTIONS)[number];
