/**
 * What the verifiable log covers: every table whose rows are records, and every table of settings
 * that decides who may do what and where records go, each as one leaf kind. A leaf is queued (by a
 * trigger, server/log/leaf-sql.ts) for every row inserted and, where rows change, for every version
 * written, and for settings also for every row deleted, so the latest leaf of a record always
 * equals the stored row (or, for a deleted setting, says it was deleted).
 *
 * A leaf is the RFC 8785 text of { "kind", "row": { every column by name }, "v": 1 }. Columns
 * listed in `digested` appear as "<column>_sha256": the hex SHA-256 of their bytes (UTF-8 for
 * text), so a leaf stays small while still pinning a recording's content.
 */
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import {
  accessReviewItems,
  accessReviews,
  accessSessions,
  agentDirectives,
  activityLog,
  alertRules,
  alerts,
  apiTokens,
  approvalDecisions,
  approvalPolicies,
  approvals,
  auditEntries,
  caseItems,
  caseNotes,
  cases,
  chatIdentities,
  chatLinkCodes,
  chatWorkspaceClaims,
  chatWorkspaceInstalls,
  chatWorkspaces,
  commandStatusChanges,
  commands,
  desktopRecordingChunks,
  desktopRecordings,
  fileTransfers,
  notificationChannels,
  onCallIntegrations,
  reportRuns,
  reportSchedules,
  retentionPolicies,
  roleAssignments,
  roles,
  servers,
  sessionChecks,
  sudoAuthorizations,
  sudoChecks,
  systemLogs,
  terminalRecordingChunks,
  terminalRecordings,
  terminalSessions,
  userTotp,
  users,
  webhookSubscriptions,
} from '../db/tables/index.js';

export interface LeafKind {
  readonly kind: string;
  readonly table: PgTable;
  /** SQL over the row alias `n` giving the record's id as text. */
  readonly recordId: string;
  /** Whether rows change after they are written (a leaf per version), or are written once. */
  readonly isVersioned: boolean;
  /**
   * Columns that are not part of the leaf: those the sequencer fills in after the leaf was queued,
   * and a setting's bookkeeping that Vigil updates without an audit entry (a token's last use, a
   * count of wrong codes). An update that changes only these queues no leaf.
   */
  readonly excluded?: readonly string[];
  readonly digested?: readonly string[];
  /**
   * Nullable columns added to the table after its first leaves were written: left out of the leaf
   * while null, so the leaves of rows written before keep their text and still verify.
   */
  readonly addedLater?: readonly string[];
}

/** The records, covered since migration 0011. */
export const RECORD_LEAF_KINDS: readonly LeafKind[] = [
  { kind: 'audit_entry', table: auditEntries, recordId: 'n.id::text', isVersioned: false, excluded: ['seq', 'prev_hash', 'hash'] },
  { kind: 'activity', table: activityLog, recordId: 'n.id::text', isVersioned: false },
  { kind: 'access_session', table: accessSessions, recordId: 'n.id::text', isVersioned: true },
  // end_reason and ended_by_id since migration 0020.
  { kind: 'terminal_session', table: terminalSessions, recordId: 'n.id::text', isVersioned: true, addedLater: ['end_reason', 'ended_by_id'] },
  // working_directory since migration 0015.
  { kind: 'command', table: commands, recordId: 'n.id::text', isVersioned: true, addedLater: ['working_directory'] },
  { kind: 'command_status_change', table: commandStatusChanges, recordId: 'n.id::text', isVersioned: false },
  { kind: 'file_transfer', table: fileTransfers, recordId: 'n.id::text', isVersioned: true },
  { kind: 'system_log', table: systemLogs, recordId: 'n.id::text', isVersioned: false },
  { kind: 'sudo_authorization', table: sudoAuthorizations, recordId: 'n.id::text', isVersioned: true },
  { kind: 'sudo_check', table: sudoChecks, recordId: 'n.id::text', isVersioned: false },
  // on_call_schedules and on_call_check since migration 0029.
  { kind: 'approval', table: approvals, recordId: 'n.id::text', isVersioned: true, addedLater: ['on_call_schedules', 'on_call_check'] },
  { kind: 'approval_decision', table: approvalDecisions, recordId: 'n.id::text', isVersioned: false },
  { kind: 'terminal_recording', table: terminalRecordings, recordId: 'n.id::text', isVersioned: true },
  {
    kind: 'recording_chunk',
    table: terminalRecordingChunks,
    recordId: `n.recording_id::text || ':' || n.seq::text`,
    isVersioned: false,
    digested: ['data', 'output_text', 'input_text'],
  },
  // Since migration 0020.
  { kind: 'agent_directive', table: agentDirectives, recordId: 'n.id::text', isVersioned: true },
  // Since migration 0021.
  { kind: 'session_check', table: sessionChecks, recordId: 'n.id::text', isVersioned: false },
  // Since migration 0024: the video's bytes are pinned by their digest, as a terminal chunk's are.
  { kind: 'desktop_recording', table: desktopRecordings, recordId: 'n.id::text', isVersioned: true },
  {
    kind: 'desktop_recording_chunk',
    table: desktopRecordingChunks,
    recordId: `n.recording_id::text || ':' || n.seq::text`,
    isVersioned: false,
    digested: ['data'],
  },
  // Since migration 0032: access review campaigns and each item's decision (the campaign's result).
  { kind: 'access_review', table: accessReviews, recordId: 'n.id::text', isVersioned: true },
  { kind: 'access_review_item', table: accessReviewItems, recordId: 'n.id::text', isVersioned: true },
  // Since migration 0033: incident cases, what is attached to them (a detachment is a version) and their notes (append-only).
  { kind: 'case', table: cases, recordId: 'n.id::text', isVersioned: true },
  { kind: 'case_item', table: caseItems, recordId: 'n.id::text', isVersioned: true },
  { kind: 'case_note', table: caseNotes, recordId: 'n.id::text', isVersioned: false },
];

/**
 * Covered since migration 0014: the settings, and the alerts rules raise. Their rows may be removed
 * (an alert goes with its rule), so a deletion queues a deletion leaf; an update queues a leaf only
 * for rows whose leaf text changed. Sealed secrets appear only as their digest; a token's hash is
 * itself a digest, and a leaf pins it without giving it away any more than the table does.
 */
export const DELETABLE_LEAF_KINDS: readonly LeafKind[] = [
  // managing_account_id since migration 0036: set while the user is an admin of the workspace's account.
  { kind: 'user', table: users, recordId: 'n.id::text', isVersioned: true, addedLater: ['managing_account_id'] },
  { kind: 'api_token', table: apiTokens, recordId: 'n.id::text', isVersioned: true, excluded: ['last_used_at'], digested: ['token_hash'] },
  { kind: 'server', table: servers, recordId: 'n.id::text', isVersioned: true },
  // requires_access_session since migration 0021, watch_announced and watch_by_approvers since 0022,
  // extension_approval and max_total_duration_seconds since 0026.
  {
    kind: 'approval_policy',
    table: approvalPolicies,
    recordId: 'n.id::text',
    isVersioned: true,
    addedLater: [
      'requires_access_session',
      'watch_announced',
      'watch_by_approvers',
      'extension_approval',
      'max_total_duration_seconds',
      'on_call_schedules',
      'on_call_auto_approval',
    ],
  },
  { kind: 'retention_policy', table: retentionPolicies, recordId: 'n.kind', isVersioned: true },
  { kind: 'notification_channel', table: notificationChannels, recordId: 'n.id::text', isVersioned: true, digested: ['sealed_secrets'] },
  { kind: 'alert_rule', table: alertRules, recordId: 'n.id::text', isVersioned: true, excluded: ['evaluated_through'] },
  { kind: 'alert', table: alerts, recordId: 'n.id::text', isVersioned: true },
  {
    kind: 'webhook_subscription',
    table: webhookSubscriptions,
    recordId: 'n.id::text',
    isVersioned: true,
    digested: ['sealed_secret', 'sealed_headers'],
  },
  // Where chat approvals go (the binding, with its proof) and who a chat user is in Vigil.
  // Since migration 0030 a Slack workspace installed through OAuth holds its own bot token: only the digest of its sealed form.
  {
    kind: 'chat_workspace',
    table: chatWorkspaces,
    recordId: 'n.provider',
    isVersioned: true,
    addedLater: ['bot_token_sealed', 'bot_user_id'],
    digested: ['bot_token_sealed'],
  },
  // A code is short (40 or 60 bits): a reader of the log must not be able to search for it, so its hash stays out.
  // Record ids are unique across kinds (logLeaves and proofs take the id alone): a claim is `claim:<provider>`.
  { kind: 'chat_workspace_claim', table: chatWorkspaceClaims, recordId: `'claim:' || n.provider`, isVersioned: true, excluded: ['code_hash'] },
  // Since migration 0030: an "Add to Slack" install a tenant admin started; its state's hash stays out as a code's does.
  { kind: 'chat_workspace_install', table: chatWorkspaceInstalls, recordId: `'install:' || n.provider`, isVersioned: true, excluded: ['state_hash'] },
  { kind: 'chat_identity', table: chatIdentities, recordId: `n.provider || ':' || n.external_user_id`, isVersioned: true },
  { kind: 'chat_link_code', table: chatLinkCodes, recordId: 'n.id::text', isVersioned: true, excluded: ['code_hash'] },
  // Since migration 0029: whose schedules may make people approvers. The key appears only as the digest of its sealed form.
  { kind: 'on_call_integration', table: onCallIntegrations, recordId: 'n.id::text', isVersioned: true, digested: ['sealed_api_key'] },
  // Wrong codes are counted outside the transaction they came with (it rolls back).
  {
    kind: 'user_totp',
    table: userTotp,
    recordId: 'n.user_id::text',
    isVersioned: true,
    excluded: ['failed_attempts', 'failed_since'],
    digested: ['sealed_secret'],
  },
  // Since migration 0031: custom roles (permissions, server label selectors) and who holds them.
  { kind: 'role', table: roles, recordId: 'n.id::text', isVersioned: true },
  { kind: 'role_assignment', table: roleAssignments, recordId: 'n.id::text', isVersioned: true },
  // Since migration 0034: review digest schedules (next_run_at is the job's bookkeeping) and the
  // digests they made, with how each channel took them (a lease's next_attempt_at stays out).
  { kind: 'report_schedule', table: reportSchedules, recordId: 'n.id::text', isVersioned: true, excluded: ['next_run_at'] },
  { kind: 'report_run', table: reportRuns, recordId: 'n.id::text', isVersioned: true, excluded: ['next_attempt_at'] },
];

export const LEAF_KINDS: readonly LeafKind[] = [...RECORD_LEAF_KINDS, ...DELETABLE_LEAF_KINDS];

/** Leaves Vigil writes about the log itself (a retention cut), not about a stored row. */
export const LOG_STATEMENT_KIND = 'log_statement';

export function tableNameOf(kind: LeafKind): string {
  return getTableConfig(kind.table).name;
}

export function leafKindByName(name: string): LeafKind | undefined {
  return LEAF_KINDS.find((kind) => kind.kind === name);
}
