import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import { eventStatistics } from '../../server/events/event-statistics.js';
import { BucketEnum } from '../audit/statistics.type.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import { EventStatistics } from './event-statistics.types.js';
import { EventStreamFilter } from './stream-event.types.js';

@Resolver()
export class EventStatisticsResolver {
  @Query(() => EventStatistics, {
    description:
      'Counts by category, type, severity, outcome, person and server, and a time series, of the events you may see whose time falls in the window (7 days by default), with the stream’s filters. An event reported more than a day after its window closed is not counted in it.',
  })
  async eventStatistics(
    @Ctx() ctx: GraphQLContext,
    @Arg('since', () => Date, { nullable: true }) since?: Date | null,
    @Arg('until', () => Date, { nullable: true }) until?: Date | null,
    @Arg('bucket', () => BucketEnum, { nullable: true }) bucket?: BucketEnum | null,
    @Arg('filter', () => EventStreamFilter, { nullable: true, description: 'Its since and until are the window’s own.' }) filter?: EventStreamFilter | null,
  ): Promise<EventStatistics> {
    const { since: _since, until: _until, ...rest } = filter ?? {};
    return eventStatistics(serviceContext(ctx), ctx.deps.audit.log, { since, until, bucket, filter: rest });
  }
}
