/**
 * People, servers and API tokens as everything above the queries sees them: what the API shows
 * and what nested fields follow. Written out rather than inferred from the tables, so a column
 * renamed or retyped fails to compile where a service hands its rows out, instead of changing the
 * API unnoticed. Secrets (a token's hash) are not part of them.
 */
import type { Role } from '../auth/permissions.js';

export interface UserRecord {
  readonly tenantId: string;
  readonly id: string;
  /** Lower-cased: emails compare case-insensitively within a tenant. */
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  /** Groups, used by approval policies (approver and requester groups). */
  readonly groups: readonly string[];
  /** Permissions granted on top of the role; admins hold every permission implicitly. */
  readonly permissions: readonly string[];
  readonly disabledAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Set while the user is an admin of the workspace's account: an admin here, whatever the role. */
  readonly managingAccountId?: string | null;
}

/** A user as a record names them (operator, requester, approver): who, not what they may do. */
export type PersonRecord = Pick<UserRecord, 'tenantId' | 'id' | 'email' | 'name'>;

export interface ServerRecord {
  readonly id: string;
  readonly name: string;
  readonly hostname: string;
  readonly os: string | null;
  readonly ipAddress: string | null;
  /** Key/value labels (`env=prod`) that scope access requests and approval policies. */
  readonly labels: Readonly<Record<string, string>>;
  readonly createdAt: Date;
  /** Servers are retired, never deleted: the records that mention them keep resolving. */
  readonly deletedAt: Date | null;
}

export interface ApiTokenRecord {
  readonly id: string;
  readonly kind: 'user' | 'agent' | 'stream';
  readonly name: string;
  /** The token's last characters, so people can tell their tokens apart. */
  readonly hint: string;
  /** The person (user and stream tokens) or server (agent tokens) it acts as. */
  readonly userId: string | null;
  readonly serverId: string | null;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
}
