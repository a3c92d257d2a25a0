/**
 * The category and severity of an audit-log or activity-log action (`domain.verb_past`), for the
 * event stream. The category follows the action's domain, the part before the first dot, with a
 * few exact actions placed apart (role and permission changes are privilege, not administration).
 * Severity: `high` for what only an intruder does (an outbox row Vigil did not write, refused);
 * `medium` for the actions that change who may do what, weaken a control or remove what
 * watches the record (MEDIUM_ACTIONS); `info` for reading the record and Vigil's own bookkeeping
 * (INFO_DOMAINS, INFO_ACTIONS); `low` for every other change.
 */
import type { Severity } from '../db/tables/index.js';
import type { EventCategory } from './stream-event.js';

const CATEGORY_OF_ACTION: Readonly<Record<string, EventCategory>> = {
  'user.role_changed': 'privilege',
  'user.permissions_changed': 'privilege',
  'user.groups_changed': 'privilege',
  'user.account_admin_granted': 'privilege',
  'user.account_admin_revoked': 'privilege',
  'resource.accessed': 'session',
  'server.online': 'system',
  'server.offline': 'system',
};

const CATEGORY_OF_DOMAIN: Readonly<Record<string, EventCategory>> = {
  auth: 'authentication',
  totp: 'authentication',
  token: 'authentication',
  chat_identity: 'authentication',
  chat: 'authentication',
  access_session: 'session',
  terminal_session: 'session',
  session: 'session',
  agent_directive: 'session',
  recording: 'session',
  commands: 'command',
  sudo: 'privilege',
  approval: 'approval',
  audit: 'system',
  log: 'system',
  retention: 'system',
  secrets: 'system',
  outbox: 'system',
  alert: 'system',
  notification: 'system',
  records: 'system',
  events: 'system',
  activity: 'system',
  deployment: 'system',
  compliance: 'system',
  drift: 'system',
};

const HIGH_ACTIONS: ReadonlySet<string> = new Set(['outbox.delivery_refused']);

const MEDIUM_ACTIONS: ReadonlySet<string> = new Set([
  'auth.sign_in_failed',
  'auth.password_changed',
  'user.role_changed',
  'user.permissions_changed',
  'user.groups_changed',
  'user.account_admin_granted',
  'tenant.account_joined',
  'user.disabled',
  'totp.removed',
  'token.created',
  'sudo.granted',
  'server.deleted',
  'server.offline',
  'deployment.failed',
  'drift.detected',
  'approval_policy.updated',
  'approval_policy.deleted',
  'access_session.revoked',
  'terminal_session.terminated',
  'retention.changed',
  'webhook.deleted',
  'webhook.disabled',
  'channel.deleted',
  'alert_rule.deleted',
  'chat_workspace.bound',
  'chat_workspace.installed',
  'chat_workspace.unbound',
  'chat_identity.linked',
  'secrets.resealed',
]);

const INFO_DOMAINS: ReadonlySet<string> = new Set(['audit', 'records', 'recording', 'events', 'activity', 'log', 'notification', 'resource']);
const INFO_ACTIONS: ReadonlySet<string> = new Set([
  'auth.signed_in',
  'auth.signed_out',
  'access_session.started',
  'access_session.ended',
  'access_session.expired',
  'approval.requested',
  'sudo.checked',
  'session.checked',
  'commands.marked_unresponsive',
  'webhook.tested',
  'channel.tested',
  'webhook.delivery_retried',
  'totp.enrolment_started',
  'server.online',
  'agent_directive.acknowledged',
  'deployment.started',
  'deployment.completed',
  'compliance.scan_completed',
]);

const domainOf = (action: string): string => action.slice(0, Math.max(0, action.indexOf('.'))) || action;

export function categoryOfAction(action: string): EventCategory {
  return CATEGORY_OF_ACTION[action] ?? CATEGORY_OF_DOMAIN[domainOf(action)] ?? 'administration';
}

export function severityOfAction(action: string): Severity {
  if (HIGH_ACTIONS.has(action)) return 'high';
  if (MEDIUM_ACTIONS.has(action)) return 'medium';
  if (INFO_ACTIONS.has(action) || INFO_DOMAINS.has(domainOf(action))) return 'info';
  return 'low';
}
