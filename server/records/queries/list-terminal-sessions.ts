import { and, eq, inArray, isNotNull, isNull } from 'drizzle-orm';
import type { RowScope } from '../../auth/scope.js';
import type { Executor } from '../../db/database.js';
import { terminalSessions, type SessionSource, type TerminalSessionRow } from '../../db/tables/index.js';
import { fetchPage, type Page, type PageArgs } from '../../pagination/keyset.js';
import { equalsIfGiven, inTimeRange, findInScope, scopeConditions, type TimeRange } from './conditions.js';

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
  const conditions = [
    ...scopeConditions(scope, { tenantId: terminalSessions.tenantId, owner: terminalSessions.userId }),
    equalsIfGiven(terminalSessions.userId, filter.userId),
    equalsIfGiven(terminalSessions.serverId, filter.serverId),
    equalsIfGiven(terminalSessions.accessSessionId, filter.accessSessionId),
    equalsIfGiven(terminalSessions.source, filter.source),
    equalsIfGiven(terminalSessions.username, filter.username),
    filter.isActive == null ? undefined : filter.isActive ? isNull(terminalSessions.endedAt) : isNotNull(terminalSessions.endedAt),
    inTimeRange(terminalSessions.startedAt, filter),
  ];
  return fetchPage(
    args,
    [terminalSessions.startedAt, terminalSessions.id],
    (row) => [row.startedAt.toISOString(), row.id],
    ({ where, orderBy, limit }) => db.select().from(terminalSessions).where(and(...conditions, where)).orderBy(...orderBy).limit(limit),
  );
}

export async function getTerminalSessionsByIds(db: Executor, tenantId: string, ids: readonly string[]): Promise<TerminalSessionRow[]> {
  if (ids.length === 0) return [];
  return db.select().from(terminalSessions).where(and(eq(terminalSessions.tenantId, tenantId), inArray(terminalSessions.id, [...ids])));
}

/** One row by id within the scope; undefined when it does not exist or is not the actor's to see. */
export function getTerminalSessionInScope(db: Executor, scope: RowScope, id: string): Promise<TerminalSessionRow | undefined> {
  return findInScope((where) => db.select().from(terminalSessions).where(where), terminalSessions, scope, terminalSessions.userId, id);
}
