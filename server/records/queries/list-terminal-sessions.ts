import { and, isNotNull, isNull, type SQL } from 'drizzle-orm';
import type { RowScope } from '../../auth/scope.js';
import type { Executor } from '../../db/database.js';
import { terminalSessions, type SessionSource, type TerminalSessionRow } from '../../db/tables/index.js';
import { fetchPage, type Page, type PageArgs } from '../../pagination/keyset.js';
import { equalsIfGiven, inTimeRange, findInScope, findManyInScope, scopeConditions, type ScopeColumns, type TimeRange } from './conditions.js';

/** The row rule's columns: the tenant, and whose row it is. */
const SCOPE: ScopeColumns = { tenantId: terminalSessions.tenantId, owner: terminalSessions.userId, servers: { serverId: terminalSessions.serverId } };

/** The list's keys, newest first: its pages and its export go in this order. */
export const TERMINAL_SESSION_ORDER = [terminalSessions.startedAt, terminalSessions.id] as const;

export interface TerminalSessionFilter extends TimeRange {
  userId?: string | null;
  serverId?: string | null;
  accessSessionId?: string | null;
  source?: SessionSource | null;
  /** true: still open; false: ended. */
  isActive?: boolean | null;
  username?: string | null;
}

/** Terminal sessions, newest started first. */
export async function listTerminalSessions(db: Executor, scope: RowScope, filter: TerminalSessionFilter, args: PageArgs): Promise<Page<TerminalSessionRow>> {
  const conditions = terminalSessionConditions(scope, filter);
  return fetchPage(
    args,
    TERMINAL_SESSION_ORDER,
    (row) => [row.startedAt.toISOString(), row.id],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(terminalSessions)
        .where(and(...conditions, where))
        .orderBy(...orderBy)
        .limit(limit),
  );
}

/** The terminal sessions within `scope` that `filter` asks for, as the list and the export select them. */
export function terminalSessionConditions(scope: RowScope, filter: TerminalSessionFilter): (SQL | undefined)[] {
  return [
    ...scopeConditions(scope, SCOPE),
    equalsIfGiven(terminalSessions.userId, filter.userId),
    equalsIfGiven(terminalSessions.serverId, filter.serverId),
    equalsIfGiven(terminalSessions.accessSessionId, filter.accessSessionId),
    equalsIfGiven(terminalSessions.source, filter.source),
    equalsIfGiven(terminalSessions.username, filter.username),
    filter.isActive == null ? undefined : filter.isActive ? isNull(terminalSessions.endedAt) : isNotNull(terminalSessions.endedAt),
    inTimeRange(terminalSessions.startedAt, filter),
  ];
}

/** One row by id within the scope; undefined when it does not exist or is not the actor's to see. */
export function getTerminalSessionInScope(db: Executor, scope: RowScope, id: string): Promise<TerminalSessionRow | undefined> {
  return findInScope(db, terminalSessions, SCOPE, scope, id);
}

/** The rows of `ids` within the scope, in one statement (those not the actor's to see are left out). */
export function getTerminalSessionsInScope(db: Executor, scope: RowScope, ids: readonly string[]): Promise<TerminalSessionRow[]> {
  return findManyInScope(db, terminalSessions, SCOPE, scope, ids);
}
