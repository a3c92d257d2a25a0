/**
 * Bearer JWTs from an identity provider, verified with jose: HS256 with a shared secret, or any
 * asymmetric algorithm with keys from a JWKS URL (fetched and cached by jose, refreshed when an
 * unknown key id appears).
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { JwtConfig } from '../config.js';
import { Unauthenticated } from '../errors.js';

export interface JwtIdentity {
  readonly subject: string;
  readonly email?: string;
  /** The tenant's slug or id. */
  readonly tenant: string;
  readonly role?: 'admin' | 'user';
  readonly name?: string;
  readonly expiresAt?: Date;
}

export type JwtVerifier = (token: string) => Promise<JwtIdentity>;

export function createJwtVerifier(config: JwtConfig): JwtVerifier | undefined {
  const options = { issuer: config.issuer, audience: config.audience };
  let verify: (token: string) => Promise<JWTPayload>;
  if (config.secret) {
    const key = new TextEncoder().encode(config.secret);
    verify = async (token) => (await jwtVerify(token, key, { ...options, algorithms: ['HS256'] })).payload;
  } else if (config.jwksUrl) {
    const keys = createRemoteJWKSet(new URL(config.jwksUrl));
    verify = async (token) => (await jwtVerify(token, keys, options)).payload;
  } else {
    return undefined;
  }
  return async (token) => {
    let payload: JWTPayload;
    try {
      payload = await verify(token);
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new Unauthenticated(code === 'ERR_JWT_EXPIRED' ? 'The JWT has expired' : 'The JWT is not valid');
    }
    return identityFromClaims(payload);
  };
}

function identityFromClaims(payload: JWTPayload): JwtIdentity {
  const claim = (name: string) => (typeof payload[name] === 'string' ? (payload[name] as string) : undefined);
  const tenant = claim('tenant');
  if (!payload.sub) throw new Unauthenticated('The JWT has no sub claim');
  if (!tenant) throw new Unauthenticated('The JWT has no tenant claim');
  const role = claim('role');
  if (role !== undefined && role !== 'admin' && role !== 'user') throw new Unauthenticated('The JWT role claim must be admin or user');
  const expiresAt = typeof payload.exp === 'number' ? new Date(payload.exp * 1000) : undefined;
  return { subject: payload.sub, email: claim('email')?.toLowerCase(), tenant, role, name: claim('name'), expiresAt };
}
