/**
 * A person's sudo grants on one server, each with whether it is in force now: not revoked, not
 * expired, started, and (for a grant that came with an access session) that session still in
 * force. Asked by agents before a command runs (authorizeSudo) and before a new request is filed
 * (requestSudo), so both read "in force" the same way.
 */
import { and, desc, eq } from 'drizzle-orm';
import type { Executor } from '../db/database.js';
import { accessSessions, sudoAuthorizations, type SudoAuthorizationRow } from '../db/tables/index.js';

/** The most recent grants looked at: more than any person holds on one server at once. */
const GRANTS_CONSIDERED = 500;

export type GrantState = 'in_force' | 'revoked' | 'expired' | 'not_started';

export interface GrantWithState {
  readonly grant: SudoAuthorizationRow;
  readonly state: GrantState;
}

function stateOf(grant: SudoAuthorizationRow, session: { status: string; startsAt: Date | null; expiresAt: Date | null } | null, now: Date): GrantState {
  if (grant.revokedAt && grant.revokedAt <= now) return 'revoked';
  if (grant.expiresAt && grant.expiresAt <= now) return 'expired';
  if (grant.grantedAt > now) return 'not_started';
  if (session) {
    if (session.status === 'revoked') return 'revoked';
    if (!['approved', 'active'].includes(session.status) || (session.expiresAt && session.expiresAt <= now)) return 'expired';
    if (session.startsAt && session.startsAt > now) return 'not_started';
  }
  return 'in_force';
}

/** The person's grants on the server, newest first, with their state at `now`. */
export async function grantsWithStates(db: Executor, of: { tenantId: string; serverId: string; userId: string }, now: Date): Promise<GrantWithState[]> {
  const rows = await db
    .select({ grant: sudoAuthorizations, session: { status: accessSessions.status, startsAt: accessSessions.startsAt, expiresAt: accessSessions.expiresAt } })
    .from(sudoAuthorizations)
    .leftJoin(accessSessions, and(eq(accessSessions.tenantId, sudoAuthorizations.tenantId), eq(accessSessions.id, sudoAuthorizations.accessSessionId)))
    .where(and(eq(sudoAuthorizations.tenantId, of.tenantId), eq(sudoAuthorizations.serverId, of.serverId), eq(sudoAuthorizations.userId, of.userId)))
    .orderBy(desc(sudoAuthorizations.grantedAt))
    .limit(GRANTS_CONSIDERED);
  return rows.map(({ grant, session }) => ({ grant, state: stateOf(grant, session, now) }));
}
