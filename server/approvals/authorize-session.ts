/**
 * The agent's question before a person gets a shell: may this user open a session on my server,
 * now? The approval policy that would govern their access request to this server says whether a
 * session there needs an access session at all (`requiresAccessSession`, by server labels and
 * requester groups, as policies match). Where it does, an access session of theirs in force that
 * covers the server allows it (the answer says until when); a request of theirs still waiting
 * makes the answer PENDING; otherwise DENIED, with where to ask. Every check is kept (a
 * `session_check` record, in the verifiable log) and audited.
 *
 * The reads are one round trip each on indexed keys, in the check's transaction; nothing is cached
 * between checks, so a revocation or a policy change counts from the next check on.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordChange } from '../audit/record-change.js';
import { requireAgent } from '../auth/scope.js';
import {
  accessSessions,
  SESSION_SOURCES,
  sessionChecks,
  type AccessSessionRow,
  type SessionCheckReason,
  type SessionCheckRow,
  type SessionDecision,
} from '../db/tables/index.js';
import { Forbidden } from '../errors.js';
import { findServerByRef, getServer } from '../identity/servers.js';
import { findUserByRef } from '../identity/users.js';
import { newId } from '../ids.js';
import type { TransactionContext } from '../service-context.js';
import { parseInput } from '../validation.js';
import { governingRules } from './approval-policies.js';
import { sessionInForce } from './request-sudo.js';

const authorizeSessionInput = z.object({
  server: z.string().trim().min(1, 'must not be empty').max(253, 'is too long').nullish(),
  user: z.string().trim().min(1, 'must not be empty').max(320, 'is too long'),
  source: z.enum(SESSION_SOURCES),
});

export type AuthorizeSessionInput = z.input<typeof authorizeSessionInput>;

export interface SessionCheckResult {
  readonly check: SessionCheckRow;
  /** The access session that allows it, when one does. */
  readonly accessSession: AccessSessionRow | null;
  /** The server's name, for the link where the person asks for access. */
  readonly serverName: string;
}

/** The person's access request waiting for a decision that covers `serverId`, if any. */
async function pendingRequest(ctx: TransactionContext, userId: string, serverId: string): Promise<AccessSessionRow | undefined> {
  const [row] = await ctx.db
    .select()
    .from(accessSessions)
    .where(
      and(
        eq(accessSessions.tenantId, ctx.actor.tenantId),
        eq(accessSessions.requesterId, userId),
        eq(accessSessions.status, 'pending'),
        sql`${serverId}::uuid = any(${accessSessions.serverIds})`,
      ),
    )
    .orderBy(desc(accessSessions.requestedAt))
    .limit(1);
  return row;
}

export async function authorizeSession(ctx: TransactionContext, input: AuthorizeSessionInput): Promise<SessionCheckResult> {
  const agent = requireAgent(ctx.actor);
  const parsed = parseInput(authorizeSessionInput, input, 'input');
  if (parsed.server) {
    const named = await findServerByRef(ctx.db, agent.tenantId, parsed.server);
    if (named?.id !== agent.serverId) throw new Forbidden('An agent token checks sessions on its own server only');
  }
  const now = ctx.clock.now();
  const user = await findUserByRef(ctx.db, agent.tenantId, parsed.user);
  const server = await getServer(ctx.db, agent.tenantId, agent.serverId);

  let decision: SessionDecision = 'denied';
  let reason: SessionCheckReason = user ? 'user_disabled' : 'unknown_user';
  let accessSession: AccessSessionRow | null = null;
  let approvalId: string | null = null;
  let policyId: string | null = null;
  if (user && !user.disabledAt) {
    const rules = await governingRules(ctx.db, agent.tenantId, 'access', user.groups, [server]);
    policyId = rules.policyId;
    if (!rules.isAccessSessionRequired) {
      decision = 'allowed';
      reason = 'not_required';
    } else {
      accessSession = (await sessionInForce(ctx.db, agent.tenantId, user.id, server.id, now)) ?? null;
      const waiting = accessSession ? undefined : await pendingRequest(ctx, user.id, server.id);
      decision = accessSession ? 'allowed' : waiting ? 'pending' : 'denied';
      reason = accessSession ? 'access_session' : waiting ? 'request_pending' : 'no_access_session';
      approvalId = waiting?.approvalId ?? null;
    }
  }

  const [check] = await ctx.db
    .insert(sessionChecks)
    .values({
      tenantId: agent.tenantId,
      id: newId(),
      serverId: agent.serverId,
      userId: user?.id ?? null,
      userRef: parsed.user,
      source: parsed.source,
      decision,
      reason,
      accessSessionId: accessSession?.id ?? null,
      approvalId,
      policyId,
      checkedAt: now,
    })
    .returning();
  await recordChange(ctx, {
    action: 'session.checked',
    resource: { type: 'session_check', id: check!.id, name: server.name },
    after: {
      serverId: agent.serverId,
      userId: user?.id ?? null,
      userRef: parsed.user,
      source: parsed.source,
      decision,
      reason,
      accessSessionId: check!.accessSessionId,
      approvalId,
      policyId,
    },
  });
  return { check: check!, accessSession, serverName: server.name };
}
