/**
 * The permission catalogue. A permission is granted to a user on top of their role; the admin role
 * holds every permission. Names follow the product documents (`audit_logs.view`, ...).
 */
export const PERMISSIONS = [
  'audit_logs.view',
  'audit_logs.export',
  'session_recordings.view',
  'monitoring.view',
  'monitoring.manage',
  'approvals.decide',
  // Reading every access session, command, file transfer, sudo authorization and approval (an auditor's);
  // held through a role scoped by server labels, only those on matching servers (server/auth/scope.ts).
  'records.view',
  // Reading and working incident cases (server/cases): create, assign, attach what one may see, add notes.
  'cases.manage',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = ['admin', 'user'] as const;
export type Role = (typeof ROLES)[number];

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}

/** What a user may do: everything for an admin, else the granted permissions that still exist. */
export function effectivePermissions(role: Role, granted: readonly string[]): ReadonlySet<Permission> {
  if (role === 'admin') return new Set(PERMISSIONS);
  return new Set(granted.filter(isPermission));
}
