/**
 * Sudo requests: inside an access session in force, a person asks to run a privileged command
 * (or a `*` pattern) on one of its servers. The governing sudo policy may allow it on the spot
 * (its allowlist, or no approvals needed); otherwise approvers decide. Either way the request is
 * an approval, and a grant a sudo authorization that says how it was granted.
 */
import { and, desc, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import { z } from 'zod';
import { requireUser } from '../auth/scope.js';
import type { Executor } from '../db/database.js';
import { accessSessions, type AccessSessionRow, type SudoAuthorizationRow } from '../db/tables/index.js';
import { BadInput, Conflict, Forbidden } from '../errors.js';
import { findServerByRef } from '../identity/servers.js';
import { getUser } from '../identity/users.js';
import { newId } from '../ids.js';
import type { TransactionContext } from '../service-context.js';
import { parseInput, parseOptionalId } from '../validation.js';
import { governingRules } from './approval-policies.js';
import { allowlistCovers, grantCovers, normalizeCommand } from './command-patterns.js';
import { grantsWithStates } from './grant-states.js';
import type { InForce } from './grants.js';
import { fileRequest } from './file-request.js';
import { reasonSchema } from './request-access.js';

const requestSudoInput = z.object({
  server: z.string().trim().min(1, 'must not be empty').max(253, 'is too long'),
  command: z.string().trim().min(1, 'must not be empty').max(4000, 'must be at most 4000 characters'),
  isPattern: z.boolean().default(false),
  reason: reasonSchema,
  accessSessionId: z.string().nullish(),
});

export type RequestSudoInput = z.input<typeof requestSudoInput>;

/** The requester's access session in force now that covers `serverId` (the given one, if named). */
export async function sessionInForce(
  db: Executor,
  tenantId: string,
  userId: string,
  serverId: string,
  now: Date,
  sessionId?: string,
): Promise<AccessSessionRow | undefined> {
  const [row] = await db
    .select()
    .from(accessSessions)
    .where(
      and(
        eq(accessSessions.tenantId, tenantId),
        eq(accessSessions.requesterId, userId),
        inArray(accessSessions.status, ['approved', 'active']),
        lte(accessSessions.startsAt, now),
        gt(accessSessions.expiresAt, now),
        sql`${serverId}::uuid = any(${accessSessions.serverIds})`,
        sessionId ? eq(accessSessions.id, sessionId) : undefined,
      ),
    )
    .orderBy(desc(accessSessions.expiresAt))
    .limit(1);
  return row;
}

/**
 * A grant in force that already covers what is asked answers the request: there is nothing to
 * decide (an access session approved with sudo holds `*`). A requested pattern counts as covered
 * only by a grant of the same pattern, as allowlists read it.
 */
async function refuseWhenAlreadyGranted(
  ctx: TransactionContext,
  of: { tenantId: string; serverId: string; userId: string },
  serverName: string,
  request: { command: string; isPattern: boolean },
  now: Date,
): Promise<void> {
  const covers = (grant: SudoAuthorizationRow) =>
    request.isPattern ? grant.isPattern && allowlistCovers(grant.command, request) : grantCovers(grant, request.command);
  const covering = (await grantsWithStates(ctx.db, of, now)).find(({ grant, state }) => state === 'in_force' && covers(grant));
  if (!covering) return;
  const { grant } = covering;
  const until = grant.expiresAt ? ` until ${grant.expiresAt.toISOString()}` : '';
  throw new Conflict(`You may already run this: your sudo grant \`${grant.command}\` on ${serverName}${until} covers it. Nothing was requested.`, {
    field: 'input.command',
    sudoAuthorizationId: grant.id,
  });
}

export async function requestSudo(ctx: TransactionContext, input: RequestSudoInput): Promise<InForce> {
  const requester = requireUser(ctx.actor);
  const parsed = parseInput(requestSudoInput, input, 'input');
  const sessionId = parseOptionalId('input.accessSessionId', parsed.accessSessionId);
  const now = ctx.clock.now();
  const server = await findServerByRef(ctx.db, requester.tenantId, parsed.server);
  if (!server) throw new BadInput('input.server', `input.server: no server named ${parsed.server} is in service`);
  const session = await sessionInForce(ctx.db, requester.tenantId, requester.userId, server.id, now, sessionId);
  if (!session) {
    throw new Forbidden(
      sessionId
        ? `Access session ${sessionId} is not yours, not in force, or does not cover ${server.name}`
        : `You have no access session in force on ${server.name}: request access first`,
    );
  }
  const command = normalizeCommand(parsed.command);
  await refuseWhenAlreadyGranted(
    ctx,
    { tenantId: requester.tenantId, serverId: server.id, userId: requester.userId },
    server.name,
    { command, isPattern: parsed.isPattern },
    now,
  );
  const requesterRow = await getUser(ctx.db, requester.tenantId, requester.userId);
  const rules = await governingRules(ctx.db, requester.tenantId, 'sudo', requesterRow.groups, [server]);
  const isAutoApproved =
    rules.requiredApprovals === 0 || rules.autoApproveCommands.some((entry) => allowlistCovers(entry, { command, isPattern: parsed.isPattern }));
  // A decision later than the session's end would grant nothing: the deadline is the earlier one.
  const deadline = Math.min(now.getTime() + rules.decisionTimeoutSeconds * 1000, session.expiresAt!.getTime());

  return fileRequest(
    ctx,
    {
      id: newId(),
      kind: 'sudo',
      requesterId: requester.userId,
      reason: parsed.reason,
      accessSessionId: session.id,
      serverId: server.id,
      command,
      isPattern: parsed.isPattern,
      decideBy: new Date(deadline),
    },
    rules,
    { isAutoApproved, session, activityDetails: { serverId: server.id, command, isPattern: parsed.isPattern } },
  );
}
