import { isIP } from 'node:net';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Arg, Args, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { ActivityAction } from '../../server/activity/actions.js';
import { reportActivity } from '../../server/activity/report-activity.js';
import { recordScope, requireAdmin } from '../../server/auth/scope.js';
import { BadInput, NotFound } from '../../server/errors.js';
import { getActivityInScope, listActivity } from '../../server/records/queries/list-activity.js';
import { parseFilterIds, parseId } from '../../server/validation.js';
import { PageArgs, toConnection } from '../common/connection.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import { ActivityEntry, ActivityEntryConnection } from './activity-entry.type.js';
import { ActivityActionEnum } from './enums.js';
import { ActivityFilterInput } from './filters.js';
import { Person } from './person.type.js';
import { loadPerson } from './references.js';

@InputType({ description: 'An activity a platform reports: a sign-in, a failed sign-in, a logout, a password change, a setting.' })
export class ActivityReportInput {
  @Field(() => ActivityActionEnum)
  action!: ActivityAction;
  @Field(() => Int, { description: 'HTTP-like result: 200, 401, 403 …' })
  result!: number;
  @Field(() => String, { nullable: true, description: 'The user, as known or as typed (kept even when no user matches).' })
  userEmail?: string | null;
  @Field(() => String, { nullable: true })
  ipAddress?: string | null;
  @Field(() => String, { nullable: true })
  userAgent?: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Anything else: reason of a failure, method, setting name …' })
  details?: Record<string, unknown> | null;
  @Field(() => Date)
  occurredAt!: Date;
}

@Resolver(() => ActivityEntry)
export class ActivityResolver {
  @Query(() => ActivityEntryConnection, { description: 'The workspace activity log, newest first. Governance: admins only.' })
  async activityLog(
    @Ctx() ctx: GraphQLContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => ActivityFilterInput, { nullable: true }) filter?: ActivityFilterInput | null,
  ): Promise<ActivityEntryConnection> {
    const scope = recordScope(ctx.actor, 'activityLog');
    if (filter?.ipAddress && isIP(filter.ipAddress) === 0) throw new BadInput('filter.ipAddress', 'filter.ipAddress is not an IP address');
    return toConnection(await listActivity(ctx.reads.db(), scope, parseFilterIds(filter, ['userId']), page), ActivityEntry.from);
  }

  @Query(() => ActivityEntry)
  async activityEntry(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<ActivityEntry> {
    const row = await getActivityInScope(ctx.deps.db, recordScope(ctx.actor, 'activityLog'), parseId('id', id));
    if (!row) throw new NotFound('Activity entry', id);
    return ActivityEntry.from(row);
  }

  @Mutation(() => Int, { description: 'Records activities a platform saw (sign-ins, logouts, password changes). Admin tokens only; all or nothing.' })
  async reportActivity(@Ctx() ctx: GraphQLContext, @Arg('entries', () => [ActivityReportInput]) entries: ActivityReportInput[]): Promise<number> {
    requireAdmin(ctx.actor);
    return reportActivity(
      serviceContext(ctx),
      entries.map((entry) => ({ ...entry })),
    );
  }

  @FieldResolver(() => Person, { nullable: true })
  user(@Root() entry: ActivityEntry, @Ctx() ctx: GraphQLContext): Promise<Person | null> {
    return loadPerson(ctx, entry.record.userId);
  }
}
