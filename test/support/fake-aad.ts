/**
 * A stand-in for Microsoft Entra (AAD) as Teams single sign-on uses it: a JWKS endpoint over real
 * HTTP serving the public key of a local RS256 key pair, and tokens signed with it, shaped as AAD
 * issues them for an app (v2: `login.microsoftonline.com/{tid}/v2.0`, `aud` the app id; v1:
 * `sts.windows.net/{tid}/`, `aud` the Application ID URI). A second key pair, never published,
 * signs what a forger would.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

export interface AadToken {
  /** The AAD tenant (`tid`) and, unless `issuer` says otherwise, the issuer's tenant. */
  readonly tenantId: string;
  readonly objectId: string;
  /** `aud`: the app id for v2 tokens, the Application ID URI for v1. */
  readonly audience: string;
  readonly version?: 'v1' | 'v2';
  /** Issued at (default: now), valid for `lifetimeSeconds` (default 3600). */
  readonly issuedAt?: Date;
  readonly lifetimeSeconds?: number;
  readonly issuer?: string;
  /** Extra or replaced claims (email, preferred_username, upn, idp …). */
  readonly claims?: JWTPayload;
  /** Sign with the unpublished key, under the published key's id or one of its own. */
  readonly forgedWith?: 'unknown kid' | 'published kid';
}

export interface FakeAad {
  readonly jwksUrl: string;
  /** How many times the JWKS was fetched. */
  readonly fetches: () => number;
  sign(token: AadToken): Promise<string>;
  close(): Promise<void>;
}

const PUBLISHED_KID = 'fake-aad-key-1';

export async function startFakeAad(): Promise<FakeAad> {
  const published = await generateKeyPair('RS256', { extractable: true });
  const unpublished = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(published.publicKey)), kid: PUBLISHED_KID, use: 'sig', alg: 'RS256' };
  let fetches = 0;
  const server: Server = createServer((req, res) => {
    fetches += 1;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/common/discovery/v2.0/keys`;
  return {
    jwksUrl,
    fetches: () => fetches,
    async sign(token) {
      const version = token.version ?? 'v2';
      const issuedAt = Math.floor((token.issuedAt ?? new Date()).getTime() / 1000);
      const issuer =
        token.issuer ?? (version === 'v2' ? `https://login.microsoftonline.com/${token.tenantId}/v2.0` : `https://sts.windows.net/${token.tenantId}/`);
      let key: CryptoKey = published.privateKey;
      let kid = PUBLISHED_KID;
      if (token.forgedWith) {
        key = unpublished.privateKey;
        kid = token.forgedWith === 'published kid' ? PUBLISHED_KID : 'forged-key';
      }
      return new SignJWT({ tid: token.tenantId, oid: token.objectId, ver: version === 'v2' ? '2.0' : '1.0', scp: 'access_as_user', ...token.claims })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
        .setIssuer(issuer)
        .setAudience(token.audience)
        .setSubject(`sub-${token.objectId}`)
        .setIssuedAt(issuedAt)
        .setNotBefore(issuedAt)
        .setExpirationTime(issuedAt + (token.lifetimeSeconds ?? 3600))
        .sign(key);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
