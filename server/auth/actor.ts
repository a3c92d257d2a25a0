import type { ServerSelector, UserRow } from '../db/tables/index.js';
import { effectivePermissions, type Permission, type Role } from './permissions.js';

/** A server's labels (`{ "env": "prod" }`). */
export type ServerLabels = Readonly<Record<string, string>>;

/**
 * A permission held through a custom role scoped by server labels: it gives what the permission
 * gives tenant-wide, limited to rows on the servers its selectors match (server/auth/scope.ts).
 */
export interface ScopedGrant {
  readonly permission: Permission;
  readonly selectors: readonly ServerSelector[];
  /**
   * The tenant's servers the selectors matched (`labels @> selector`) when the request was
   * authenticated, with their labels: one request sees one answer, and the next one asks again.
   */
  readonly servers: ReadonlyMap<string, ServerLabels>;
}

/** What a person's live custom roles add: tenant-wide permissions, and permissions for some servers. */
export interface RoleGrants {
  readonly permissions: readonly string[];
  readonly scoped: readonly ScopedGrant[];
  /** When the first of the assignments these come from expires: from then on they are fewer. */
  readonly changeAt?: Date;
}

export const NO_ROLE_GRANTS: RoleGrants = { permissions: [], scoped: [] };

/** A person acting through a user token or a JWT. */
export interface UserActor {
  readonly type: 'user';
  readonly tenantId: string;
  readonly userId: string;
  readonly email: string;
  readonly role: Role;
  /** The role's permissions, those granted to the user, and those of their tenant-wide custom roles. */
  readonly permissions: ReadonlySet<Permission>;
  /** Permissions held for some servers only, through custom roles scoped by server labels. */
  readonly scopedGrants?: readonly ScopedGrant[];
  /**
   * When a custom role the person holds expires (the earliest): open WebSockets and following
   * event-stream responses re-check who they act as then, as they do when a role is unassigned.
   */
  readonly grantsChangeAt?: Date;
  /** The API token used, when the request came with one (absent for JWTs). */
  readonly tokenId?: string;
  /** When the credential stops being valid (token expiry, JWT `exp`); open WebSockets close then. */
  readonly expiresAt?: Date;
  /**
   * Set when the credential is a stream token: the person's scope, for reading the event stream
   * alone. Only GraphQL and the event stream's route accept one (server/auth/scope.ts says what it
   * may run); absent for user tokens, JWTs and playback tickets.
   */
  readonly isStreamOnly?: true;
  /**
   * The account (organisation) this person is an admin of, through their row in this workspace
   * (server/accounts): they act here as an admin, whatever the row's own role.
   */
  readonly accountId?: string;
  /**
   * Set when the person chose this workspace (Vigil-Workspace) with a credential of another
   * workspace of their account: who they are there. A change of that person or credential there
   * re-checks this actor too (server/auth/identity-change.ts).
   */
  readonly via?: { readonly tenantId: string; readonly userId: string; readonly tokenId?: string };
}

/** A server agent acting through an agent token; it speaks for exactly one server. */
export interface AgentActor {
  readonly type: 'agent';
  readonly tenantId: string;
  readonly tokenId: string;
  readonly serverId: string;
  readonly expiresAt?: Date;
}

/** Vigil itself: first-run bootstrap, the operator CLI, sweepers and other jobs. */
export interface SystemActor {
  readonly type: 'system';
  readonly tenantId: string;
  /** What acted, e.g. `cli`, `bootstrap`. */
  readonly name: string;
}

export type Actor = UserActor | AgentActor | SystemActor;

/** A credential that checked out: who acts, and for a person the user row it was checked against. */
export interface Authenticated {
  readonly actor: Actor;
  /** Read with the credential, in the same request (absent for agents). */
  readonly user?: UserRow;
}

/** The facts about the request an actor made, kept with everything the request writes. */
export interface RequestInfo {
  readonly requestId: string;
  readonly clientIp?: string;
  readonly userAgent?: string;
  /**
   * Where the person acted: `web` when Vigil's web app says so (the `Vigil-Client: web` header),
   * `slack` or `teams` when a bot runs the operation, else `api`. Decisions record it.
   */
  readonly channel?: RequestChannel;
  /** The chat user (Slack or Teams id) who acted, when a bot runs the operation. */
  readonly chatUserId?: string;
  /**
   * The workspace (slug or id) the request asked to act in (the Vigil-Workspace header, or
   * `workspace` in graphql-ws connection parameters): an account admin's choice among the account's
   * workspaces. Absent: the credential's own workspace.
   */
  readonly workspace?: string;
}

export type RequestChannel = 'web' | 'api' | 'slack' | 'teams';

/** A stable id for whoever acted: a user id, an agent token id or the system's name. */
export function actorId(actor: Actor): string {
  switch (actor.type) {
    case 'user':
      return actor.userId;
    case 'agent':
      return actor.tokenId;
    case 'system':
      return actor.name;
  }
}

/** The credential a person acts through, as far as it changes what they may do. */
export interface CredentialFacts {
  readonly tokenId?: string;
  readonly expiresAt?: Date;
  readonly isStreamOnly?: boolean;
  /**
   * The person holds it by their own doing: their JWT, a token they made themselves (or the operator
   * made), a ticket or a workspace choice derived from such a credential. Only such a credential
   * carries an account admin's powers: a workspace admin can make tokens and chat links for any user
   * of their workspace, and must not reach the account's other workspaces through one made for an
   * account admin's row. Absent: the row's own role only.
   */
  readonly isPersonal?: boolean;
}

/**
 * The actor a user row acts as, with the credential it came through (a token, a JWT, a ticket) and
 * the custom roles the user holds now (loadRoleGrants, server/roles/role-grants.ts; none when left
 * out, which only narrows what the actor may do).
 */
export function userActorOf(user: UserRow, credential: CredentialFacts = {}, grants: RoleGrants = NO_ROLE_GRANTS): UserActor {
  // An admin of the workspace's account is an admin of each of its workspaces, through their own credentials.
  const accountId = credential.isPersonal ? user.managingAccountId : null;
  const role: Role = accountId ? 'admin' : user.role;
  return {
    type: 'user',
    tenantId: user.tenantId,
    userId: user.id,
    email: user.email,
    role,
    permissions: effectivePermissions(role, [...user.permissions, ...grants.permissions]),
    scopedGrants: role === 'admin' ? [] : grants.scoped,
    ...(role !== 'admin' && grants.changeAt ? { grantsChangeAt: grants.changeAt } : {}),
    ...(accountId ? { accountId } : {}),
    ...(credential.tokenId ? { tokenId: credential.tokenId } : {}),
    ...(credential.expiresAt ? { expiresAt: credential.expiresAt } : {}),
    ...(credential.isStreamOnly ? { isStreamOnly: true } : {}),
  };
}
