/**
 * Teams single sign-on tokens, checked by Vigil itself before they link anyone. Teams hands the bot
 * the signed-in user's Microsoft Entra (AAD) access token for Vigil's app registration (a
 * `signin/tokenExchange` invoke); Vigil accepts it only when all of these hold:
 * - signed (RS256) by a key AAD publishes at the configured JWKS URL;
 * - issued by the AAD tenant the Teams workspace is bound to, in v2 form
 *   (`https://login.microsoftonline.com/{tid}/v2.0`) or v1 (`https://sts.windows.net/{tid}/`),
 *   with `tid` that tenant too: a token from any other tenant links nobody, even one whose email
 *   names a Vigil user;
 * - for Vigil's app: `aud` is the app id (v2 tokens) or its Application ID URI (v1 tokens);
 * - current: `exp` and `nbf` within a small skew of Vigil's clock;
 * - for the person who sent the activity: `oid` is the activity's `from.aadObjectId`, so a token
 *   captured from someone else cannot be replayed by another Teams user;
 * - for a member of that tenant: a guest's token (`idp` naming another issuer, or `acct` 1) is
 *   refused, since a guest's email claims come from their home directory, not the bound one.
 * The email linked is the first of `email`, `preferred_username`, `upn` that is an address.
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { TeamsSsoConfig } from '../../server/config.js';

/** How far apart AAD's clock and Vigil's may be (seconds) for `exp` and `nbf`. */
const CLOCK_SKEW_SECONDS = 120;

export interface SsoIdentity {
  readonly aadTenantId: string;
  readonly aadObjectId: string;
  readonly email: string;
}

/** A valid token's identity, or why the token was refused (words for the person, and a reason for the log). */
export type SsoCheck = { readonly identity: SsoIdentity; readonly refusal?: undefined } | { readonly identity?: undefined; readonly refusal: string };

export type SsoTokenVerifier = (token: string, expected: { readonly aadTenantId: string; readonly aadObjectId: string }) => Promise<SsoCheck>;

const issuersOf = (aadTenantId: string) => [`https://login.microsoftonline.com/${aadTenantId}/v2.0`, `https://sts.windows.net/${aadTenantId}/`];

export function createSsoTokenVerifier(config: TeamsSsoConfig, now: () => Date): SsoTokenVerifier {
  // jose caches the key set and fetches it again when a token names a key id it does not hold
  // (AAD rotates keys), at most every 30 s.
  const keys = createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: 5000 });
  return async (token, expected) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        algorithms: ['RS256'],
        issuer: issuersOf(expected.aadTenantId),
        audience: [config.appId, config.appIdUri],
        clockTolerance: CLOCK_SKEW_SECONDS,
        currentDate: now(),
        requiredClaims: ['exp', 'oid', 'tid'],
      }));
    } catch (error) {
      return { refusal: refusalOf(error) };
    }
    if (payload.tid !== expected.aadTenantId) return { refusal: 'the token is from another Microsoft Entra tenant than the one connected to Vigil' };
    if (payload.oid !== expected.aadObjectId) return { refusal: 'the token is another person’s' };
    if ((typeof payload.idp === 'string' && !issuersOf(expected.aadTenantId).includes(payload.idp)) || payload.acct === 1) {
      return { refusal: 'the token is a guest’s: a guest links with a link code' };
    }
    const email = [payload.email, payload.preferred_username, payload.upn].find(
      (claim): claim is string => typeof claim === 'string' && /^[^@\s]+@[^@\s]+$/.test(claim),
    );
    if (!email) return { refusal: 'the token names no email address' };
    return { identity: { aadTenantId: expected.aadTenantId, aadObjectId: expected.aadObjectId, email: email.toLowerCase() } };
  };
}

/** jose's error, in words that say which check failed (never the token itself). */
function refusalOf(error: unknown): string {
  const { code, claim } = error as { code?: string; claim?: string };
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'the token has expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (claim === 'aud') return 'the token is for another app';
      if (claim === 'iss') return 'the token is from another Microsoft Entra tenant than the one connected to Vigil';
      if (claim === 'nbf') return 'the token is not valid yet';
      return `the token’s ${claim ?? 'claims'} did not check out`;
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'the token is signed by a key Microsoft Entra does not publish';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'the token’s signature is not valid';
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JOSE_GENERIC':
      return 'Microsoft Entra’s signing keys could not be fetched';
    default:
      // jose's own errors name a bad token; anything else (a failed fetch) is the key set's.
      return code?.startsWith('ERR_') ? 'the token is not a valid Microsoft Entra token' : 'Microsoft Entra’s signing keys could not be fetched';
  }
}
