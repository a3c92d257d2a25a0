import { and, sql } from 'drizzle-orm';
import type { RowScope } from '../../auth/scope.js';
import type { Executor } from '../../db/database.js';
import { activityLog, type ActivityRow } from '../../db/tables/index.js';
import { fetchPage, type Page, type PageArgs } from '../../pagination/keyset.js';
import { equalsIfGiven, inTimeRange, oneOfIfGiven, findInScope, findManyInScope, scopeConditions, type ScopeColumns, type TimeRange } from './conditions.js';

/** The row rule's columns: the tenant, and whose row it is. */
const SCOPE: ScopeColumns = { tenantId: activityLog.tenantId, owner: activityLog.userId };

export interface ActivityFilter extends TimeRange {
  userId?: string | null;
  userEmail?: string | null;
  action?: string[] | null;
  /** An exact code (401), or a class: 4 for every 4xx. */
  result?: number | null;
  ipAddress?: string | null;
}

/** The workspace activity log, newest first. */
export async function listActivity(db: Executor, scope: RowScope, filter: ActivityFilter, args: PageArgs): Promise<Page<ActivityRow>> {
  const resultCondition =
    filter.result == null
      ? undefined
      : filter.result < 10
        ? sql`${activityLog.result} / 100 = ${filter.result}`
        : sql`${activityLog.result} = ${filter.result}`;
  const conditions = [
    ...scopeConditions(scope, SCOPE),
    equalsIfGiven(activityLog.userId, filter.userId),
    equalsIfGiven(activityLog.userEmail, filter.userEmail?.toLowerCase()),
    oneOfIfGiven(activityLog.action, filter.action),
    resultCondition,
    filter.ipAddress ? sql`${activityLog.ipAddress} = ${filter.ipAddress}::inet` : undefined,
    inTimeRange(activityLog.occurredAt, filter),
  ];
  return fetchPage(
    args,
    [activityLog.occurredAt, activityLog.id],
    (row) => [row.occurredAt.toISOString(), row.id],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(activityLog)
        .where(and(...conditions, where))
        .orderBy(...orderBy)
        .limit(limit),
  );
}

/** One row by id within the scope; undefined when it does not exist or is not the actor's to see. */
export function getActivityInScope(db: Executor, scope: RowScope, id: string): Promise<ActivityRow | undefined> {
  return findInScope(db, activityLog, SCOPE, scope, id);
}

/** The rows of `ids` within the scope, in one statement (those not the actor's to see are left out). */
export function getActivityEntriesInScope(db: Executor, scope: RowScope, ids: readonly string[]): Promise<ActivityRow[]> {
  return findManyInScope(db, activityLog, SCOPE, scope, ids);
}
