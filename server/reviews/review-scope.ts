/**
 * Who sees and decides access reviews. Admins see every campaign and item and may decide any item
 * but their own. A reviewer (named by id, or a member of a reviewer group, or the assignee of an
 * item) sees the campaign and the items assigned to them, and decides those. Nobody decides an
 * item about their own grant, admins included (a role assigned to a group counts as the grant of
 * each member). Everyone else is told the campaign does not exist, and is refused (FORBIDDEN) a
 * decision on one of its items.
 *
 * These rules belong beside the others in server/auth/scope.ts; they live here until that module
 * takes them (it is being changed for custom roles while this is written), built on its helpers.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Actor, UserActor } from '../auth/actor.js';
import { isAdmin, requireUser } from '../auth/scope.js';
import { arrayLiteral } from '../db/bulk-insert.js';
import { accessReviewItems, accessReviews, type AccessReviewItemRow, type AccessReviewRow } from '../db/tables/index.js';
import { Forbidden } from '../errors.js';

/** A person and the groups they are in now (users.groups). */
export interface ReviewerIdentity {
  readonly actor: UserActor;
  readonly groups: readonly string[];
}

/** Whether the campaign names the person as a reviewer (by id or group). */
export function isNamedReviewer(review: AccessReviewRow, who: ReviewerIdentity): boolean {
  return review.reviewerIds.includes(who.actor.userId) || review.reviewerGroups.some((group) => who.groups.includes(group));
}

/**
 * SQL: the campaigns `who` sees (every one for admins). The tenant is the query's.
 */
export function visibleReviews(who: ReviewerIdentity): SQL | undefined {
  if (isAdmin(who.actor)) return undefined;
  return sql`(${who.actor.userId}::uuid = any(${accessReviews.reviewerIds})
    or ${accessReviews.reviewerGroups} && ${arrayLiteral(who.groups)}::text[]
    or exists (select 1 from access_review_items i where i.tenant_id = ${accessReviews.tenantId} and i.review_id = ${accessReviews.id}
               and i.assigned_reviewer_id = ${who.actor.userId}))`;
}

/** SQL: the items of a visible campaign that `who` sees: all for admins, their assigned ones otherwise. */
export function visibleItems(who: ReviewerIdentity): SQL | undefined {
  return isAdmin(who.actor) ? undefined : sql`${accessReviewItems.assignedReviewerId} = ${who.actor.userId}`;
}

export function canSeeReview(review: AccessReviewRow, who: ReviewerIdentity, hasAssignedItem: boolean): boolean {
  return isAdmin(who.actor) || isNamedReviewer(review, who) || hasAssignedItem;
}

/** Whether the item is about the person's own grant (theirs, or a role held through their group). */
export function isOwnGrant(item: AccessReviewItemRow, who: ReviewerIdentity): boolean {
  if (item.subjectUserId !== null) return item.subjectUserId === who.actor.userId;
  const group = item.grantSnapshot.groupName;
  return typeof group === 'string' && who.groups.includes(group);
}

/** Refuses a decision `who` may not make on `item` (FORBIDDEN, saying why). */
export function assertMayDecide(item: AccessReviewItemRow, who: ReviewerIdentity): void {
  if (isOwnGrant(item, who)) throw new Forbidden('Nobody reviews their own grant: another reviewer or an admin decides this item', { reason: 'own_grant' });
  if (!isAdmin(who.actor) && item.assignedReviewerId !== who.actor.userId) {
    throw new Forbidden('Only the reviewer this item is assigned to (or an admin) decides it', { reason: 'not_assigned' });
  }
}

/** A person reading or deciding reviews (agent tokens are refused). */
export function requireReviewer(actor: Actor | null): UserActor {
  return requireUser(actor);
}
