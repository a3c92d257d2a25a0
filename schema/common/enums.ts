import { registerEnumType } from 'type-graphql';

export enum RoleEnum {
  ADMIN = 'admin',
  USER = 'user',
}
registerEnumType(RoleEnum, { name: 'Role', description: 'A user role. Admins see and manage the whole tenant.' });

export enum PermissionEnum {
  AUDIT_LOGS_VIEW = 'audit_logs.view',
  AUDIT_LOGS_EXPORT = 'audit_logs.export',
  SESSION_RECORDINGS_VIEW = 'session_recordings.view',
  MONITORING_VIEW = 'monitoring.view',
  MONITORING_MANAGE = 'monitoring.manage',
  APPROVALS_DECIDE = 'approvals.decide',
  RECORDS_VIEW = 'records.view',
  CASES_MANAGE = 'cases.manage',
}
registerEnumType(PermissionEnum, {
  name: 'Permission',
  description: 'A permission granted on top of a role. The admin role holds them all.',
});

export enum TokenKindEnum {
  USER = 'user',
  AGENT = 'agent',
  STREAM = 'stream',
}
registerEnumType(TokenKindEnum, {
  name: 'TokenKind',
  description: 'USER tokens act as a user; AGENT tokens as the agent of one server; STREAM tokens act as a user but read only the event stream (and `me`).',
});

export enum SeverityEnum {
  INFO = 'info',
  LOW = 'low',
  MEDIUM = 'medium',
  HIGH = 'high',
  CRITICAL = 'critical',
}
registerEnumType(SeverityEnum, { name: 'Severity', description: 'How serious a notification or an alert is, least first.' });
