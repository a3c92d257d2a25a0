import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { requireAdmin } from '../../server/auth/scope.js';
import { createAccessReview, nextRunOf, reviewerIdentity } from '../../server/reviews/access-reviews.js';
import { cancelAccessReview, completeAccessReview, decideAccessReviewItem, reviewTally } from '../../server/reviews/review-decisions.js';
import { reviewCsv } from '../../server/reviews/review-csv.js';
import { getAccessReview, listAccessReviews, listReviewItems } from '../../server/reviews/review-queries.js';
import { inTransaction } from '../../server/service-context.js';
import { parseId, parseOptionalId } from '../../server/validation.js';
import { PageArgs, toConnection } from '../common/connection.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import { Person } from '../records/person.type.js';
import {
  AccessReview,
  AccessReviewConnection,
  AccessReviewDecisionEnum,
  AccessReviewItem,
  AccessReviewItemConnection,
  AccessReviewItemFilterInput,
  AccessReviewStatusEnum,
  AccessReviewTally,
  CreateAccessReviewInput,
} from './access-review.types.js';

/** The campaign again, as the reader sees it (its row, not the GraphQL shape). */
async function visibleReview(ctx: GraphQLContext, review: AccessReview) {
  const who = await reviewerIdentity(ctx.deps.db, ctx.actor);
  return { who, row: await getAccessReview(ctx.deps.db, who, review.id) };
}

@Resolver(() => AccessReview)
export class AccessReviewResolver {
  @Query(() => AccessReviewConnection, { description: 'Access review campaigns, newest first: all for admins, the ones a person reviews otherwise.' })
  async accessReviews(
    @Ctx() ctx: GraphQLContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('status', () => AccessReviewStatusEnum, { nullable: true }) status?: AccessReviewStatusEnum | null,
  ): Promise<AccessReviewConnection> {
    const who = await reviewerIdentity(ctx.deps.db, ctx.actor);
    return toConnection(await listAccessReviews(ctx.deps.db, who, { status }, page), AccessReview.from);
  }

  @Query(() => AccessReview, { description: 'A campaign by id: NOT_FOUND for one the reader does not review (or another tenant’s).' })
  async accessReview(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<AccessReview> {
    const who = await reviewerIdentity(ctx.deps.db, ctx.actor);
    return AccessReview.from(await getAccessReview(ctx.deps.db, who, parseId('id', id)));
  }

  @FieldResolver(() => AccessReviewItemConnection, { description: 'Its items: all for admins, the ones assigned to the reader otherwise.' })
  async items(
    @Ctx() ctx: GraphQLContext,
    @Root() review: AccessReview,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => AccessReviewItemFilterInput, { nullable: true }) filter?: AccessReviewItemFilterInput | null,
  ): Promise<AccessReviewItemConnection> {
    const { who, row } = await visibleReview(ctx, review);
    const parsed = { isUndecided: filter?.isUndecided, assignedReviewerId: parseOptionalId('filter.assignedReviewerId', filter?.assignedReviewerId) };
    return toConnection(await listReviewItems(ctx.deps.db, who, row, parsed, page), AccessReviewItem.from);
  }

  @FieldResolver(() => AccessReviewTally)
  async tally(@Ctx() ctx: GraphQLContext, @Root() review: AccessReview): Promise<AccessReviewTally> {
    const { row } = await visibleReview(ctx, review);
    return reviewTally(ctx.deps.db, row.tenantId, row.id);
  }

  @FieldResolver(() => Date, { nullable: true, description: 'When the schedule starts the next campaign of this series; null for a one-off.' })
  nextRunAt(@Root() review: AccessReview): Date | null {
    return nextRunOf(review);
  }

  @FieldResolver(() => String, {
    description:
      'The result as CSV (RFC 4180): every item with its decision, reason and reviewer. Admins only. Each item_id proves its decision with logInclusionProof(recordId).',
  })
  async resultCsv(@Ctx() ctx: GraphQLContext, @Root() review: AccessReview): Promise<string> {
    requireAdmin(ctx.actor);
    const { who, row } = await visibleReview(ctx, review);
    return reviewCsv(ctx.deps.db, who, row);
  }

  @Mutation(() => AccessReview, { description: 'Starts a campaign over the grants in force now (optionally recurring). Admins only.' })
  async createAccessReview(@Ctx() ctx: GraphQLContext, @Arg('input', () => CreateAccessReviewInput) input: CreateAccessReviewInput): Promise<AccessReview> {
    requireAdmin(ctx.actor);
    const { description, reviewerIds, reviewerGroups, ...rest } = input;
    const given = { ...rest, description: description ?? undefined, reviewerIds: reviewerIds ?? undefined, reviewerGroups: reviewerGroups ?? undefined };
    return AccessReview.from(await inTransaction(serviceContext(ctx), (tx) => createAccessReview(tx, given)));
  }

  @Mutation(() => AccessReviewItem, {
    description:
      'Keeps or revokes one grant (a reason is required for REVOKE); a revoke takes effect at once. The item’s assigned reviewer or an admin, never the grant’s holder.',
  })
  async decideAccessReviewItem(
    @Ctx() ctx: GraphQLContext,
    @Arg('itemId', () => ID) itemId: string,
    @Arg('decision', () => AccessReviewDecisionEnum) decision: AccessReviewDecisionEnum,
    @Arg('reason', () => String, { nullable: true }) reason?: string | null,
  ): Promise<AccessReviewItem> {
    const id = parseId('itemId', itemId);
    return AccessReviewItem.from(await inTransaction(serviceContext(ctx), (tx) => decideAccessReviewItem(tx, id, decision, reason)));
  }

  @Mutation(() => AccessReview, { description: 'Signs a campaign off once every item is decided (CONFLICT otherwise). Admins only.' })
  async completeAccessReview(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<AccessReview> {
    requireAdmin(ctx.actor);
    return AccessReview.from(await inTransaction(serviceContext(ctx), (tx) => completeAccessReview(tx, parseId('id', id))));
  }

  @Mutation(() => AccessReview, { description: 'Cancels an open campaign; a recurring series stops with it. Admins only.' })
  async cancelAccessReview(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('reason', () => String, { nullable: true }) reason?: string | null,
  ): Promise<AccessReview> {
    requireAdmin(ctx.actor);
    return AccessReview.from(await inTransaction(serviceContext(ctx), (tx) => cancelAccessReview(tx, parseId('id', id), reason)));
  }
}

@Resolver(() => AccessReviewItem)
export class AccessReviewItemResolver {
  @FieldResolver(() => Person, { nullable: true })
  async subject(@Ctx() ctx: GraphQLContext, @Root() item: AccessReviewItem): Promise<Person | null> {
    return personOf(ctx, item.subjectUserId);
  }

  @FieldResolver(() => Person, { nullable: true })
  async assignedReviewer(@Ctx() ctx: GraphQLContext, @Root() item: AccessReviewItem): Promise<Person | null> {
    return personOf(ctx, item.assignedReviewerId);
  }

  @FieldResolver(() => Person, { nullable: true })
  async decidedBy(@Ctx() ctx: GraphQLContext, @Root() item: AccessReviewItem): Promise<Person | null> {
    return personOf(ctx, item.decidedById);
  }
}

async function personOf(ctx: GraphQLContext, id: string | null): Promise<Person | null> {
  if (!id) return null;
  const record = await ctx.loaders.personById.load(id);
  return record ? Person.from(record) : null;
}
