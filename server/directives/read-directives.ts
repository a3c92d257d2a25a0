/**
 * What an agent reads of its directives: those of its own server not yet acknowledged, oldest
 * first. Acknowledgement is the agent's cursor: a directive is sent again on every (re)subscribe
 * until the agent acknowledges it, so an agent that was away, or crashed between receiving and
 * acting, loses none.
 */
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { AgentActor } from '../auth/actor.js';
import type { Executor } from '../db/database.js';
import { agentDirectives, type AgentDirectiveRow } from '../db/tables/index.js';

/** At most this many waiting directives in one read; an agent acknowledges and reads again. */
export const MAX_PENDING_DIRECTIVES = 500;

export function pendingDirectives(db: Executor, agent: AgentActor): Promise<AgentDirectiveRow[]> {
  return db
    .select()
    .from(agentDirectives)
    .where(and(eq(agentDirectives.tenantId, agent.tenantId), eq(agentDirectives.serverId, agent.serverId), isNull(agentDirectives.acknowledgedAt)))
    .orderBy(asc(agentDirectives.id))
    .limit(MAX_PENDING_DIRECTIVES);
}

/** The agent's server's directives among `ids` (a `directive.issued` event's), in id order. */
export function directivesOfServer(db: Executor, agent: AgentActor, ids: readonly string[]): Promise<AgentDirectiveRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db
    .select()
    .from(agentDirectives)
    .where(and(eq(agentDirectives.tenantId, agent.tenantId), eq(agentDirectives.serverId, agent.serverId), inArray(agentDirectives.id, [...ids])))
    .orderBy(asc(agentDirectives.id));
}
