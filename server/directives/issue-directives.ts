/**
 * Issuing directives: in the transaction of the change that calls for them, one row per open
 * terminal session to end (or sudo grant to drop), addressed to the session's server, and a
 * `directive.issued` event per server (NOTIFY, delivered at commit: a rolled-back revocation tells
 * no agent anything). The change's own audit entry explains the directive's leaf; whoever made the
 * change is its issuer.
 */
import { sql } from 'drizzle-orm';
import { queryRows } from '../db/database.js';
import { agentDirectives, type AgentDirectiveRow, type DirectiveCause } from '../db/tables/index.js';
import { newId } from '../ids.js';
import { idBatches, publishEvents, type DomainEvent } from '../realtime/domain-events.js';
import type { TransactionContext } from '../service-context.js';

/** Which open terminal sessions to end: those under an access session, those of a person, or one. */
export type SessionsToEnd = { readonly accessSessionId: string } | { readonly userId: string } | { readonly terminalSessionId: string };

export interface DirectiveFacts {
  readonly cause: DirectiveCause;
  readonly reason: string | null;
}

const issuerOf = (ctx: TransactionContext) => (ctx.actor.type === 'user' ? ctx.actor.userId : null);

async function insertDirectives(ctx: TransactionContext, rows: (typeof agentDirectives.$inferInsert)[]): Promise<AgentDirectiveRow[]> {
  if (rows.length === 0) return [];
  const written = await ctx.db.insert(agentDirectives).values(rows).returning();
  const byServer = new Map<string, string[]>();
  for (const row of written) byServer.set(row.serverId, [...(byServer.get(row.serverId) ?? []), row.id]);
  const events = [...byServer].flatMap(([serverId, ids]) =>
    idBatches(ids).map((directiveIds): DomainEvent => ({ type: 'directive.issued', tenantId: ctx.actor.tenantId, serverId, directiveIds })),
  );
  await publishEvents(ctx.db, events, ctx.clock.now());
  return written;
}

/**
 * A `terminate_session` directive for each open terminal session that `which` names, unless one is
 * already waiting for that session's agent.
 */
export async function directSessionsToEnd(ctx: TransactionContext, which: SessionsToEnd, facts: DirectiveFacts): Promise<AgentDirectiveRow[]> {
  const tenantId = ctx.actor.tenantId;
  const match =
    'accessSessionId' in which
      ? sql`s.access_session_id = ${which.accessSessionId}`
      : 'userId' in which
        ? sql`s.user_id = ${which.userId}`
        : sql`s.id = ${which.terminalSessionId}`;
  const open = await queryRows<{ id: string; server_id: string; access_session_id: string | null }>(
    ctx.db,
    sql`select s.id, s.server_id, s.access_session_id from terminal_sessions s
        where s.tenant_id = ${tenantId} and ${match} and s.ended_at is null
          and not exists (select 1 from agent_directives d where d.tenant_id = s.tenant_id and d.terminal_session_id = s.id
                            and d.kind = 'terminate_session' and d.acknowledged_at is null)
        order by s.id
        for update of s`,
  );
  return insertDirectives(
    ctx,
    open.map((session) => ({
      tenantId,
      id: newId(),
      serverId: session.server_id,
      kind: 'terminate_session' as const,
      cause: facts.cause,
      reason: facts.reason,
      terminalSessionId: session.id,
      accessSessionId: session.access_session_id,
      issuedById: issuerOf(ctx),
      issuedAt: ctx.clock.now(),
    })),
  );
}

/** An `expire_sudo` directive for each grant revoked, to its server's agent (which may hold it in a sudoers cache). */
export async function directGrantsToExpire(
  ctx: TransactionContext,
  grants: readonly { readonly id: string; readonly serverId: string; readonly accessSessionId: string | null }[],
  facts: DirectiveFacts,
): Promise<AgentDirectiveRow[]> {
  return insertDirectives(
    ctx,
    grants.map((grant) => ({
      tenantId: ctx.actor.tenantId,
      id: newId(),
      serverId: grant.serverId,
      kind: 'expire_sudo' as const,
      cause: facts.cause,
      reason: facts.reason,
      sudoAuthorizationId: grant.id,
      accessSessionId: grant.accessSessionId,
      issuedById: issuerOf(ctx),
      issuedAt: ctx.clock.now(),
    })),
  );
}

/**
 * An `announce` directive: the agent shows `facts.reason` to the user of terminal session
 * `session` (someone watches it live). One waiting announcement with the same words is enough.
 */
export async function directAnnouncement(
  ctx: TransactionContext,
  session: { readonly id: string; readonly serverId: string },
  facts: DirectiveFacts,
): Promise<AgentDirectiveRow | undefined> {
  const [waiting] = await queryRows<{ id: string }>(
    ctx.db,
    sql`select id from agent_directives where tenant_id = ${ctx.actor.tenantId} and terminal_session_id = ${session.id}
        and kind = 'announce' and acknowledged_at is null and reason is not distinct from ${facts.reason} limit 1`,
  );
  if (waiting) return undefined;
  const [issued] = await insertDirectives(ctx, [
    {
      tenantId: ctx.actor.tenantId,
      id: newId(),
      serverId: session.serverId,
      kind: 'announce' as const,
      cause: facts.cause,
      reason: facts.reason,
      terminalSessionId: session.id,
      issuedById: issuerOf(ctx),
      issuedAt: ctx.clock.now(),
    },
  ]);
  return issued;
}
