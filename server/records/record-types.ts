/**
 * The records agents report (and the workspace activity log) as everything above the queries sees
 * them: what the API shows, and the references the row rules and nested fields follow. They are
 * written out rather than inferred from the tables, so a column renamed or retyped fails to
 * compile where a service hands its rows out, instead of changing the API unnoticed. The value
 * vocabularies (statuses, sources) stay the tables' own.
 */
import type {
  AccessSessionStatus,
  CommandShell,
  CommandStatus,
  LogLevelName,
  SessionSource,
  SudoGrantSource,
  TransferDirection,
  TransferStatus,
  VerificationOutcome,
} from '../db/tables/index.js';

export interface CommandRecord {
  readonly id: string;
  /** The reporting agent's id for the command. */
  readonly eventId: string;
  readonly serverId: string;
  readonly terminalSessionId: string | null;
  readonly accessSessionId: string | null;
  readonly approvalId: string | null;
  /** Whose command it is (the row rule); null for the agent's own tasks. */
  readonly operatorUserId: string | null;
  readonly operatorTokenId: string | null;
  readonly shell: CommandShell;
  readonly source: SessionSource | null;
  readonly line: string;
  readonly workingDirectory: string | null;
  /** The output or error message: the operator's and admins' to read (a field rule). */
  readonly result: string | null;
  readonly status: CommandStatus;
  readonly exitCode: number | null;
  readonly verification: VerificationOutcome;
  readonly verificationMessage: string | null;
  readonly submittedAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
}

export interface TerminalSessionRecord {
  readonly id: string;
  readonly eventId: string;
  readonly serverId: string;
  /** The Vigil user behind the session (the row rule); null when the agent could not name one. */
  readonly userId: string | null;
  /** The account on the server. */
  readonly username: string;
  readonly groupname: string | null;
  readonly browser: string | null;
  readonly remoteIp: string | null;
  readonly source: SessionSource;
  readonly accessSessionId: string | null;
  readonly approvalId: string | null;
  readonly startedAt: Date;
  readonly endedAt: Date | null;
  /** Set when Vigil ended it through its agent (a directive): `<cause>: <reason>`. */
  readonly endReason: string | null;
  readonly endedById: string | null;
}

export interface SudoAuthorizationRecord {
  readonly id: string;
  /** Set when an agent reported the grant; null for grants Vigil made itself. */
  readonly eventId: string | null;
  readonly serverId: string;
  readonly userId: string;
  /** The command, or a pattern when isPattern. */
  readonly command: string;
  readonly isPattern: boolean;
  readonly grantedVia: SudoGrantSource;
  readonly policyId: string | null;
  readonly approvalId: string | null;
  readonly grantedById: string | null;
  readonly accessSessionId: string | null;
  readonly grantedAt: Date;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
  readonly revokedById: string | null;
}

export interface FileTransferRecord {
  readonly id: string;
  readonly eventId: string;
  readonly serverId: string;
  readonly userId: string | null;
  readonly username: string;
  readonly groupname: string | null;
  readonly direction: TransferDirection;
  readonly objectName: string;
  readonly path: string;
  readonly sizeBytes: number | null;
  readonly remoteIp: string | null;
  readonly status: TransferStatus;
  readonly error: string | null;
  readonly accessSessionId: string | null;
  readonly approvalId: string | null;
  readonly occurredAt: Date;
}

/** A log entry forwarded by a server's agent: the server's, not a person's. */
export interface SystemLogRecord {
  readonly id: string;
  readonly eventId: string;
  readonly serverId: string;
  readonly program: string;
  readonly level: LogLevelName;
  readonly pid: number | null;
  readonly message: string;
  readonly loggedAt: Date;
}

/** A scoped, time-bounded grant of access to servers, and how it ended. */
export interface AccessSessionRecord {
  readonly id: string;
  readonly requesterId: string;
  readonly approverId: string | null;
  readonly approvalId: string | null;
  readonly serverIds: readonly string[];
  /** Servers in scope by label, as requested (`{ "env": "prod" }`). */
  readonly serverLabels: Readonly<Record<string, string>>;
  readonly isSudoAllowed: boolean;
  readonly reason: string;
  readonly status: AccessSessionStatus;
  readonly requestedAt: Date;
  readonly startsAt: Date | null;
  readonly expiresAt: Date | null;
  readonly endedAt: Date | null;
  readonly endedById: string | null;
  readonly endReason: string | null;
}

/** An entry of the workspace activity log (sign-ins, permission changes, tokens, settings). */
export interface ActivityEntryRecord {
  readonly id: string;
  /** Null when the user is unknown (a failed sign-in with a bad token or email). */
  readonly userId: string | null;
  readonly userEmail: string | null;
  readonly action: string;
  readonly result: number;
  readonly ipAddress: string | null;
  readonly userAgent: string | null;
  readonly details: Record<string, unknown>;
  readonly requestId: string | null;
  readonly occurredAt: Date;
}
