/**
 * Bearer JWTs from an identity provider, verified with jose: HS256 with a shared secret, or any
 * asymmetric algorithm with keys from a JWKS URL (fetched and cached by jose, refreshed when an
 * unknown key id appears). Every JWT must expire (`exp`), and within VIGIL_JWT_MAX_LIFETIME of
 * its issue (`iat`, or of now without one): a JWT that never expires, or in ten years, is a
 * password that cannot be revoked.
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
  const options = { issuer: config.issuer, audience: config.audience, requiredClaims: ['exp'] };
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
      if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && (error as { claim?: string }).claim === 'exp')
        throw new Unauthenticated('The JWT has no exp claim: Vigil accepts only JWTs that expire');
      throw new Unauthenticated(code === 'ERR_JWT_EXPIRED' ? 'The JWT has expired' : 'The JWT is not valid');
    }
    const issuedAt = typeof payload.iat === 'number' ? payload.iat : Date.now() / 1000;
    if (payload.exp! - issuedAt > config.maxLifetimeSeconds) {
      throw new Unauthenticated(`The JWT is valid for longer than ${config.maxLifetimeSeconds} seconds (VIGIL_JWT_MAX_LIFETIME)`);
    }
    return identityFromClaims(payload);
  };
}

function identityFromClaims(payload: JWTPayload): JwtIdentity {
  const claim = (name: string) => (typeof payload[name] === 'string' ? payload[name] : undefined);
  const tenant = claim('tenant');
  if (!payload.sub) throw new Unauthenticated('The JWT has no sub claim');
  if (!tenant) throw new Unauthenticated('The JWT has no tenant claim');
  const role = claim('role');
  if (role !== undefined && role !== 'admin' && role !== 'user') throw new Unauthenticated('The JWT role claim must be admin or user');
  const expiresAt = typeof payload.exp === 'number' ? new Date(payload.exp * 1000) : undefined;
  return { subject: payload.sub, email: claim('email')?.toLowerCase(), tenant, role, name: claim('name'), expiresAt };
}
