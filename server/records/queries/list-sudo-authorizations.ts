import { and, gt, isNull, or, type SQL } from 'drizzle-orm';
import type { RowScope } from '../../auth/scope.js';
import type { Executor } from '../../db/database.js';
import { sudoAuthorizations, type SudoAuthorizationRow, type SudoGrantSource } from '../../db/tables/index.js';
import { fetchPage, type Page, type PageArgs } from '../../pagination/keyset.js';
import { equalsIfGiven, inTimeRange, findInScope, findManyInScope, scopeConditions, type ScopeColumns, type TimeRange } from './conditions.js';

/** The row rule's columns: the tenant, and whose row it is. */
const SCOPE: ScopeColumns = { tenantId: sudoAuthorizations.tenantId, owner: sudoAuthorizations.userId, servers: { serverId: sudoAuthorizations.serverId } };

export interface SudoAuthorizationFilter extends TimeRange {
  userId?: string | null;
  serverId?: string | null;
  accessSessionId?: string | null;
  grantedVia?: SudoGrantSource | null;
  /** Only grants in force at `activeAt` (not revoked, not expired). */
  activeAt?: Date | null;
}

/** Sudo authorizations, newest granted first. */
export async function listSudoAuthorizations(
  db: Executor,
  scope: RowScope,
  filter: SudoAuthorizationFilter,
  args: PageArgs,
): Promise<Page<SudoAuthorizationRow>> {
  let inForce: SQL | undefined;
  if (filter.activeAt) {
    inForce = and(isNull(sudoAuthorizations.revokedAt), or(isNull(sudoAuthorizations.expiresAt), gt(sudoAuthorizations.expiresAt, filter.activeAt)));
  }
  const conditions = [
    ...scopeConditions(scope, SCOPE),
    equalsIfGiven(sudoAuthorizations.userId, filter.userId),
    equalsIfGiven(sudoAuthorizations.serverId, filter.serverId),
    equalsIfGiven(sudoAuthorizations.accessSessionId, filter.accessSessionId),
    equalsIfGiven(sudoAuthorizations.grantedVia, filter.grantedVia),
    inTimeRange(sudoAuthorizations.grantedAt, filter),
    inForce,
  ];
  return fetchPage(
    args,
    [sudoAuthorizations.grantedAt, sudoAuthorizations.id],
    (row) => [row.grantedAt.toISOString(), row.id],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(sudoAuthorizations)
        .where(and(...conditions, where))
        .orderBy(...orderBy)
        .limit(limit),
  );
}

/** One row by id within the scope; undefined when it does not exist or is not the actor's to see. */
export function getSudoAuthorizationInScope(db: Executor, scope: RowScope, id: string): Promise<SudoAuthorizationRow | undefined> {
  return findInScope(db, sudoAuthorizations, SCOPE, scope, id);
}

/** The rows of `ids` within the scope, in one statement (those not the actor's to see are left out). */
export function getSudoAuthorizationsInScope(db: Executor, scope: RowScope, ids: readonly string[]): Promise<SudoAuthorizationRow[]> {
  return findManyInScope(db, sudoAuthorizations, SCOPE, scope, ids);
}
