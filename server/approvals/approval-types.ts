/**
 * Requests, decisions, policies and sudo checks as everything above the queries sees them: what
 * the API shows, and what the review rules (server/auth/scope.ts) and chat rules read. They are
 * written out rather than inferred from the tables, so a column renamed or retyped fails to
 * compile where a service hands its rows out, instead of changing the API unnoticed. The value
 * vocabularies (kinds, statuses, channels) stay the tables' own.
 */
import type { ApprovalStatus, ChatApprovalMode, Decision, DecisionChannel, ExtensionApprovalMode, RequestKind, SudoCheckOutcome } from '../db/tables/index.js';

/** A request for access or sudo, with the rules of its policy copied on when it was made. */
export interface ApprovalRecord {
  readonly id: string;
  readonly kind: RequestKind;
  readonly status: ApprovalStatus;
  readonly requesterId: string;
  readonly reason: string;
  /** The access session requested (access), or the one the sudo request was made in. */
  readonly accessSessionId: string;
  /** Sudo: the server, and the command or pattern asked for. */
  readonly serverId: string | null;
  readonly command: string | null;
  readonly isPattern: boolean;
  /** Access: how long the grant lasts once it starts. Extension: how much later the session is to end. */
  readonly durationSeconds: number | null;
  /** The governing policy, and its name when the request was made; null under the default rules. */
  readonly policyId: string | null;
  readonly policyName: string | null;
  readonly requiredApprovals: number;
  readonly approverGroups: readonly string[];
  readonly isAdminApprover: boolean;
  readonly isApprovalJustificationRequired: boolean;
  readonly chatApproval: ChatApprovalMode;
  readonly chatMaxDurationSeconds: number | null;
  readonly isAutoApproved: boolean;
  /** The sudo grant an approved sudo request produced. */
  readonly sudoAuthorizationId: string | null;
  readonly requestedAt: Date;
  readonly decideBy: Date;
  /** When it stopped being pending, and who closed it (the deciding reviewer, or who cancelled). */
  readonly closedAt: Date | null;
  readonly closedById: string | null;
  readonly cancelReason: string | null;
  /** The policy's on-call schedules (server/oncall/schedule-keys.ts); null for none. */
  readonly onCallSchedules?: readonly string[] | null;
  /** Whether the requester was on call when it was filed (server/oncall/on-call-approval.ts); null when the policy does not ask. */
  readonly onCallCheck?: Readonly<Record<string, unknown>> | null;
}

/** One reviewer's decision on one request. */
export interface ApprovalDecisionRecord {
  readonly id: string;
  readonly approvalId: string;
  readonly approverId: string;
  readonly decision: Decision;
  readonly justification: string | null;
  readonly channel: DecisionChannel;
  /** The chat user who clicked, when decided in Slack or Teams. */
  readonly chatUserId: string | null;
  readonly decidedAt: Date;
}

/** Who may approve which requests, how many approvals they need and how fast. */
export interface ApprovalPolicyRecord {
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  readonly requestKinds: readonly string[];
  readonly serverLabels: Readonly<Record<string, string>>;
  readonly requesterGroups: readonly string[];
  readonly approverGroups: readonly string[];
  readonly isAdminApprover: boolean;
  /** Distinct approvals needed; 0 approves every request the policy governs on the spot. */
  readonly requiredApprovals: number;
  readonly decisionTimeoutSeconds: number;
  readonly isApprovalJustificationRequired: boolean;
  /** Sudo commands (or `*` patterns) granted without review. */
  readonly autoApproveCommands: readonly string[];
  readonly maxDurationSeconds: number | null;
  readonly chatApproval: ChatApprovalMode;
  readonly chatMaxDurationSeconds: number | null;
  readonly priority: number;
  readonly isEnabled: boolean;
  /** Null for policies that never said (before migration 0021): false. */
  readonly requiresAccessSession: boolean | null;
  readonly watchAnnounced: boolean | null;
  readonly watchByApprovers: boolean | null;
  /** On-call schedules whose people on call may approve (keys); null for none. */
  readonly onCallSchedules?: readonly string[] | null;
  /** Whether an on-call requester is approved on the spot; null is false. */
  readonly onCallAutoApproval?: boolean | null;
  /** Null for policies that never said (before migration 0026): as_request. */
  readonly extensionApproval: ExtensionApprovalMode | null;
  /** The longest a session it governs may last in all, extensions included; null: maxDurationSeconds. */
  readonly maxTotalDurationSeconds: number | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** An agent's sudo check and the answer it got. */
export interface SudoCheckRecord {
  readonly id: string;
  readonly serverId: string;
  /** The Vigil user, when the agent's user reference resolved to one. */
  readonly userId: string | null;
  /** The user as the agent named them (id or email). */
  readonly userRef: string;
  readonly command: string;
  readonly isAllowed: boolean;
  readonly outcome: SudoCheckOutcome;
  readonly sudoAuthorizationId: string | null;
  readonly checkedAt: Date;
}
