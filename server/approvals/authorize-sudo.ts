/**
 * The agent's question before it lets a command through sudo: may this user run this command on
 * my server, now? The answer names the grant that allows it, or why nothing does (revoked,
 * expired, never granted). Every check is kept, and audited.
 */
import { z } from 'zod';
import { recordChange } from '../audit/record-change.js';
import { requireAgent } from '../auth/scope.js';
import { sudoChecks, type SudoAuthorizationRow, type SudoCheckOutcome, type SudoCheckRow } from '../db/tables/index.js';
import { Forbidden } from '../errors.js';
import { findServerByRef } from '../identity/servers.js';
import { findUserByRef } from '../identity/users.js';
import { newId } from '../ids.js';
import type { TransactionContext } from '../service-context.js';
import { parseInput } from '../validation.js';
import { grantCovers, normalizeCommand } from './command-patterns.js';
import { grantsWithStates } from './grant-states.js';

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
    const grants = await grantsWithStates(ctx.db, { tenantId: agent.tenantId, serverId: agent.serverId, userId: user.id }, now);
    const covering = grants.filter(({ grant }) => grantCovers(grant, command));
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
    after: {
      serverId: agent.serverId,
      userId: user?.id ?? null,
      userRef: parsed.user,
      command,
      isAllowed: check!.isAllowed,
      outcome,
      sudoAuthorizationId: check!.sudoAuthorizationId,
    },
  });
  return { check: check!, authorization: allowing };
}
