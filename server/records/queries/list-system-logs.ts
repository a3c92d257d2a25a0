import { and } from 'drizzle-orm';
import type { RowScope } from '../../auth/scope.js';
import type { Executor } from '../../db/database.js';
import { LOG_LEVELS, systemLogs, type LogLevelName, type SystemLogRow } from '../../db/tables/index.js';
import { fetchPage, type Page, type PageArgs } from '../../pagination/keyset.js';
import {
  containsIfGiven,
  equalsIfGiven,
  inTimeRange,
  oneOfIfGiven,
  findInScope,
  findManyInScope,
  scopeConditions,
  type ScopeColumns,
  type TimeRange,
} from './conditions.js';

/** The row rule's columns: the tenant, and whose row it is. */
const SCOPE: ScopeColumns = { tenantId: systemLogs.tenantId, servers: { serverId: systemLogs.serverId } };

export interface SystemLogFilter extends TimeRange {
  serverId?: string | null;
  level?: LogLevelName[] | null;
  /** This level and every more severe one. */
  minLevel?: LogLevelName | null;
  program?: string | null;
  /** Part of the message, case-insensitive (trigram index). */
  search?: string | null;
}

/** System logs, newest first. */
export async function listSystemLogs(db: Executor, scope: RowScope, filter: SystemLogFilter, args: PageArgs): Promise<Page<SystemLogRow>> {
  const severeEnough = filter.minLevel ? LOG_LEVELS.slice(LOG_LEVELS.indexOf(filter.minLevel)) : null;
  const conditions = [
    ...scopeConditions(scope, SCOPE),
    equalsIfGiven(systemLogs.serverId, filter.serverId),
    oneOfIfGiven(systemLogs.level, filter.level),
    oneOfIfGiven(systemLogs.level, severeEnough),
    equalsIfGiven(systemLogs.program, filter.program),
    inTimeRange(systemLogs.loggedAt, filter),
    containsIfGiven(systemLogs.message, filter.search),
  ];
  return fetchPage(
    args,
    [systemLogs.loggedAt, systemLogs.id],
    (row) => [row.loggedAt.toISOString(), row.id],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(systemLogs)
        .where(and(...conditions, where))
        .orderBy(...orderBy)
        .limit(limit),
  );
}

/** One row by id within the scope; undefined when it does not exist or is not the actor's to see. */
export function getSystemLogInScope(db: Executor, scope: RowScope, id: string): Promise<SystemLogRow | undefined> {
  return findInScope(db, systemLogs, SCOPE, scope, id);
}

/** The rows of `ids` within the scope, in one statement (those not the actor's to see are left out). */
export function getSystemLogsInScope(db: Executor, scope: RowScope, ids: readonly string[]): Promise<SystemLogRow[]> {
  return findManyInScope(db, systemLogs, SCOPE, scope, ids);
}
