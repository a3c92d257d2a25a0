/** Sudo granted and revoked by an admin directly, outside any request. */
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { requireAdmin } from '../auth/scope.js';
import { sudoAuthorizations, type SudoAuthorizationRow } from '../db/tables/index.js';
import { BadInput, Conflict } from '../errors.js';
import { findServerByRef } from '../identity/servers.js';
import { findUserByRef } from '../identity/users.js';
import { newId } from '../ids.js';
import type { TransactionContext } from '../service-context.js';
import { parseInput } from '../validation.js';
import { getSudoAuthorization, sudoAuthorizationSnapshot } from './approval-records.js';
import { normalizeCommand } from './command-patterns.js';
import { recordGrant } from './grants.js';
import { reasonSchema } from './request-access.js';
import { directGrantsToExpire } from '../directives/issue-directives.js';
import { WorkflowRecord } from './workflow-record.js';

const grantSudoInput = z.object({
  server: z.string().trim().min(1, 'must not be empty').max(253, 'is too long'),
  user: z.string().trim().min(1, 'must not be empty').max(320, 'is too long'),
  command: z.string().trim().min(1, 'must not be empty').max(4000, 'must be at most 4000 characters'),
  isPattern: z.boolean().default(false),
  durationMinutes: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(365 * 24 * 60, 'must be at most a year')
    .nullish(),
  reason: reasonSchema,
});

export type GrantSudoInput = z.input<typeof grantSudoInput>;

export async function grantSudo(ctx: TransactionContext, input: GrantSudoInput): Promise<SudoAuthorizationRow> {
  const admin = requireAdmin(ctx.actor);
  const parsed = parseInput(grantSudoInput, input, 'input');
  const server = await findServerByRef(ctx.db, admin.tenantId, parsed.server);
  if (!server) throw new BadInput('input.server', `input.server: no server named ${parsed.server} is in service`);
  const user = await findUserByRef(ctx.db, admin.tenantId, parsed.user);
  if (!user || user.disabledAt) throw new BadInput('input.user', `input.user: no enabled user ${parsed.user} in this tenant`);
  const now = ctx.clock.now();
  const [grant] = await ctx.db
    .insert(sudoAuthorizations)
    .values({
      tenantId: admin.tenantId,
      id: newId(),
      serverId: server.id,
      userId: user.id,
      command: normalizeCommand(parsed.command),
      isPattern: parsed.isPattern,
      grantedVia: 'admin',
      grantedById: admin.type === 'user' ? admin.userId : null,
      grantedAt: now,
      expiresAt: parsed.durationMinutes ? new Date(now.getTime() + parsed.durationMinutes * 60_000) : null,
    })
    .returning();
  const record = new WorkflowRecord();
  recordGrant(grant!, record, { reason: parsed.reason });
  await record.write(ctx);
  return grant!;
}

export async function revokeSudoAuthorization(ctx: TransactionContext, id: string, reason: string): Promise<SudoAuthorizationRow> {
  const admin = requireAdmin(ctx.actor);
  const given = parseInput(reasonSchema, reason, 'reason');
  const before = await getSudoAuthorization(ctx.db, admin.tenantId, id);
  const now = ctx.clock.now();
  if (before.revokedAt)
    throw new Conflict(`This sudo authorization was already revoked at ${before.revokedAt.toISOString()}`, { revokedAt: before.revokedAt.toISOString() });
  if (before.expiresAt && before.expiresAt <= now)
    throw new Conflict(`This sudo authorization expired at ${before.expiresAt.toISOString()}`, { expiresAt: before.expiresAt.toISOString() });
  return endSudoGrant(ctx, before, given);
}

/**
 * Ends a grant still in force, for whoever was allowed to end it (an admin above; an access
 * review's reviewer, server/reviews): its agents are told, and the revocation is recorded.
 */
export async function endSudoGrant(ctx: TransactionContext, before: SudoAuthorizationRow, reason: string): Promise<SudoAuthorizationRow> {
  const now = ctx.clock.now();
  const [revoked] = await ctx.db
    .update(sudoAuthorizations)
    .set({ revokedAt: now, revokedById: ctx.actor.type === 'user' ? ctx.actor.userId : null })
    .where(and(eq(sudoAuthorizations.tenantId, before.tenantId), eq(sudoAuthorizations.id, before.id)))
    .returning();
  await directGrantsToExpire(ctx, [revoked!], { cause: 'sudo.revoked', reason });
  const record = new WorkflowRecord();
  record.add({
    action: 'sudo.revoked',
    resource: { type: 'sudo_authorization', id: before.id, name: before.command },
    before: sudoAuthorizationSnapshot(before),
    after: { ...sudoAuthorizationSnapshot(revoked!), reason },
    activityDetails: { sudoAuthorizationId: before.id, serverId: before.serverId, userId: before.userId, command: before.command, reason },
  });
  await record.write(ctx);
  return revoked!;
}
