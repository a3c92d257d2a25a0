import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { accessSessions } from './access-sessions.js';
import { eventTime, oneOf, sameTenantReference, tenantId, writtenAt } from './columns.js';
import { servers } from './servers.js';
import { users } from './users.js';

/** What a request asks for: access to servers, sudo for a command, or a later end for an access session in force. */
export const REQUEST_KINDS = ['access', 'sudo', 'extension'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

/** The kinds a policy names: an extension is governed by the policy of the session it extends. */
export const POLICY_REQUEST_KINDS = ['access', 'sudo'] as const;
export type PolicyRequestKind = (typeof POLICY_REQUEST_KINDS)[number];

/**
 * Whether extending an access session a policy governs needs a new approval: `as_request` holds
 * the extension to the policy's approval rules, as a request (none needed when it needs none);
 * `not_required` moves the end at once, within the policy's limits; `disabled` refuses it.
 */
export const EXTENSION_APPROVAL_MODES = ['as_request', 'not_required', 'disabled'] as const;
export type ExtensionApprovalMode = (typeof EXTENSION_APPROVAL_MODES)[number];

export const APPROVAL_STATUSES = ['pending', 'approved', 'denied', 'cancelled', 'expired'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/**
 * Whether an approver may decide in Slack or Teams. A click in chat skips the MFA a web sign-in
 * enforces, so a policy may refuse it, or ask for a TOTP code with the click (step-up).
 */
export const CHAT_APPROVAL_MODES = ['disabled', 'allowed', 'step_up'] as const;
export type ChatApprovalMode = (typeof CHAT_APPROVAL_MODES)[number];

export const DECISIONS = ['approved', 'denied'] as const;
export type Decision = (typeof DECISIONS)[number];

/** Where a decision was made: Vigil's web app, the API, or a chat bot. */
export const DECISION_CHANNELS = ['web', 'api', 'slack', 'teams'] as const;
export type DecisionChannel = (typeof DECISION_CHANNELS)[number];

/**
 * Who may approve what, per tenant. A policy governs a request when it covers the request's kind,
 * any server in scope carries all of `serverLabels`, and the requester is in one of
 * `requesterGroups` (or the list is empty); of several, the highest `priority` governs.
 */
export const approvalPolicies = pgTable(
  'approval_policies',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    requestKinds: text('request_kinds').array().notNull(),
    serverLabels: jsonb('server_labels')
      .$type<Record<string, string>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    requesterGroups: text('requester_groups')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    approverGroups: text('approver_groups')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    isAdminApprover: boolean('is_admin_approver').notNull().default(true),
    /** Distinct approvals needed; 0 approves every request the policy governs on the spot. */
    requiredApprovals: integer('required_approvals').notNull().default(1),
    decisionTimeoutSeconds: integer('decision_timeout_seconds').notNull().default(3600),
    isApprovalJustificationRequired: boolean('is_approval_justification_required').notNull().default(false),
    /** Sudo commands (or `*` patterns) granted without review to the requesters this policy covers. */
    autoApproveCommands: text('auto_approve_commands')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    maxDurationSeconds: integer('max_duration_seconds'),
    chatApproval: text('chat_approval', { enum: CHAT_APPROVAL_MODES }).notNull().default('allowed'),
    /** Access requests longer than this get no buttons in chat, only a link. */
    chatMaxDurationSeconds: integer('chat_max_duration_seconds'),
    priority: integer('priority').notNull().default(0),
    isEnabled: boolean('is_enabled').notNull().default(true),
    /**
     * Whether a session on the servers this policy covers (for its requesters) needs an access
     * session in force: what an agent's authorizeSession answers by. Null (policies made before
     * migration 0021) is false.
     */
    requiresAccessSession: boolean('requires_access_session'),
    /** Whether a live watch of a session on the servers it covers is announced to the session's user (a directive to its agent). Null (before migration 0022) is false. */
    watchAnnounced: boolean('watch_announced'),
    /** Whether the approvers of an access session it governed may watch that session's terminal sessions live. Null (before migration 0022) is false. */
    watchByApprovers: boolean('watch_by_approvers'),
    /** How extending a session it governed is decided (EXTENSION_APPROVAL_MODES). Null (before migration 0026) is `as_request`. */
    extensionApproval: text('extension_approval', { enum: EXTENSION_APPROVAL_MODES }),
    /** The longest a session it governs may last, start to end, extensions included; null: max_duration_seconds bounds it. */
    maxTotalDurationSeconds: integer('max_total_duration_seconds'),
    /**
     * On-call schedules whose people on call may approve, besides the approver groups: keys
     * `<on_call_integrations.id>:<the provider's schedule id>` (server/oncall/schedule-keys.ts).
     * Null (before migration 0029) is none.
     */
    onCallSchedules: text('on_call_schedules').array(),
    /** Whether a request by someone on call for one of those schedules is approved on the spot. Null (before migration 0029) is false. */
    onCallAutoApproval: boolean('on_call_auto_approval'),
    createdAt: writtenAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 6 }).notNull().defaultNow(),
    /** Policies are retired, never deleted: the approvals they governed keep naming them. */
    deletedAt: timestamp('deleted_at', { withTimezone: true, precision: 6 }),
  },
  (table) => [
    primaryKey({ name: 'approval_policies_pkey', columns: [table.tenantId, table.id] }),
    uniqueIndex('approval_policies_tenant_name_unique')
      .on(table.tenantId, sql`lower(${table.name})`)
      .where(sql`${table.deletedAt} is null`),
    check('approval_policies_required_approvals_check', sql`${table.requiredApprovals} between 0 and 10`),
    check('approval_policies_timeout_check', sql`${table.decisionTimeoutSeconds} > 0`),
    oneOf('approval_policies_chat_approval_check', table.chatApproval, CHAT_APPROVAL_MODES),
    oneOf('approval_policies_extension_approval_check', table.extensionApproval, EXTENSION_APPROVAL_MODES),
    check('approval_policies_max_total_duration_check', sql`${table.maxTotalDurationSeconds} > 0`),
  ],
);

export type ApprovalPolicyRow = typeof approvalPolicies.$inferSelect;

/**
 * A request waiting for (or past) review: access to servers, or sudo for a command. The rules of
 * the governing policy are copied onto the request when it is made, so editing a policy never
 * changes what a pending request needs.
 */
export const approvals = pgTable(
  'approvals',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    kind: text('kind', { enum: REQUEST_KINDS }).notNull(),
    status: text('status', { enum: APPROVAL_STATUSES }).notNull(),
    requesterId: uuid('requester_id').notNull(),
    reason: text('reason').notNull(),
    /** The access session requested (access), or the one the sudo request was made in. */
    accessSessionId: uuid('access_session_id').notNull(),
    /** Sudo: the server, and the command or pattern asked for. */
    serverId: uuid('server_id'),
    command: text('command'),
    isPattern: boolean('is_pattern').notNull().default(false),
    /** Access: how long the grant lasts once it starts. Extension: how much later the session is to end. */
    durationSeconds: integer('duration_seconds'),
    /** The governing policy; null when none matched and Vigil's default rules applied. */
    policyId: uuid('policy_id'),
    policyName: text('policy_name'),
    requiredApprovals: integer('required_approvals').notNull(),
    approverGroups: text('approver_groups').array().notNull(),
    isAdminApprover: boolean('is_admin_approver').notNull(),
    isApprovalJustificationRequired: boolean('is_approval_justification_required').notNull(),
    chatApproval: text('chat_approval', { enum: CHAT_APPROVAL_MODES }).notNull().default('allowed'),
    chatMaxDurationSeconds: integer('chat_max_duration_seconds'),
    isAutoApproved: boolean('is_auto_approved').notNull().default(false),
    /** The sudo grant an approved sudo request produced. */
    sudoAuthorizationId: uuid('sudo_authorization_id'),
    requestedAt: eventTime('requested_at').notNull(),
    decideBy: eventTime('decide_by').notNull(),
    /** When it stopped being pending, and who closed it (the deciding approver, or who cancelled). */
    closedAt: eventTime('closed_at'),
    closedById: uuid('closed_by_id'),
    cancelReason: text('cancel_reason'),
    /** The policy's on-call schedules, copied like its approver groups; null for none. */
    onCallSchedules: text('on_call_schedules').array(),
    /**
     * Whether the requester was on call when the request was filed, under a policy that approves
     * on-call requesters on the spot (server/oncall/on-call-approval.ts); null when it does not.
     */
    onCallCheck: jsonb('on_call_check').$type<Record<string, unknown>>(),
    createdAt: writtenAt(),
  },
  (table) => [
    primaryKey({ name: 'approvals_pkey', columns: [table.tenantId, table.id] }),
    index('approvals_tenant_time_idx').on(table.tenantId, table.requestedAt, table.id),
    index('approvals_tenant_requester_time_idx').on(table.tenantId, table.requesterId, table.requestedAt, table.id),
    index('approvals_tenant_pending_deadline_idx')
      .on(table.tenantId, table.decideBy)
      .where(sql`${table.status} = 'pending'`),
    index('approvals_tenant_access_idx').on(table.tenantId, table.accessSessionId),
    // Review digests: what was granted in a period.
    index('approvals_tenant_closed_idx').on(table.tenantId, table.closedAt),
    sameTenantReference('approvals_requester_fk', { tenantId: table.tenantId, column: table.requesterId }, users),
    sameTenantReference('approvals_closed_by_fk', { tenantId: table.tenantId, column: table.closedById }, users),
    sameTenantReference('approvals_access_fk', { tenantId: table.tenantId, column: table.accessSessionId }, accessSessions),
    sameTenantReference('approvals_server_fk', { tenantId: table.tenantId, column: table.serverId }, servers),
    oneOf('approvals_kind_check', table.kind, REQUEST_KINDS),
    oneOf('approvals_status_check', table.status, APPROVAL_STATUSES),
  ],
);

export type ApprovalRow = typeof approvals.$inferSelect;

/** One reviewer's decision on one request; a reviewer decides a request at most once. */
export const approvalDecisions = pgTable(
  'approval_decisions',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    approvalId: uuid('approval_id').notNull(),
    approverId: uuid('approver_id').notNull(),
    decision: text('decision', { enum: DECISIONS }).notNull(),
    justification: text('justification'),
    channel: text('channel', { enum: DECISION_CHANNELS }).notNull(),
    /** The chat user who clicked, when decided in Slack or Teams. */
    chatUserId: text('chat_user_id'),
    decidedAt: eventTime('decided_at').notNull(),
    createdAt: writtenAt(),
  },
  (table) => [
    primaryKey({ name: 'approval_decisions_pkey', columns: [table.tenantId, table.id] }),
    unique('approval_decisions_one_per_approver').on(table.tenantId, table.approvalId, table.approverId),
    index('approval_decisions_tenant_approver_time_idx').on(table.tenantId, table.approverId, table.decidedAt),
    // Review digests: the decisions of a period.
    index('approval_decisions_tenant_time_idx').on(table.tenantId, table.decidedAt),
    sameTenantReference('approval_decisions_approval_fk', { tenantId: table.tenantId, column: table.approvalId }, approvals),
    sameTenantReference('approval_decisions_approver_fk', { tenantId: table.tenantId, column: table.approverId }, users),
    oneOf('approval_decisions_decision_check', table.decision, DECISIONS),
    oneOf('approval_decisions_channel_check', table.channel, DECISION_CHANNELS),
  ],
);

export type ApprovalDecisionRow = typeof approvalDecisions.$inferSelect;
