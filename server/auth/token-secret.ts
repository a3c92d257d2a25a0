/**
 * API token strings: `vigil_user_…`, `vigil_agent_…` or `vigil_stream_…`, then the tenant id (hex)
 * and 256 random bits. The prefix makes leaked tokens easy to scan for (and says what a leaked one
 * gives away); the tenant id lets authentication find the token through an index that leads with
 * tenant_id, like every index in Vigil. Only the SHA-256 of the whole string is stored: the random
 * part is far too long to brute-force, so a fast hash is the right one. Authentication trusts the
 * stored row's kind, never the prefix.
 */
import { createHash, randomBytes } from 'node:crypto';

export type TokenKind = 'user' | 'agent' | 'stream';

const TOKEN_PATTERN = /^vigil_(user|agent|stream)_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export interface GeneratedToken {
  readonly token: string;
  readonly hash: string;
  readonly hint: string;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function generateToken(kind: TokenKind, tenantId: string): GeneratedToken {
  const token = `vigil_${kind}_${tenantId.replaceAll('-', '')}_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashToken(token), hint: token.slice(-4) };
}

export function looksLikeApiToken(token: string): boolean {
  return token.startsWith('vigil_');
}

/** The kind and tenant a token claims, or undefined when the string is not a Vigil token. */
export function parseToken(token: string): { kind: TokenKind; tenantId: string } | undefined {
  const match = TOKEN_PATTERN.exec(token);
  if (!match) return undefined;
  const hex = match[2]!;
  const tenantId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { kind: match[1] as TokenKind, tenantId };
}
