/**
 * Playback tickets: a browser cannot put a bearer token on a page it navigates to or on the
 * .cast the player fetches, so a person who may watch a recording is given a link carrying a
 * ticket instead. A ticket is sealed (AES-256-GCM, so it cannot be forged or altered) under the
 * instance's secret key, names one recording, one user and the API token that asked for it, and
 * expires after TICKET_TTL_MS, or with the credential that asked for it if that ends sooner (a
 * JWT's exp, a token's expiry). At use the user and the token are read again: a disabled user, a
 * revoked token, or a user who lost the right to see the recording, is refused even with a ticket
 * still in date.
 */
import { userActorOf, type UserActor } from '../auth/actor.js';
import { loadRoleGrants } from '../roles/role-grants.js';
import { requireFullCredential } from '../auth/scope.js';
import type { Executor } from '../db/database.js';
import { NotFound, Unauthenticated } from '../errors.js';
import { getToken } from '../identity/api-tokens.js';
import { findUserByRef } from '../identity/users.js';
import type { SecretBox } from '../secrets/secret-box.js';

export const TICKET_TTL_MS = 10 * 60_000;

/** What a ticket opens: a terminal recording, or a desktop recording's video. */
export type TicketKind = 'recording' | 'desktop_recording';

interface TicketClaims {
  readonly kind: TicketKind;
  readonly tenantId: string;
  readonly userId: string;
  readonly recordingId: string;
  /** The API token the ticket was asked for with (absent for a JWT, whose exp bounds the ticket). */
  readonly tokenId?: string;
  /** An account admin who chose this workspace with a token of another: that token (and its workspace). */
  readonly via?: { readonly tenantId: string; readonly tokenId: string };
  /** Asked for with the person's own credential (CredentialFacts.isPersonal): their account powers hold. */
  readonly isPersonal?: true;
  readonly expiresAt: number;
}

/** A stream token is refused (FORBIDDEN): a ticket would open a recording, which it may not. */
export function issuePlaybackTicket(box: SecretBox, actor: UserActor, recordingId: string, now: Date, kind: TicketKind = 'recording'): string {
  requireFullCredential(actor);
  const expiresAt = Math.min(now.getTime() + TICKET_TTL_MS, actor.expiresAt?.getTime() ?? Infinity);
  const claims: TicketClaims = {
    kind,
    tenantId: actor.tenantId,
    userId: actor.userId,
    recordingId,
    ...(actor.tokenId ? { tokenId: actor.tokenId } : {}),
    ...(actor.via?.tokenId ? { via: { tenantId: actor.via.tenantId, tokenId: actor.via.tokenId } } : {}),
    ...(actor.accountId ? { isPersonal: true as const } : {}),
    expiresAt,
  };
  return box.seal(JSON.stringify(claims));
}

/** The user a ticket speaks for, as they are now; UNAUTHENTICATED when it is not good for `recordingId`. */
export async function redeemPlaybackTicket(
  db: Executor,
  box: SecretBox,
  ticket: string,
  recordingId: string,
  now: Date,
  kind: TicketKind = 'recording',
): Promise<UserActor> {
  let claims: TicketClaims;
  try {
    claims = JSON.parse(box.open(ticket)) as TicketClaims;
  } catch {
    throw new Unauthenticated('The playback ticket is not valid');
  }
  if (claims.kind !== kind || claims.recordingId !== recordingId) throw new Unauthenticated('The playback ticket is for another recording');
  if (claims.expiresAt <= now.getTime()) throw new Unauthenticated('The playback ticket has expired: ask for a new playback link');
  for (const made of [claims.tokenId ? { tenantId: claims.tenantId, tokenId: claims.tokenId } : undefined, claims.via]) {
    if (!made) continue;
    const token = await getToken(db, made.tenantId, made.tokenId).catch((error: unknown) => {
      if (error instanceof NotFound) return undefined;
      throw error;
    });
    if (!token || token.revokedAt) throw new Unauthenticated('The token this playback link was made with has been revoked');
  }
  const user = await findUserByRef(db, claims.tenantId, claims.userId);
  if (!user || user.disabledAt) throw new Unauthenticated('The user of this playback ticket is disabled');
  return userActorOf(
    user,
    { ...(claims.tokenId ? { tokenId: claims.tokenId } : {}), expiresAt: new Date(claims.expiresAt), isPersonal: claims.isPersonal === true },
    await loadRoleGrants(db, user, now),
  );
}
