/**
 * The grants an access review re-certifies, one source per item kind: what is granted now (the
 * items a campaign starts with, each with a snapshot of the grant), and how a revoke takes it
 * away, through the service that manages that grant (so it is audited as that service's own
 * change, with the review named in its reason). A grant that went away since the snapshot is
 * reported as already gone, not an error: the review's decision still stands on the record.
 */
import type { Executor } from '../db/database.js';
import type { AccessReviewItemRow, ReviewItemKind, RevokeOutcome } from '../db/tables/index.js';
import type { TransactionContext } from '../service-context.js';
import { accessSessionSource, apiTokenSource, roleAssignmentSource, sudoGrantSource } from './record-grants.js';
import { adminRoleSource, userListSource } from './user-grants.js';

/** A grant as a campaign's item holds it. */
export interface GrantItem {
  readonly itemKind: ReviewItemKind;
  readonly subjectUserId: string | null;
  readonly grantRef: string;
  readonly grantSnapshot: Record<string, unknown>;
}

export interface GrantQuery {
  readonly tenantId: string;
  readonly now: Date;
  /** API tokens: only those at least this many days old. */
  readonly tokenMinAgeDays: number | null;
}

export interface GrantSource {
  /** The grants of this kind in force now, in a stable order. */
  current(db: Executor, query: GrantQuery): Promise<GrantItem[]>;
  /** Takes the item's grant away; `reason` names the review. */
  revoke(ctx: TransactionContext, item: AccessReviewItemRow, reason: string): Promise<RevokeOutcome>;
}

/** Every kind has its source: a kind added to REVIEW_ITEM_KINDS does not compile without one. */
export const GRANT_SOURCES: Readonly<Record<ReviewItemKind, GrantSource>> = {
  permission: userListSource('permission', 'permissions'),
  admin_role: adminRoleSource,
  group: userListSource('group', 'groups'),
  role_assignment: roleAssignmentSource,
  sudo_grant: sudoGrantSource,
  api_token: apiTokenSource,
  access_session: accessSessionSource,
};

/** The grants of `kinds` in force now, kind by kind. */
export async function currentGrants(db: Executor, kinds: readonly ReviewItemKind[], query: GrantQuery): Promise<GrantItem[]> {
  const items: GrantItem[] = [];
  for (const kind of kinds) items.push(...(await GRANT_SOURCES[kind].current(db, query)));
  return items;
}

/** Takes an item's grant away (or finds it gone). */
export function revokeGrant(ctx: TransactionContext, item: AccessReviewItemRow, reason: string): Promise<RevokeOutcome> {
  return GRANT_SOURCES[item.itemKind].revoke(ctx, item, reason);
}
