/**
 * Deciding an access review's items and closing the campaign: each item kept or revoked with a
 * reason by its assigned reviewer (or an admin, never the grant's holder), a revoke taking effect
 * in the deciding transaction through the grant's own service (review-grants.ts); an admin
 * completes the campaign once every item is decided (it does not complete itself: the admin signs
 * the result off), or cancels it, which also ends its recurrence.
 */
import { and, count, eq } from 'drizzle-orm';
import { z } from 'zod';
import { recordChange } from '../audit/record-change.js';
import { requireAdmin } from '../auth/scope.js';
import type { Executor } from '../db/database.js';
import { accessReviewItems, accessReviews, REVIEW_DECISIONS, type AccessReviewItemRow, type AccessReviewRow, type ReviewDecision } from '../db/tables/index.js';
import { BadInput, Conflict, Forbidden, NotFound } from '../errors.js';
import { isUuid } from '../ids.js';
import type { TransactionContext } from '../service-context.js';
import { parseInput } from '../validation.js';
import { assertOpen, lockReview, reviewerIdentity, reviewSnapshot } from './access-reviews.js';
import { revokeGrant } from './review-grants.js';
import { assertMayDecide, canSeeReview } from '../auth/scope.js';

const reasonSchema = z.string().trim().max(2000, 'must be at most 2000 characters');

const itemSnapshot = (row: AccessReviewItemRow) => ({
  id: row.id,
  reviewId: row.reviewId,
  itemKind: row.itemKind,
  subjectUserId: row.subjectUserId,
  grantRef: row.grantRef,
  decision: row.decision,
  reason: row.reason,
  revokeOutcome: row.revokeOutcome,
});

/** A decision on one item; a revoke takes the grant away in this transaction. */
export async function decideAccessReviewItem(
  ctx: TransactionContext,
  itemId: string,
  decision: ReviewDecision,
  reason?: string | null,
): Promise<AccessReviewItemRow> {
  const who = await reviewerIdentity(ctx.db, ctx.actor);
  const parsedDecision = parseInput(z.enum(REVIEW_DECISIONS), decision, 'decision');
  const given = reason == null ? '' : parseInput(reasonSchema, reason, 'reason');
  if (parsedDecision === 'revoke' && given === '') throw new BadInput('reason', 'reason: a revoke needs a reason');
  if (!isUuid(itemId)) throw new NotFound('Access review item', itemId);
  const [item] = await ctx.db
    .select()
    .from(accessReviewItems)
    .where(and(eq(accessReviewItems.tenantId, who.actor.tenantId), eq(accessReviewItems.id, itemId)))
    .for('update');
  if (!item) throw new NotFound('Access review item', itemId);
  // Deciders share the campaign's lock; completing it takes it whole, so it sees every decision.
  const review = await lockReview(ctx.db, who.actor.tenantId, item.reviewId, 'share');
  if (!canSeeReview(review, who, item.assignedReviewerId === who.actor.userId)) {
    throw new Forbidden('Only the reviewers of this access review (and admins) decide its items', { reason: 'not_reviewer' });
  }
  assertMayDecide(item, who);
  assertOpen(review);
  if (item.decision) throw new Conflict(`This item was already decided (${item.decision})`, { decision: item.decision });
  const now = ctx.clock.now();
  const outcome = parsedDecision === 'revoke' ? await revokeGrant(ctx, item, `Access review "${review.name}" (${review.id}): ${given}`) : null;
  const [decided] = await ctx.db
    .update(accessReviewItems)
    .set({
      decision: parsedDecision,
      reason: given || null,
      decidedById: who.actor.userId,
      decidedAt: now,
      revokedAt: outcome ? now : null,
      revokeOutcome: outcome,
    })
    .where(and(eq(accessReviewItems.tenantId, item.tenantId), eq(accessReviewItems.id, item.id)))
    .returning();
  await recordChange(ctx, {
    action: 'access_review.item_decided',
    resource: { type: 'access_review_item', id: item.id, name: `${item.itemKind}:${item.grantRef}` },
    before: itemSnapshot(item),
    after: itemSnapshot(decided!),
  });
  return decided!;
}

/** How many of a campaign's items are decided which way. */
export async function reviewTally(db: Executor, tenantId: string, reviewId: string) {
  const rows = await db
    .select({ decision: accessReviewItems.decision, outcome: accessReviewItems.revokeOutcome, count: count() })
    .from(accessReviewItems)
    .where(and(eq(accessReviewItems.tenantId, tenantId), eq(accessReviewItems.reviewId, reviewId)))
    .groupBy(accessReviewItems.decision, accessReviewItems.revokeOutcome);
  const sum = (match: (row: (typeof rows)[number]) => boolean) => rows.filter(match).reduce((total, row) => total + Number(row.count), 0);
  return {
    total: sum(() => true),
    undecided: sum((row) => row.decision === null),
    kept: sum((row) => row.decision === 'keep'),
    revoked: sum((row) => row.outcome === 'revoked'),
    alreadyGone: sum((row) => row.outcome === 'already_gone'),
  };
}

export async function completeAccessReview(ctx: TransactionContext, id: string): Promise<AccessReviewRow> {
  const admin = requireAdmin(ctx.actor);
  const review = await lockReview(ctx.db, admin.tenantId, id, 'update');
  assertOpen(review);
  const tally = await reviewTally(ctx.db, admin.tenantId, id);
  if (tally.undecided > 0) throw new Conflict(`${tally.undecided} of ${tally.total} items are still undecided`, { undecided: tally.undecided });
  return closeReview(ctx, review, 'completed', { ...tally });
}

export async function cancelAccessReview(ctx: TransactionContext, id: string, reason?: string | null): Promise<AccessReviewRow> {
  const admin = requireAdmin(ctx.actor);
  const given = reason == null ? '' : parseInput(reasonSchema, reason, 'reason');
  const review = await lockReview(ctx.db, admin.tenantId, id, 'update');
  assertOpen(review);
  return closeReview(ctx, review, 'cancelled', { reason: given || null });
}

async function closeReview(
  ctx: TransactionContext,
  review: AccessReviewRow,
  status: 'completed' | 'cancelled',
  facts: Record<string, unknown>,
): Promise<AccessReviewRow> {
  const now = ctx.clock.now();
  const [closed] = await ctx.db
    .update(accessReviews)
    .set({
      status,
      ...(status === 'completed' ? { completedAt: now } : { cancelledAt: now }),
      closedById: ctx.actor.type === 'user' ? ctx.actor.userId : null,
    })
    .where(and(eq(accessReviews.tenantId, review.tenantId), eq(accessReviews.id, review.id)))
    .returning();
  await recordChange(ctx, {
    action: status === 'completed' ? 'access_review.completed' : 'access_review.cancelled',
    resource: { type: 'access_review', id: review.id, name: review.name },
    before: reviewSnapshot(review),
    after: { ...reviewSnapshot(closed!), ...facts },
  });
  return closed!;
}
