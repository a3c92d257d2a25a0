/**
 * What each leaf kind means as an event: its category, its type, how severe it is, how it came out,
 * when it happened and who did it, all read from the leaf's row alone (the README's "Event stream"
 * table says the same in prose; keep the two together). Statuses are the tables' own vocabularies
 * (server/db/tables); a status the table gains later still makes a type, `<kind>.<status>`.
 *
 * Times: the record's own time for what this version records (a command's finish, a session's
 * start or end); where the row has none (a setting changed), the time of the audit entry written
 * in the same transaction (event-times.ts).
 */
import type { AccessSessionStatus, AlertState, ApprovalStatus, CommandStatus, LogLevelName, Severity, SudoCheckOutcome } from '../db/tables/index.js';
import { categoryOfAction, severityOfAction } from './action-rules.js';
import type { EventActor, EventCategory, EventOutcome } from './stream-event.js';

export type LeafRow = Readonly<Record<string, unknown>>;

export interface KindRule {
  readonly category: EventCategory | ((row: LeafRow) => EventCategory);
  /** The type, without deletion (a deleted setting is `<kind>.deleted` whatever its rule). */
  type(row: LeafRow): string;
  severity(row: LeafRow): Severity;
  outcome(row: LeafRow): EventOutcome;
  /** The columns giving the event's time, first non-null wins; none: its transaction's audit entry's time (event-times.ts). */
  time(row: LeafRow): readonly string[];
  actor(row: LeafRow): EventActor | null;
}

const text = (row: LeafRow, column: string): string | null => {
  const value = row[column];
  return typeof value === 'string' ? value : null;
};

const person = (id: string | null, email: string | null = null, name: string | null = null): EventActor => ({ type: 'user', id, email, name });
const AGENT: EventActor = { type: 'agent', id: null, email: null, name: null };
const SYSTEM: EventActor = { type: 'system', id: null, email: null, name: null };
/** A named person when the row names one, else the given fallback. */
const personOr = (id: string | null, fallback: EventActor): EventActor => (id ? person(id) : fallback);

/** Status words as event types say them: a verb's past for outcomes, the status itself otherwise. */
const COMMAND_TYPE: Record<CommandStatus, string> = {
  scheduled: 'scheduled',
  running: 'running',
  success: 'succeeded',
  failed: 'failed',
  unresponsive: 'unresponsive',
};
const commandWord = (status: string | null): string => COMMAND_TYPE[status as CommandStatus] ?? status ?? 'unknown';
const commandSeverity = (status: string | null): Severity => (status === 'failed' ? 'medium' : status === 'unresponsive' ? 'low' : 'info');
const commandOutcome = (status: string | null): EventOutcome => (status === 'success' ? 'success' : status === 'failed' ? 'failure' : 'unknown');

const LOG_LEVEL_SEVERITY: Record<LogLevelName, Severity> = {
  debug: 'info',
  info: 'info',
  notice: 'info',
  warning: 'low',
  error: 'medium',
  critical: 'high',
  alert: 'critical',
  emergency: 'critical',
};

const ACCESS_OUTCOME: Record<AccessSessionStatus, EventOutcome> = {
  pending: 'unknown',
  approved: 'success',
  active: 'success',
  ended: 'success',
  denied: 'failure',
  expired: 'failure',
  revoked: 'failure',
  cancelled: 'unknown',
};
const APPROVAL_OUTCOME: Record<ApprovalStatus, EventOutcome> = {
  pending: 'unknown',
  approved: 'success',
  denied: 'failure',
  expired: 'failure',
  cancelled: 'unknown',
};
const SUDO_CHECK_SEVERITY: Record<SudoCheckOutcome, Severity> = {
  granted: 'info',
  expired: 'medium',
  revoked: 'medium',
  not_granted: 'medium',
  unknown_user: 'high',
};
const ALERT_TIME: Record<AlertState, string> = { fired: 'fired_at', acknowledged: 'acknowledged_at', resolved: 'resolved_at' };

/** A setting: who may do what, and where the record goes. */
function settingRule(category: EventCategory): KindRule {
  return { category, type: () => 'changed', severity: () => 'low', outcome: () => 'success', time: () => [], actor: () => null };
}

/** A recording (terminal or desktop) started, then completed; its chunks appended by the agent. */
const RECORDING_RULE: KindRule = {
  category: 'session',
  type: (row) => (row.status === 'complete' ? 'completed' : 'started'),
  severity: () => 'info',
  outcome: () => 'success',
  time: () => ['ended_at', 'started_at'],
  actor: (row) => personOr(text(row, 'user_id'), AGENT),
};
const RECORDING_CHUNK_RULE: KindRule = {
  category: 'session',
  type: () => 'appended',
  severity: () => 'info',
  outcome: () => 'success',
  time: () => ['created_at'],
  actor: () => AGENT,
};

export const KIND_RULES: Readonly<Record<string, KindRule>> = {
  audit_entry: {
    category: (row) => categoryOfAction(text(row, 'action') ?? ''),
    type: (row) => text(row, 'action') ?? 'unknown',
    severity: (row) => severityOfAction(text(row, 'action') ?? ''),
    outcome: () => 'success',
    time: () => ['occurred_at'],
    actor: (row) => ({
      type: (text(row, 'actor_type') ?? 'system') as EventActor['type'],
      id: text(row, 'actor_id'),
      email: text(row, 'actor_email'),
      name: null,
    }),
  },
  activity: {
    category: (row) => categoryOfAction(text(row, 'action') ?? ''),
    type: (row) => text(row, 'action') ?? 'unknown',
    // A failure (an HTTP-like result of 400 or more) is one step up from what the action is.
    severity: (row) => {
      const severity = severityOfAction(text(row, 'action') ?? '');
      return Number(row.result) >= 400 && severity !== 'medium' ? (severity === 'info' ? 'low' : 'medium') : severity;
    },
    outcome: (row) => (Number(row.result) >= 400 ? 'failure' : 'success'),
    time: () => ['occurred_at'],
    actor: (row) => (text(row, 'user_id') || text(row, 'user_email') ? person(text(row, 'user_id'), text(row, 'user_email')) : null),
  },
  access_session: {
    category: 'session',
    type: (row) => text(row, 'status') ?? 'unknown',
    severity: (row) => (row.status === 'revoked' ? 'medium' : row.status === 'denied' ? 'low' : 'info'),
    outcome: (row) => ACCESS_OUTCOME[row.status as AccessSessionStatus] ?? 'unknown',
    time: (row) =>
      ['ended', 'revoked', 'expired'].includes(String(row.status))
        ? ['ended_at']
        : row.status === 'active'
          ? ['starts_at']
          : row.status === 'pending'
            ? ['requested_at']
            : [],
    actor: (row) => {
      switch (row.status) {
        case 'approved':
        case 'denied':
          return personOr(text(row, 'approver_id'), SYSTEM);
        case 'ended':
        case 'revoked':
          return personOr(text(row, 'ended_by_id') ?? text(row, 'requester_id'), SYSTEM);
        case 'expired':
          return SYSTEM;
        default:
          return personOr(text(row, 'requester_id'), SYSTEM);
      }
    },
  },
  terminal_session: {
    category: 'session',
    type: (row) => (row.ended_at ? 'ended' : 'started'),
    severity: () => 'info',
    outcome: () => 'success',
    time: () => ['ended_at', 'started_at'],
    actor: (row) => person(text(row, 'user_id'), null, text(row, 'username')),
  },
  terminal_recording: RECORDING_RULE,
  recording_chunk: RECORDING_CHUNK_RULE,
  // The agent names the person's account on the server as well (username).
  desktop_recording: { ...RECORDING_RULE, actor: (row) => person(text(row, 'user_id'), null, text(row, 'username')) },
  desktop_recording_chunk: RECORDING_CHUNK_RULE,
  // Issued (by the change that called for it), then answered by the agent.
  agent_directive: {
    category: 'session',
    type: (row) => (row.acknowledged_at ? (text(row, 'outcome') ?? 'acknowledged') : 'issued'),
    severity: (row) => (row.outcome === 'failed' ? 'medium' : 'info'),
    outcome: (row) => (row.outcome === 'failed' ? 'failure' : row.acknowledged_at ? 'success' : 'unknown'),
    time: (row) => (row.acknowledged_at ? ['acknowledged_at'] : ['issued_at']),
    actor: (row) => (row.acknowledged_at ? AGENT : personOr(text(row, 'issued_by_id'), SYSTEM)),
  },
  command: {
    category: 'command',
    type: (row) => commandWord(text(row, 'status')),
    severity: (row) => commandSeverity(text(row, 'status')),
    outcome: (row) => commandOutcome(text(row, 'status')),
    time: (row) => {
      switch (row.status) {
        case 'success':
        case 'failed':
          return ['finished_at', 'last_update_at', 'submitted_at'];
        case 'running':
          return ['started_at', 'submitted_at'];
        case 'unresponsive':
          return ['last_update_at', 'submitted_at'];
        default:
          return ['submitted_at'];
      }
    },
    actor: (row) => personOr(text(row, 'operator_user_id'), AGENT),
  },
  command_status_change: {
    category: 'command',
    type: (row) => commandWord(text(row, 'to_status')),
    severity: (row) => commandSeverity(text(row, 'to_status')),
    outcome: (row) => commandOutcome(text(row, 'to_status')),
    time: () => ['reported_at'],
    actor: () => AGENT,
  },
  file_transfer: {
    category: 'file',
    type: (row) => (row.status === 'success' ? 'succeeded' : (text(row, 'status') ?? 'unknown')),
    severity: (row) => (row.status === 'failed' ? 'low' : 'info'),
    outcome: (row) => (row.status === 'success' ? 'success' : row.status === 'failed' ? 'failure' : 'unknown'),
    time: () => ['occurred_at'],
    actor: (row) => person(text(row, 'user_id'), null, text(row, 'username')),
  },
  system_log: {
    category: 'system',
    type: (row) => text(row, 'level') ?? 'unknown',
    severity: (row) => LOG_LEVEL_SEVERITY[row.level as LogLevelName] ?? 'info',
    outcome: () => 'unknown',
    time: () => ['logged_at'],
    actor: (row) => ({ ...SYSTEM, name: text(row, 'program') }),
  },
  sudo_authorization: {
    category: 'privilege',
    type: (row) => (row.revoked_at ? 'revoked' : 'granted'),
    // A grant an admin made by hand skips review: one step up from those a policy or an approval made.
    severity: (row) => (!row.revoked_at && row.granted_via === 'admin' ? 'medium' : 'low'),
    outcome: () => 'success',
    time: () => ['revoked_at', 'granted_at'],
    actor: (row) => (row.revoked_at ? personOr(text(row, 'revoked_by_id'), SYSTEM) : personOr(text(row, 'granted_by_id'), SYSTEM)),
  },
  sudo_check: {
    category: 'privilege',
    type: (row) => text(row, 'outcome') ?? 'unknown',
    severity: (row) => SUDO_CHECK_SEVERITY[row.outcome as SudoCheckOutcome] ?? 'medium',
    outcome: (row) => (row.is_allowed === true ? 'success' : 'failure'),
    time: () => ['checked_at'],
    actor: () => AGENT,
  },
  // An agent asking whether a person may open a session (authorize-session.ts).
  session_check: {
    category: 'session',
    type: (row) => text(row, 'decision') ?? 'unknown',
    severity: (row) => (row.reason === 'unknown_user' ? 'high' : row.decision === 'denied' ? 'medium' : row.decision === 'pending' ? 'low' : 'info'),
    outcome: (row) => (row.decision === 'allowed' ? 'success' : row.decision === 'denied' ? 'failure' : 'unknown'),
    time: () => ['checked_at'],
    actor: () => AGENT,
  },
  approval: {
    category: 'approval',
    type: (row) => text(row, 'status') ?? 'unknown',
    // A sudo request denied is a refused privilege: one step up from an access request denied.
    severity: (row) => (row.status === 'denied' ? (row.kind === 'sudo' ? 'medium' : 'low') : row.status === 'expired' ? 'low' : 'info'),
    outcome: (row) => APPROVAL_OUTCOME[row.status as ApprovalStatus] ?? 'unknown',
    time: () => ['closed_at', 'requested_at'],
    actor: (row) => (row.status === 'pending' ? personOr(text(row, 'requester_id'), SYSTEM) : personOr(text(row, 'closed_by_id'), SYSTEM)),
  },
  approval_decision: {
    category: 'approval',
    type: (row) => text(row, 'decision') ?? 'unknown',
    severity: (row) => (row.decision === 'denied' ? 'low' : 'info'),
    outcome: (row) => (row.decision === 'approved' ? 'success' : 'failure'),
    time: () => ['decided_at'],
    actor: (row) => person(text(row, 'approver_id')),
  },
  // Access reviews (server/reviews): a campaign opened, marked overdue, completed or cancelled, and each item's decision.
  access_review: {
    category: 'privilege',
    type: (row) => (row.status === 'open' && row.overdue_at ? 'overdue' : (text(row, 'status') ?? 'unknown')),
    severity: (row) => (row.status === 'open' && row.overdue_at ? 'medium' : 'info'),
    outcome: (row) => (row.status === 'completed' ? 'success' : 'unknown'),
    time: () => ['completed_at', 'cancelled_at', 'overdue_at', 'created_at'],
    actor: (row) => personOr(text(row, 'closed_by_id') ?? (row.overdue_at ? null : text(row, 'created_by_id')), SYSTEM),
  },
  access_review_item: {
    category: 'privilege',
    type: (row) => (row.decision === 'revoke' ? 'revoked' : row.decision === 'keep' ? 'kept' : 'pending'),
    severity: (row) => (row.decision === 'revoke' ? 'medium' : 'info'),
    outcome: (row) => (row.decision ? 'success' : 'unknown'),
    time: () => ['decided_at', 'created_at'],
    actor: (row) => personOr(text(row, 'decided_by_id'), SYSTEM),
  },
  alert: {
    category: 'system',
    type: (row) => text(row, 'state') ?? 'unknown',
    severity: (row) => (row.state === 'fired' ? ((text(row, 'severity') as Severity | null) ?? 'medium') : 'info'),
    outcome: () => 'unknown',
    time: (row) => [ALERT_TIME[row.state as AlertState] ?? 'fired_at', 'fired_at'],
    actor: (row) =>
      row.state === 'acknowledged'
        ? personOr(text(row, 'acknowledged_by_id'), SYSTEM)
        : row.state === 'resolved'
          ? personOr(text(row, 'resolved_by_id'), SYSTEM)
          : SYSTEM,
  },
  user: settingRule('administration'),
  server: settingRule('administration'),
  approval_policy: settingRule('administration'),
  retention_policy: settingRule('administration'),
  notification_channel: settingRule('administration'),
  alert_rule: settingRule('administration'),
  webhook_subscription: settingRule('administration'),
  chat_workspace: settingRule('administration'),
  chat_workspace_claim: settingRule('administration'),
  api_token: settingRule('authentication'),
  chat_identity: settingRule('authentication'),
  chat_link_code: settingRule('authentication'),
  user_totp: settingRule('authentication'),
  // Custom roles and who holds them change who may do what.
  role: settingRule('privilege'),
  role_assignment: settingRule('privilege'),
  // Review digests: a schedule is a setting; a run is Vigil reporting on the period.
  report_schedule: settingRule('administration'),
  report_run: settingRule('system'),
};

/** A kind without a rule (added to the log later): an administrative change, until it gets one. */
export const UNKNOWN_KIND_RULE: KindRule = settingRule('administration');

/** The retention statements (`log_statement` leaves): what the log itself says of its leaves. */
export const LOG_STATEMENT_RULE: KindRule = {
  category: 'system',
  type: (statement) => text(statement, 'action') ?? 'unknown',
  severity: () => 'low',
  outcome: () => 'success',
  time: () => [],
  actor: () => SYSTEM,
};
