import type { UserRow } from '../db/tables/index.js';
import { effectivePermissions, type Permission, type Role } from './permissions.js';

/** A person acting through a user token or a JWT. */
export interface UserActor {
  readonly type: 'user';
  readonly tenantId: string;
  readonly userId: string;
  readonly email: string;
  readonly role: Role;
  readonly permissions: ReadonlySet<Permission>;
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

/** The actor a user row acts as, with the credential it came through (a token, a JWT, a ticket). */
export function userActorOf(
  user: UserRow,
  credential: { readonly tokenId?: string; readonly expiresAt?: Date; readonly isStreamOnly?: boolean } = {},
): UserActor {
  return {
    type: 'user',
    tenantId: user.tenantId,
    userId: user.id,
    email: user.email,
    role: user.role,
    permissions: effectivePermissions(user.role, user.permissions),
    ...(credential.tokenId ? { tokenId: credential.tokenId } : {}),
    ...(credential.expiresAt ? { expiresAt: credential.expiresAt } : {}),
    ...(credential.isStreamOnly ? { isStreamOnly: true } : {}),
  };
}
