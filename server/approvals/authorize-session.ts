/**
 * The agent's question before a person gets a shell: may this user open a session on my server,
 * now? The approval policy that would govern their access request to this server says whether a
 * session there needs an access session at all (`requiresAccessSession`, by server labels and
 * requester groups, as policies match). Where it does, an access session of theirs in force that
 * covers the server allows it (the answer says until when); a request of theirs still waiting
 * makes the answer PENDING; otherwise DENIED, with where to ask. Every check is kept (a
 * `session_check` record, in the verifiable log) and audited.
 *
 * The reads are on indexed keys, side by side; nothing is cached between checks, so a revocation or
 * a policy change counts from the next check on.
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
import type { Executor } from '../db/database.js';
import { inTransaction, type ServiceContext } from '../service-context.js';
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
async function pendingRequest(db: Executor, tenantId: string, userId: string, serverId: string): Promise<AccessSessionRow | undefined> {
  const [row] = await db
    .select()
    .from(accessSessions)
    .where(
      and(
        eq(accessSessions.tenantId, tenantId),
        eq(accessSessions.requesterId, userId),
        eq(accessSessions.status, 'pending'),
        sql`${serverId}::uuid = any(${accessSessions.serverIds})`,
      ),
    )
    .orderBy(desc(accessSessions.requestedAt))
    .limit(1);
  return row;
}

export async function authorizeSession(ctx: ServiceContext, input: AuthorizeSessionInput): Promise<SessionCheckResult> {
  const agent = requireAgent(ctx.actor);
  const parsed = parseInput(authorizeSessionInput, input, 'input');
  const now = ctx.clock.now();
  // The reads run side by side on the pool, outside the check's transaction: an SSH login waits
  // for two round trips of reads, then one short transaction that writes the check.
  const [user, server, named] = await Promise.all([
    findUserByRef(ctx.db, agent.tenantId, parsed.user),
    getServer(ctx.db, agent.tenantId, agent.serverId),
    parsed.server ? findServerByRef(ctx.db, agent.tenantId, parsed.server) : undefined,
  ]);
  if (parsed.server && named?.id !== agent.serverId) throw new Forbidden('An agent token checks sessions on its own server only');

  let decision: SessionDecision = 'denied';
  let reason: SessionCheckReason = user ? 'user_disabled' : 'unknown_user';
  let accessSession: AccessSessionRow | null = null;
  let approvalId: string | null = null;
  let policyId: string | null = null;
  if (user && !user.disabledAt) {
    const [rules, inForce, waiting] = await Promise.all([
      governingRules(ctx.db, agent.tenantId, 'access', user.groups, [server]),
      sessionInForce(ctx.db, agent.tenantId, user.id, server.id, now),
      pendingRequest(ctx.db, agent.tenantId, user.id, server.id),
    ]);
    policyId = rules.policyId;
    if (!rules.isAccessSessionRequired) {
      decision = 'allowed';
      reason = 'not_required';
    } else {
      accessSession = inForce ?? null;
      decision = inForce ? 'allowed' : waiting ? 'pending' : 'denied';
      reason = inForce ? 'access_session' : waiting ? 'request_pending' : 'no_access_session';
      approvalId = inForce ? null : (waiting?.approvalId ?? null);
    }
  }

  // What the check row holds is what its audit entry says.
  const facts = {
    serverId: agent.serverId,
    userId: user?.id ?? null,
    userRef: parsed.user,
    source: parsed.source,
    decision,
    reason,
    accessSessionId: accessSession?.id ?? null,
    approvalId,
    policyId,
  };
  const check = await inTransaction(ctx, async (tx) => {
    const [written] = await tx.db
      .insert(sessionChecks)
      .values({ tenantId: agent.tenantId, id: newId(), ...facts, checkedAt: now })
      .returning();
    await recordChange(tx, { action: 'session.checked', resource: { type: 'session_check', id: written!.id, name: server.name }, after: facts });
    return written!;
  });
  return { check, accessSession, serverName: server.name };
}
