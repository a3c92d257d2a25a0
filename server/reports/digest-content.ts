/**
 * The facts of one review digest, as kept in report_runs.content and rendered for every channel.
 * Each section is a bounded query over the period: its total, and at most TOP_N items, each naming
 * the records behind it by id (audit entries, activity entries, approvals, decisions, commands), so
 * a reader can open and prove every one.
 */
export const TOP_N = 20;

/** A part of a digest: how many there were, and the first TOP_N of them. */
export interface Listed<Item> {
  readonly total: number;
  readonly items: readonly Item[];
}

export interface PrivilegedGrant {
  /** admin_role: made an admin; permissions: permissions added; role_assigned: a custom role given. */
  readonly kind: 'admin_role' | 'permissions' | 'role_assigned';
  readonly at: string;
  readonly userId: string | null;
  readonly userEmail: string | null;
  /** A role assigned to every member of a group: the group. */
  readonly group: string | null;
  /** A role assigned: the assignment (a role_assignment record). */
  readonly roleAssignmentId: string | null;
  /** What was given: `admin`, the permissions added, or the role's name. */
  readonly granted: readonly string[];
  readonly byActorId: string;
  readonly byEmail: string | null;
  readonly auditEntryId: string;
}

export interface FailedSignIns {
  /** The email as typed or known, else the address, else `unknown`. */
  readonly subject: string;
  readonly count: number;
  readonly lastAt: string;
  readonly addresses: readonly string[];
  /** The newest few activity entries behind the count. */
  readonly activityIds: readonly string[];
}

export interface OutsideHoursApproval {
  readonly approvalId: string;
  readonly kind: string;
  readonly approvedAt: string;
  /** auto: approved on the spot by policy; self: by its requester; approver: by someone else. */
  readonly how: 'auto' | 'self' | 'approver';
  readonly requesterId: string;
  readonly requesterEmail: string | null;
  readonly approverId: string | null;
  readonly approverEmail: string | null;
  readonly serverId: string | null;
  readonly command: string | null;
}

export interface RubberStamp {
  readonly approverId: string;
  readonly approverEmail: string | null;
  /** Every one of these decisions was an approval. */
  readonly decisions: number;
  /** The newest few decisions behind the count. */
  readonly decisionIds: readonly string[];
}

export interface WatchedCommand {
  readonly commandId: string;
  readonly line: string;
  /** The first watch pattern it matches. */
  readonly pattern: string;
  readonly submittedAt: string;
  readonly serverId: string;
  readonly serverName: string | null;
  readonly operatorUserId: string | null;
  readonly operatorEmail: string | null;
}

export interface DigestContent {
  readonly version: 1;
  readonly schedule: { readonly id: string; readonly name: string; readonly timezone: string };
  readonly period: { readonly start: string; readonly end: string };
  /** Nothing in any section: the digest says so rather than stay away. */
  readonly isQuiet: boolean;
  readonly privilegedGrants?: Listed<PrivilegedGrant>;
  readonly failedSignIns?: Listed<FailedSignIns> & { readonly attempts: number };
  readonly unusualApprovals?: {
    readonly outsideHours: Listed<OutsideHoursApproval>;
    readonly approvesEverything: Listed<RubberStamp> & { readonly threshold: number };
  };
  readonly watchedCommands?: Listed<WatchedCommand> & { readonly patterns: readonly string[] };
}

/** A period as the section queries take it: [start, end). */
export interface Period {
  readonly tenantId: string;
  readonly start: Date;
  readonly end: Date;
}

export const isoTime = (value: Date | string) => new Date(value).toISOString();
