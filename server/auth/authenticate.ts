/**
 * Turns a request's credentials into an actor. Vigil API tokens (`vigil_…`) are looked up by hash;
 * anything else is taken for a JWT when JWT verification is configured.
 *
 * A JWT names its user by email within the tenant claim. The first request of an unknown email
 * provisions the user (just-in-time, with the role claim or `user`); after that the user row is
 * the source of truth for role, permissions and the disabled flag, so an admin's change in Vigil
 * is never undone by a stale claim.
 */
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { Unauthenticated } from '../errors.js';
import { recordFailedSignIn } from '../activity/record-activity.js';
import { authenticateApiToken } from '../identity/api-tokens.js';
import { findTenant } from '../identity/tenants.js';
import { createUser, findUserByEmail } from '../identity/users.js';
import { inTransaction } from '../service-context.js';
import { loadRoleGrants } from '../roles/role-grants.js';
import { actInWorkspace } from './act-in-workspace.js';
import { userActorOf, type Actor, type Authenticated, type RequestInfo } from './actor.js';
import type { JwtIdentity, JwtVerifier } from './jwt.js';
import { requireFullCredential } from './scope.js';
import { looksLikeApiToken } from './token-secret.js';

export interface CredentialOptions {
  /**
   * Whether a stream token may authenticate here: only GraphQL (which then runs none of its
   * operations but the event stream's and `me`) and the event stream's own route say so. Anywhere
   * else a stream token is refused with FORBIDDEN, so a route added later refuses it unless told.
   * @default false
   */
  readonly acceptsStreamTokens?: boolean;
}

export interface Authenticator {
  /** The actor for an Authorization header value; null when there is none. */
  authenticate(authorization: string | undefined, request?: RequestInfo, options?: CredentialOptions): Promise<Actor | null>;
  /** The same, with the user row the credential was checked against (what `me` answers with). */
  identify(authorization: string | undefined, request?: RequestInfo, options?: CredentialOptions): Promise<Authenticated | null>;
}

export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) throw new Unauthenticated('The Authorization header must be "Bearer <token>"');
  return match[1];
}

export function createAuthenticator(db: Database, clock: Clock, verifyJwt?: JwtVerifier): Authenticator {
  async function authenticateJwt(token: string, request?: RequestInfo): Promise<Authenticated> {
    if (!verifyJwt) throw new Unauthenticated('The bearer token is not a Vigil API token and JWT sign-in is not configured');
    const identity = await verifyJwt(token);
    const tenant = await findTenant(db, identity.tenant);
    if (!tenant) throw new Unauthenticated(`The JWT's tenant ${identity.tenant} does not exist`);
    const email = identity.email ?? (identity.subject.includes('@') ? identity.subject.toLowerCase() : undefined);
    if (!email) throw new Unauthenticated('The JWT has no email claim');
    const user = (await findUserByEmail(db, tenant.id, email)) ?? (await provisionUser(tenant.id, email, identity));
    if (user.disabledAt) {
      // A verified JWT names its tenant truly, so the refusal is filed there (a forged one is not: anyone could fill a tenant's log).
      await recordFailedSignIn(db, {
        tenantId: tenant.id,
        userId: user.id,
        userEmail: user.email,
        details: { method: 'jwt', reason: 'This user is disabled' },
        request,
        occurredAt: clock.now(),
      });
      throw new Unauthenticated('This user is disabled');
    }
    return { actor: userActorOf(user, { expiresAt: identity.expiresAt, isPersonal: true }, await loadRoleGrants(db, user, clock.now())), user };
  }

  async function provisionUser(tenantId: string, email: string, identity: JwtIdentity) {
    const provisioner: Actor = { type: 'system', tenantId, name: 'jwt-provisioning' };
    try {
      return await inTransaction({ db, clock, actor: provisioner }, (tx) => createUser(tx, { email, name: identity.name, role: identity.role ?? 'user' }));
    } catch (error) {
      // Two first requests of the same user raced: the other one created the row.
      const created = await findUserByEmail(db, tenantId, email);
      if (created) return created;
      throw error;
    }
  }

  async function identify(authorization: string | undefined, request?: RequestInfo, options: CredentialOptions = {}): Promise<Authenticated | null> {
    const token = bearerToken(authorization);
    if (!token) return null;
    const identity = looksLikeApiToken(token) ? await authenticateApiToken(db, clock, token, request) : await authenticateJwt(token, request);
    if (!options.acceptsStreamTokens) requireFullCredential(identity.actor);
    return request?.workspace ? actInWorkspace(db, identity, request.workspace) : identity;
  }

  return {
    identify,
    async authenticate(authorization, request, options) {
      return (await identify(authorization, request, options))?.actor ?? null;
    },
  };
}
