/**
 * An agent acknowledging a directive: done, nothing to do (the session or grant was already gone),
 * or failed (with its words). A terminated session's end is recorded with it: the session gets its
 * end time (the agent's, or now), the directive's cause and reason as its end reason, and the
 * directive's issuer as who ended it (for GONE, only when no end was on record: a session that
 * ended on its own keeps its end as it was). Sent again with the same outcome, it changes nothing; with
 * another, CONFLICT.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { AgentActor } from '../auth/actor.js';
import { recordChange } from '../audit/record-change.js';
import { agentDirectives, terminalSessions, type AgentDirectiveRow, type DirectiveOutcome } from '../db/tables/index.js';
import { BadInput, Conflict, NotFound } from '../errors.js';
import { publishEvents, recordsChanged } from '../realtime/domain-events.js';
import type { TransactionContext } from '../service-context.js';
import type { AgentDirectiveRecord } from './directive-record.js';
import { directiveRecord } from './read-directives.js';

export interface Acknowledgement {
  readonly outcome: DirectiveOutcome;
  /** On a failure: what went wrong, as the agent says it. */
  readonly detail?: string | null;
  /** When the session actually ended, by the agent's clock; none: now. */
  readonly endedAt?: Date | null;
}

const MAX_DETAIL = 1000;
/** How far an agent's clock may be from Vigil's (drift), no more. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** How a terminated session's end reads: `access_session.revoked: <reason>`. */
const endReasonOf = (directive: AgentDirectiveRow): string => (directive.reason ? `${directive.cause}: ${directive.reason}` : directive.cause);

export async function acknowledgeDirective(ctx: TransactionContext & { actor: AgentActor }, id: string, ack: Acknowledgement): Promise<AgentDirectiveRecord> {
  const { tenantId, serverId } = ctx.actor;
  const detail = ack.detail?.trim() || null;
  if (detail && detail.length > MAX_DETAIL) throw new BadInput('detail', `detail: at most ${MAX_DETAIL} characters`);
  const now = ctx.clock.now();
  if (ack.endedAt && ack.endedAt.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS) throw new BadInput('endedAt', 'endedAt: is in the future');
  const [directive] = await ctx.db
    .select()
    .from(agentDirectives)
    // Another server's directive stays invisible to this agent.
    .where(and(eq(agentDirectives.tenantId, tenantId), eq(agentDirectives.id, id), eq(agentDirectives.serverId, serverId)))
    .for('update');
  if (!directive) throw new NotFound('Directive', id);
  // A shell ended by this directive ended after it was issued (give or take the agent's clock).
  if (ack.outcome === 'done' && ack.endedAt && ack.endedAt.getTime() < directive.issuedAt.getTime() - MAX_CLOCK_SKEW_MS) {
    throw new BadInput('endedAt', 'endedAt: is before the directive was issued; answer GONE for a session that had already ended');
  }
  if (directive.acknowledgedAt) {
    if (directive.outcome === ack.outcome) return withSessionEventId(ctx, directive);
    throw new Conflict(`This directive was already acknowledged as ${directive.outcome}`, { outcome: directive.outcome });
  }
  const [acknowledged] = await ctx.db
    .update(agentDirectives)
    .set({ acknowledgedAt: now, outcome: ack.outcome, outcomeDetail: detail })
    .where(and(eq(agentDirectives.tenantId, tenantId), eq(agentDirectives.id, id)))
    .returning();
  let endedSessionId: string | null = null;
  if (directive.kind === 'terminate_session' && directive.terminalSessionId && ack.outcome !== 'failed') {
    const endedAt = ack.endedAt ?? now;
    const [ended] = await ctx.db
      .update(terminalSessions)
      .set({
        // An end the agent reported already (TERMINAL_SESSION_ENDED) stands; the reason is added to it.
        endedAt: sql`coalesce(${terminalSessions.endedAt}, greatest(${endedAt.toISOString()}::timestamptz, ${terminalSessions.startedAt}))`,
        endReason: endReasonOf(directive),
        endedById: directive.issuedById,
      })
      .where(
        and(
          eq(terminalSessions.tenantId, tenantId),
          eq(terminalSessions.id, directive.terminalSessionId),
          sql`${terminalSessions.endReason} is null`,
          // GONE: the shell was no longer there. If its end is on record, it ended on its own, not by this directive.
          ack.outcome === 'gone' ? sql`${terminalSessions.endedAt} is null` : undefined,
        ),
      )
      .returning({ id: terminalSessions.id });
    if (ended) {
      endedSessionId = ended.id;
      await publishEvents(ctx.db, recordsChanged(tenantId, serverId, 'terminal_session', 'ended', [ended.id]), now);
    }
  }
  await recordChange(ctx, {
    action: 'agent_directive.acknowledged',
    resource: { type: 'agent_directive', id },
    after: {
      kind: directive.kind,
      cause: directive.cause,
      outcome: ack.outcome,
      detail,
      terminalSessionId: directive.terminalSessionId,
      sudoAuthorizationId: directive.sudoAuthorizationId,
      ...(endedSessionId ? { reportedEndedAt: (ack.endedAt ?? now).toISOString() } : {}),
    },
  });
  return withSessionEventId(ctx, acknowledged!);
}

async function withSessionEventId(ctx: TransactionContext, directive: AgentDirectiveRow): Promise<AgentDirectiveRecord> {
  if (!directive.terminalSessionId) return directiveRecord(directive);
  const [session] = await ctx.db
    .select({ eventId: terminalSessions.eventId })
    .from(terminalSessions)
    .where(and(eq(terminalSessions.tenantId, directive.tenantId), eq(terminalSessions.id, directive.terminalSessionId)));
  return directiveRecord(directive, session?.eventId ?? null);
}
