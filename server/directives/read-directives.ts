/**
 * What an agent reads of its directives: those of its own server not yet acknowledged, oldest
 * first. Acknowledgement is the agent's cursor: a directive is sent again on every (re)subscribe
 * until the agent acknowledges it, so an agent that was away, or crashed between receiving and
 * acting, loses none. Each comes with the event id the agent gave the session, its own name for it.
 */
import { and, asc, eq, inArray, isNull, type SQL } from 'drizzle-orm';
import type { AgentActor } from '../auth/actor.js';
import type { Executor } from '../db/database.js';
import { agentDirectives, terminalSessions, type AgentDirectiveRow } from '../db/tables/index.js';
import type { AgentDirectiveRecord } from './directive-record.js';

/** At most this many waiting directives in one read; an agent acknowledges and reads again. */
export const MAX_PENDING_DIRECTIVES = 500;

/** Directives, each with the event id of the terminal session it names (list-directives.ts reads the same). */
export function selectDirectives(db: Executor) {
  return db
    .select({ directive: agentDirectives, terminalSessionEventId: terminalSessions.eventId })
    .from(agentDirectives)
    .leftJoin(terminalSessions, and(eq(terminalSessions.tenantId, agentDirectives.tenantId), eq(terminalSessions.id, agentDirectives.terminalSessionId)));
}

async function readDirectives(db: Executor, agent: AgentActor, where: SQL | undefined, limit: number): Promise<AgentDirectiveRecord[]> {
  const rows = await selectDirectives(db)
    .where(and(eq(agentDirectives.tenantId, agent.tenantId), eq(agentDirectives.serverId, agent.serverId), where))
    .orderBy(asc(agentDirectives.id))
    .limit(limit);
  return rows.map(({ directive, terminalSessionEventId }) => directiveRecord(directive, terminalSessionEventId));
}

export const directiveRecord = (row: AgentDirectiveRow, terminalSessionEventId: string | null = null): AgentDirectiveRecord => ({
  ...row,
  terminalSessionEventId,
});

export function pendingDirectives(db: Executor, agent: AgentActor): Promise<AgentDirectiveRecord[]> {
  return readDirectives(db, agent, isNull(agentDirectives.acknowledgedAt), MAX_PENDING_DIRECTIVES);
}

/** The agent's server's directives among `ids` (a `directive.issued` event's), in id order. */
export function directivesOfServer(db: Executor, agent: AgentActor, ids: readonly string[]): Promise<AgentDirectiveRecord[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return readDirectives(db, agent, inArray(agentDirectives.id, [...ids]), ids.length);
}
