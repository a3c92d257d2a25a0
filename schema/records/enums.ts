import { registerEnumType } from 'type-graphql';
import { ACTIVITY_ACTIONS, type ActivityAction } from '../../server/activity/actions.js';

export enum CommandStatusEnum {
  SCHEDULED = 'scheduled',
  RUNNING = 'running',
  SUCCESS = 'success',
  FAILED = 'failed',
  UNRESPONSIVE = 'unresponsive',
}
registerEnumType(CommandStatusEnum, {
  name: 'CommandStatus',
  description: 'SCHEDULED: queued; RUNNING: picked up; SUCCESS/FAILED: finished (final); UNRESPONSIVE: running without an update for too long.',
});

export enum CommandShellEnum {
  SYSTEM = 'system',
  INTERNAL = 'internal',
}
registerEnumType(CommandShellEnum, { name: 'CommandShell', description: 'SYSTEM: submitted by a user; INTERNAL: run by the agent itself.' });

export enum VerificationOutcomeEnum {
  PENDING = 'pending',
  VERIFIED = 'verified',
  FAILED = 'failed',
  SKIPPED = 'skipped',
}
registerEnumType(VerificationOutcomeEnum, { name: 'VerificationOutcome', description: "Whether the agent confirmed the command's effect." });

export enum SessionSourceEnum {
  WEB_TERMINAL = 'web_terminal',
  SHELL_CLI = 'shell_cli',
  VSCODE = 'vscode',
  API = 'api',
}
registerEnumType(SessionSourceEnum, { name: 'SessionSource', description: 'The client used: web terminal, shell CLI, VS Code extension or the API.' });

export enum TransferDirectionEnum {
  UPLOAD = 'upload',
  DOWNLOAD = 'download',
}
registerEnumType(TransferDirectionEnum, { name: 'TransferDirection' });

export enum TransferStatusEnum {
  SUCCESS = 'success',
  FAILED = 'failed',
}
registerEnumType(TransferStatusEnum, { name: 'TransferStatus' });

export enum LogLevelEnum {
  DEBUG = 'debug',
  INFO = 'info',
  NOTICE = 'notice',
  WARNING = 'warning',
  ERROR = 'error',
  CRITICAL = 'critical',
  ALERT = 'alert',
  EMERGENCY = 'emergency',
}
registerEnumType(LogLevelEnum, { name: 'LogLevel', description: 'Syslog severities, least severe first.' });

export enum SudoGrantSourceEnum {
  POLICY = 'policy',
  APPROVAL = 'approval',
  ADMIN = 'admin',
}
registerEnumType(SudoGrantSourceEnum, { name: 'SudoGrantSource', description: 'How a sudo authorization was granted.' });

export enum AccessSessionStatusEnum {
  PENDING = 'pending',
  APPROVED = 'approved',
  DENIED = 'denied',
  CANCELLED = 'cancelled',
  EXPIRED = 'expired',
  ACTIVE = 'active',
  ENDED = 'ended',
  REVOKED = 'revoked',
}
registerEnumType(AccessSessionStatusEnum, { name: 'AccessSessionStatus' });

export enum AgentEventKindEnum {
  TERMINAL_SESSION_STARTED = 'terminal_session_started',
  TERMINAL_SESSION_ENDED = 'terminal_session_ended',
  COMMAND = 'command',
  COMMAND_UPDATE = 'command_update',
  FILE_TRANSFER = 'file_transfer',
  SYSTEM_LOG = 'system_log',
  SUDO_AUTHORIZATION = 'sudo_authorization',
}
registerEnumType(AgentEventKindEnum, { name: 'AgentEventKind', description: 'What an agent reports; each kind has its own payload field.' });

/** Derived from the catalogue: `user.role_changed` is USER_ROLE_CHANGED. */
export const ActivityActionEnum = Object.fromEntries(ACTIVITY_ACTIONS.map((action) => [action.replace('.', '_').toUpperCase(), action])) as Record<
  string,
  ActivityAction
>;
registerEnumType(ActivityActionEnum, { name: 'ActivityAction', description: 'Workspace activity-log actions.' });
