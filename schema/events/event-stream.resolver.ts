/**
 * The event stream over GraphQL: a page after a cursor (query), or the events after a cursor and
 * then each new one (subscription). Both read through server/events/read-event-stream.ts, scoped by
 * server/auth/event-scope.ts.
 */
import { Arg, Ctx, Int, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { readEventStream, readTimeline } from '../../server/events/read-event-stream.js';
import { DEFAULT_PAGE_SIZE } from '../../server/pagination/keyset.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import { liveEventStream } from './live-event-stream.js';
import { EventStreamFilter, EventStreamPage, StreamEventView } from './stream-event.types.js';

type Data = SubscribeResolverData<unknown, { after?: string | null; filter?: EventStreamFilter | null }, GraphQLContext>;

@Resolver()
export class EventStreamResolver {
  @Query(() => EventStreamPage, {
    name: 'eventStream',
    description:
      'Everything your tenant’s log recorded after `after` (none: from the start), in log order, as you may see it: up to `first` events (default 50, as every list, at most 5,000 within VIGIL_GRAPHQL_MAX_COST) from at most 5,000 positions. Read on from endCursor.',
  })
  async eventStreamPage(
    @Ctx() ctx: GraphQLContext,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('filter', () => EventStreamFilter, { nullable: true }) filter?: EventStreamFilter | null,
  ): Promise<EventStreamPage> {
    // The operation limits count a list without `first` as DEFAULT_PAGE_SIZE: so does this one.
    const page = await readEventStream(serviceContext(ctx), ctx.deps.audit.log, { after, first: first ?? DEFAULT_PAGE_SIZE, filter: filter && { ...filter } });
    return EventStreamPage.from(page);
  }

  @Query(() => EventStreamPage, {
    description:
      'One chronological list of everything your tenant recorded, newest first, as you may see it, with the stream’s filters: up to `first` events (default 50, at most 5,000) from at most 5,000 positions, in the order they were recorded (each with the time it happened). Read on with `before: endCursor` while hasMore.',
  })
  async timeline(
    @Ctx() ctx: GraphQLContext,
    @Arg('before', () => String, { nullable: true, description: 'The endCursor of the page before (or an event’s cursor); none: the newest.' })
    before?: string | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('filter', () => EventStreamFilter, { nullable: true }) filter?: EventStreamFilter | null,
  ): Promise<EventStreamPage> {
    const page = await readTimeline(serviceContext(ctx), ctx.deps.audit.log, { before, first: first ?? DEFAULT_PAGE_SIZE, filter: filter && { ...filter } });
    return EventStreamPage.from(page);
  }

  @Subscription(() => StreamEventView, {
    name: 'eventStream',
    description:
      'The events after `after` (none: from the start), then each new one as it is recorded: resume from the last cursor received, and nothing is lost or repeated.',
    subscribe: ({ context, args }: Data) => liveEventStream(context, { after: args.after, filter: args.filter && { ...args.filter } }),
  })
  eventStreamLive(
    @Root() event: StreamEventView,
    @Arg('after', () => String, { nullable: true }) _after?: string | null,
    @Arg('filter', () => EventStreamFilter, { nullable: true }) _filter?: EventStreamFilter | null,
  ): StreamEventView {
    return event;
  }
}
