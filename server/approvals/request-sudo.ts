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
import { accessSessions, type AccessSessionRow } from '../db/tables/index.js';
import { BadInput, Forbidden } from '../errors.js';
import { findServerByRef } from '../identity/servers.js';
import { getUser } from '../identity/users.js';
import { newId } from '../ids.js';
import type { TransactionContext } from '../service-context.js';
import { parseInput, parseOptionalId } from '../validation.js';
import { governingRules } from './approval-policies.js';
import { allowlistCovers, normalizeCommand } from './command-patterns.js';
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
export async function sessionInForce(db: Executor, tenantId: string, userId: string, serverId: string, now: Date, sessionId?: string): Promise<AccessSessionRow | undefined> {
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
  const requesterRow = await getUser(ctx.db, requester.tenantId, requester.userId);
  const rules = await governingRules(ctx.db, requester.tenantId, 'sudo', requesterRow.groups, [server]);
  const isAutoApproved = rules.requiredApprovals === 0 || rules.autoApproveCommands.some((entry) => allowlistCovers(entry, { command, isPattern: parsed.isPattern }));
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
