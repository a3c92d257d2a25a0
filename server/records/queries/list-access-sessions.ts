import { and, sql, type SQL } from 'drizzle-orm';
import type { RowScope } from '../../auth/scope.js';
import type { Executor } from '../../db/database.js';
import { accessSessions, type AccessSessionRow, type AccessSessionStatus } from '../../db/tables/index.js';
import { fetchPage, type Page, type PageArgs } from '../../pagination/keyset.js';
import { equalsIfGiven, inTimeRange, oneOfIfGiven, findInScope, findManyInScope, scopeConditions, type ScopeColumns, type TimeRange } from './conditions.js';

/** The row rule's columns: the tenant, and whose row it is. */
const SCOPE: ScopeColumns = {
  tenantId: accessSessions.tenantId,
  owner: accessSessions.requesterId,
  servers: { serverIds: accessSessions.serverIds, serverLabels: accessSessions.serverLabels },
};

/** The list's keys, newest first: its pages and its export go in this order. */
export const ACCESS_SESSION_ORDER = [accessSessions.requestedAt, accessSessions.id] as const;

export interface AccessSessionFilter extends TimeRange {
  userId?: string | null;
  approverId?: string | null;
  /** Sessions whose scope includes this server. */
  serverId?: string | null;
  status?: AccessSessionStatus[] | null;
}

/** Access sessions, newest requested first. */
export async function listAccessSessions(db: Executor, scope: RowScope, filter: AccessSessionFilter, args: PageArgs): Promise<Page<AccessSessionRow>> {
  const conditions = accessSessionConditions(scope, filter);
  return fetchPage(
    args,
    ACCESS_SESSION_ORDER,
    (row) => [row.requestedAt.toISOString(), row.id],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(accessSessions)
        .where(and(...conditions, where))
        .orderBy(...orderBy)
        .limit(limit),
  );
}

/** The access sessions within `scope` that `filter` asks for, as the list and the export select them. */
export function accessSessionConditions(scope: RowScope, filter: AccessSessionFilter): (SQL | undefined)[] {
  return [
    ...scopeConditions(scope, SCOPE),
    equalsIfGiven(accessSessions.requesterId, filter.userId),
    equalsIfGiven(accessSessions.approverId, filter.approverId),
    filter.serverId ? sql`${filter.serverId}::uuid = any(${accessSessions.serverIds})` : undefined,
    oneOfIfGiven(accessSessions.status, filter.status),
    inTimeRange(accessSessions.requestedAt, filter),
  ];
}

/** One row by id within the scope; undefined when it does not exist or is not the actor's to see. */
export function getAccessSessionInScope(db: Executor, scope: RowScope, id: string): Promise<AccessSessionRow | undefined> {
  return findInScope(db, accessSessions, SCOPE, scope, id);
}

/** The rows of `ids` within the scope, in one statement (those not the actor's to see are left out). */
export function getAccessSessionsInScope(db: Executor, scope: RowScope, ids: readonly string[]): Promise<AccessSessionRow[]> {
  return findManyInScope(db, accessSessions, SCOPE, scope, ids);
}
