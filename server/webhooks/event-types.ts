/**
 * The webhook event types: the product documents' table, and Vigil's own. Subscriptions name the
 * ones they want; `alert.*` style wildcards are not types (a subscription lists each it wants).
 */
export const WEBHOOK_EVENT_TYPES = {
  'alert.fired': 'Alert rule triggered.',
  'alert.resolved': 'Alert condition cleared.',
  'alert.acknowledged': 'Alert acknowledged by a user.',
  'job.completed': 'Job finished successfully: a command submitted to a server’s agent (not typed in a terminal session) ended SUCCESS.',
  'job.failed': 'Job execution failed: a command submitted to a server’s agent (not typed in a terminal session) ended FAILED.',
  'host.online': 'Host came online (agent heartbeat resumed: reportHeartbeat).',
  'host.offline': 'Host went offline (no heartbeat for VIGIL_AGENT_OFFLINE_AFTER seconds).',
  'deployment.started': 'Deployment initiated (as the platform reports it: reportActivity DEPLOYMENT_STARTED).',
  'deployment.completed': 'Deployment finished successfully (reportActivity DEPLOYMENT_COMPLETED).',
  'deployment.failed': 'Deployment failed (reportActivity DEPLOYMENT_FAILED).',
  'deployment.cancelled': 'Deployment cancelled (reportActivity DEPLOYMENT_CANCELLED).',
  'compliance.scan_completed': 'Compliance scan finished (reportActivity COMPLIANCE_SCAN_COMPLETED).',
  'drift.detected': 'Configuration drift detected against baseline (reportActivity DRIFT_DETECTED).',
  'approval.requested': 'Someone asked for access or sudo; the request waits for a decision.',
  'approval.decided': 'A request was approved, denied, cancelled or expired.',
  'session.started': 'An access session came into force.',
  'session.ended': 'An access session ended, expired or was revoked.',
  'session.extended': 'An access session in force was extended: its end moved later (an extension approved, or allowed by its policy).',
  'command.failed': 'A command reported by an agent failed.',
  'sudo.granted': 'Sudo was granted (by policy, approval or an admin).',
  'audit.integrity_failed': 'Verifying the audit chain found a broken or altered entry.',
  'log.checkpoint_signed': 'A signed tree head (C2SP checkpoint) of the verifiable log was made: witnesses keep it.',
} as const;

export type WebhookEventType = keyof typeof WEBHOOK_EVENT_TYPES;

/** Types from the product documents; the rest are Vigil's own. */
export const SEED_EVENT_TYPES: readonly WebhookEventType[] = [
  'alert.fired',
  'alert.resolved',
  'alert.acknowledged',
  'job.completed',
  'job.failed',
  'host.online',
  'host.offline',
  'deployment.started',
  'deployment.completed',
  'deployment.failed',
  'deployment.cancelled',
  'compliance.scan_completed',
  'drift.detected',
];

export const isWebhookEventType = (value: string): value is WebhookEventType => Object.hasOwn(WEBHOOK_EVENT_TYPES, value);
