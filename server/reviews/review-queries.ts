/** Reading access reviews and their items, as server/auth/scope.ts lets the reader see them (canSeeReview). */
import { and, asc, eq, isNull, isNotNull, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/database.js';
import { accessReviewItems, accessReviews, type AccessReviewItemRow, type AccessReviewRow, type AccessReviewStatus } from '../db/tables/index.js';
import { NotFound } from '../errors.js';
import { isUuid } from '../ids.js';
import { fetchPage, type Page, type PageArgs } from '../pagination/keyset.js';
import { isAdmin, type ReviewerIdentity } from '../auth/scope.js';
import { arrayLiteral } from '../db/bulk-insert.js';

/** SQL twin of canSeeReview (server/auth/scope.ts): the campaigns `who` sees (every one for admins). The tenant is the query's. */
function visibleReviews(who: ReviewerIdentity): SQL | undefined {
  if (isAdmin(who.actor)) return undefined;
  return sql`(${who.actor.userId}::uuid = any(${accessReviews.reviewerIds})
    or ${accessReviews.reviewerGroups} && ${arrayLiteral(who.groups)}::text[]
    or exists (select 1 from access_review_items i where i.tenant_id = ${accessReviews.tenantId} and i.review_id = ${accessReviews.id}
               and i.assigned_reviewer_id = ${who.actor.userId}))`;
}

/** The items of a visible campaign that `who` sees: all for admins, their assigned ones otherwise. */
function visibleItems(who: ReviewerIdentity): SQL | undefined {
  return isAdmin(who.actor) ? undefined : sql`${accessReviewItems.assignedReviewerId} = ${who.actor.userId}`;
}

export interface ReviewFilter {
  readonly status?: AccessReviewStatus | null;
}

export async function listAccessReviews(db: Executor, who: ReviewerIdentity, filter: ReviewFilter, args: PageArgs): Promise<Page<AccessReviewRow>> {
  const conditions: (SQL | undefined)[] = [eq(accessReviews.tenantId, who.actor.tenantId), visibleReviews(who)];
  if (filter.status) conditions.push(eq(accessReviews.status, filter.status));
  return fetchPage(
    args,
    [accessReviews.id],
    (row) => [row.id],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(accessReviews)
        .where(and(...conditions, where))
        .orderBy(...orderBy)
        .limit(limit),
  );
}

/** A campaign the reader sees; NOT_FOUND otherwise (another tenant's, or one they do not review). */
export async function getAccessReview(db: Executor, who: ReviewerIdentity, id: string): Promise<AccessReviewRow> {
  if (!isUuid(id)) throw new NotFound('Access review', id);
  const [row] = await db
    .select()
    .from(accessReviews)
    .where(and(eq(accessReviews.tenantId, who.actor.tenantId), eq(accessReviews.id, id.toLowerCase()), visibleReviews(who)));
  if (!row) throw new NotFound('Access review', id);
  return row;
}

export interface ItemFilter {
  /** Only the items still waiting for a decision (true), or only the decided ones (false). */
  readonly isUndecided?: boolean | null;
  readonly assignedReviewerId?: string | null;
}

function itemConditions(who: ReviewerIdentity, review: AccessReviewRow, filter: ItemFilter): (SQL | undefined)[] {
  const conditions: (SQL | undefined)[] = [eq(accessReviewItems.tenantId, review.tenantId), eq(accessReviewItems.reviewId, review.id), visibleItems(who)];
  if (filter.isUndecided != null) conditions.push(filter.isUndecided ? isNull(accessReviewItems.decision) : isNotNull(accessReviewItems.decision));
  if (filter.assignedReviewerId) conditions.push(eq(accessReviewItems.assignedReviewerId, filter.assignedReviewerId));
  return conditions;
}

export function listReviewItems(
  db: Executor,
  who: ReviewerIdentity,
  review: AccessReviewRow,
  filter: ItemFilter,
  args: PageArgs,
): Promise<Page<AccessReviewItemRow>> {
  const conditions = itemConditions(who, review, filter);
  return fetchPage(
    args,
    [accessReviewItems.id],
    (row) => [row.id],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(accessReviewItems)
        .where(and(...conditions, where))
        .orderBy(...orderBy)
        .limit(limit),
  );
}

/** Every item of a campaign the reader sees, oldest first (the export). */
export function allReviewItems(db: Executor, who: ReviewerIdentity, review: AccessReviewRow): Promise<AccessReviewItemRow[]> {
  return db
    .select()
    .from(accessReviewItems)
    .where(and(...itemConditions(who, review, {})))
    .orderBy(asc(accessReviewItems.id));
}
