/**
 * The agent's question before it lets a command through sudo: may this user run this command on
 * my server, now? The answer names the grant that allows it, or why nothing does (revoked,
 * expired, never granted). Every check is kept, and audited.
 */
import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { recordChange } from '../audit/record-change.js';
import { requireAgent } from '../auth/scope.js';
import { accessSessions, sudoAuthorizations, sudoChecks, type SudoAuthorizationRow, type SudoCheckOutcome, type SudoCheckRow } from '../db/tables/index.js';
import { Forbidden } from '../errors.js';
import { findServerByRef } from '../identity/servers.js';
import { findUserByRef } from '../identity/users.js';
import { newId } from '../ids.js';
import type { TransactionContext } from '../service-context.js';
import { parseInput } from '../validation.js';
import { grantCovers, normalizeCommand } from './command-patterns.js';

const authorizeSudoInput = z.object({
  server: z.string().trim().min(1, 'must not be empty').max(253, 'is too long').nullish(),
  user: z.string().trim().min(1, 'must not be empty').max(320, 'is too long'),
  command: z.string().trim().min(1, 'must not be empty').max(4000, 'must be at most 4000 characters'),
});

export type AuthorizeSudoInput = z.input<typeof authorizeSudoInput>;

export interface SudoCheckResult {
  check: SudoCheckRow;
  authorization: SudoAuthorizationRow | null;
}

/** The most recent grants looked at per check: more than any person holds on one server at once. */
const GRANTS_CONSIDERED = 500;

type GrantState = 'in_force' | 'revoked' | 'expired' | 'not_started';

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

export async function authorizeSudo(ctx: TransactionContext, input: AuthorizeSudoInput): Promise<SudoCheckResult> {
  const agent = requireAgent(ctx.actor);
  const parsed = parseInput(authorizeSudoInput, input, 'input');
  if (parsed.server) {
    const named = await findServerByRef(ctx.db, agent.tenantId, parsed.server);
    if (named?.id !== agent.serverId) throw new Forbidden('An agent token checks sudo for its own server only');
  }
  const command = normalizeCommand(parsed.command);
  const now = ctx.clock.now();
  const user = await findUserByRef(ctx.db, agent.tenantId, parsed.user);

  let outcome: SudoCheckOutcome = user ? 'not_granted' : 'unknown_user';
  let allowing: SudoAuthorizationRow | null = null;
  if (user && !user.disabledAt) {
    const grants = await ctx.db
      .select({ grant: sudoAuthorizations, session: { status: accessSessions.status, startsAt: accessSessions.startsAt, expiresAt: accessSessions.expiresAt } })
      .from(sudoAuthorizations)
      .leftJoin(accessSessions, and(eq(accessSessions.tenantId, sudoAuthorizations.tenantId), eq(accessSessions.id, sudoAuthorizations.accessSessionId)))
      .where(and(eq(sudoAuthorizations.tenantId, agent.tenantId), eq(sudoAuthorizations.serverId, agent.serverId), eq(sudoAuthorizations.userId, user.id)))
      .orderBy(desc(sudoAuthorizations.grantedAt))
      .limit(GRANTS_CONSIDERED);
    const covering = grants.filter(({ grant }) => grantCovers(grant, command)).map(({ grant, session }) => ({ grant, state: stateOf(grant, session, now) }));
    // A grant for exactly this command beats a pattern that happens to cover it.
    const inForce = covering.filter((candidate) => candidate.state === 'in_force').sort((a, b) => Number(a.grant.isPattern) - Number(b.grant.isPattern));
    if (inForce[0]) {
      allowing = inForce[0].grant;
      outcome = 'granted';
    } else {
      const latest = covering.find((candidate) => candidate.state === 'revoked' || candidate.state === 'expired');
      if (latest) outcome = latest.state as 'revoked' | 'expired';
    }
  }

  const [check] = await ctx.db
    .insert(sudoChecks)
    .values({
      tenantId: agent.tenantId,
      id: newId(),
      serverId: agent.serverId,
      userId: user?.id ?? null,
      userRef: parsed.user,
      command,
      isAllowed: allowing !== null,
      outcome,
      sudoAuthorizationId: allowing?.id ?? null,
      checkedAt: now,
    })
    .returning();
  await recordChange(ctx, {
    action: 'sudo.checked',
    resource: { type: 'sudo_check', id: check!.id, name: command },
    after: { serverId: agent.serverId, userId: user?.id ?? null, userRef: parsed.user, command, isAllowed: check!.isAllowed, outcome, sudoAuthorizationId: check!.sudoAuthorizationId },
  });
  return { check: check!, authorization: allowing };
}
