/**
 * Directives as admins list them: what agents were told, why, and whether (and how) they answered,
 * newest first, by server, terminal session, access session or still waiting. One query with the
 * session's event id beside each, as agents read them.
 */
import { and, eq, isNotNull, isNull } from 'drizzle-orm';
import type { Executor } from '../db/database.js';
import { agentDirectives, type AgentDirectiveRow } from '../db/tables/index.js';
import { fetchPage, type Page, type PageArgs } from '../pagination/keyset.js';
import { equalsIfGiven } from '../records/queries/conditions.js';
import type { AgentDirectiveRecord } from './directive-record.js';
import { directiveRecord, selectDirectives } from './read-directives.js';

export interface DirectiveFilter {
  readonly serverId?: string | null;
  readonly terminalSessionId?: string | null;
  readonly accessSessionId?: string | null;
  /** true: not answered yet; false: answered. */
  readonly isPending?: boolean | null;
}

interface DirectiveRow {
  readonly directive: AgentDirectiveRow;
  readonly terminalSessionEventId: string | null;
}

export async function listDirectives(db: Executor, tenantId: string, filter: DirectiveFilter, args: PageArgs): Promise<Page<AgentDirectiveRecord>> {
  const conditions = [
    eq(agentDirectives.tenantId, tenantId),
    equalsIfGiven(agentDirectives.serverId, filter.serverId),
    equalsIfGiven(agentDirectives.terminalSessionId, filter.terminalSessionId),
    equalsIfGiven(agentDirectives.accessSessionId, filter.accessSessionId),
    filter.isPending == null ? undefined : filter.isPending ? isNull(agentDirectives.acknowledgedAt) : isNotNull(agentDirectives.acknowledgedAt),
  ];
  const page = await fetchPage<DirectiveRow>(
    args,
    [agentDirectives.issuedAt, agentDirectives.id],
    (row) => [row.directive.issuedAt.toISOString(), row.directive.id],
    ({ where, orderBy, limit }) =>
      selectDirectives(db)
        .where(and(...conditions, where))
        .orderBy(...orderBy)
        .limit(limit),
  );
  return { ...page, nodes: page.nodes.map(({ directive, terminalSessionEventId }) => directiveRecord(directive, terminalSessionEventId)) };
}
