/**
 * The `eventStream` subscription's iterator: the events after the subscriber's cursor, then each
 * new one as the log grows (server/events/follow-event-stream.ts reads by cursor, so nothing is
 * lost or repeated across the switch from replay to live). Pages are read only as graphql-ws
 * takes events (it waits for each send), so what waits in memory is one page, of at most
 * VIGIL_SUBSCRIPTION_QUEUE events; a subscriber that leaves an event of it waiting longer than
 * VIGIL_SUBSCRIPTION_LAG_SECONDS while the log grows is cut off (4290) as other subscriptions are,
 * and resumes from the last cursor it received.
 */
import { requireActor } from '../../server/auth/scope.js';
import { followEventStream } from '../../server/events/follow-event-stream.js';
import { DEFAULT_EVENT_PAGE, readEventStream, type EventStreamRead } from '../../server/events/read-event-stream.js';
import type { StreamEvent } from '../../server/events/stream-event.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import { CLOSE_SLOW_CONSUMER } from '../realtime/event-stream.js';
import { StreamEventView } from './stream-event.types.js';

export async function liveEventStream(ctx: GraphQLContext, read: Omit<EventStreamRead, 'first'>): Promise<AsyncIterableIterator<StreamEventView>> {
  const tenantId = requireActor(ctx.actor).tenantId;
  const realtime = ctx.deps.realtime;
  const connection = ctx.connection;
  if (!realtime || !connection) throw new Error('Subscriptions are served over WebSocket only');
  const log = ctx.deps.audit.log;
  const first = Math.max(1, Math.min(DEFAULT_EVENT_PAGE, realtime.queueLimit));
  // The first page is read now, so a refusal (an agent token, a bad cursor or filter) answers the subscribe.
  const opening = await readEventStream(serviceContext(ctx), log, { ...read, first });

  let waiting: StreamEvent[] = opening.nodes;
  /** When the events waiting were read (performance.now()). */
  let readAt = performance.now();
  const stop = new AbortController();

  const cutOffIfLagging = () => {
    const waited = performance.now() - readAt;
    if (waiting.length === 0 || waited <= realtime.lagLimitMs || stop.signal.aborted) return;
    ctx.deps.logger.warn({ requestId: ctx.request.requestId, queued: waiting.length, why: 'event stream' }, 'slow subscriber disconnected');
    connection.close(CLOSE_SLOW_CONSUMER, `Subscriber too slow: an event has waited more than ${realtime.lagLimitMs / 1000} s`);
    stop.abort();
  };

  const pages = followEventStream(() => serviceContext(ctx), log, {
    after: opening.endCursor,
    first,
    filter: read.filter,
    signal: stop.signal,
    beforeRead: ctx.whenCurrent,
    onLogAppended: (wake) =>
      realtime.hub.subscribe(tenantId, (delivery) => {
        if (delivery.event.type !== 'log.appended') return;
        cutOffIfLagging();
        wake();
      }),
  });

  const iterator: AsyncIterableIterator<StreamEventView> = {
    async next(): Promise<IteratorResult<StreamEventView>> {
      while (waiting.length === 0) {
        if (stop.signal.aborted) return { value: undefined, done: true };
        const page = await pages.next();
        if (page.done) return { value: undefined, done: true };
        waiting = page.value.nodes;
        readAt = performance.now();
      }
      return { value: StreamEventView.from(waiting.shift()!), done: false };
    },
    async return(): Promise<IteratorResult<StreamEventView>> {
      stop.abort();
      waiting = [];
      await pages.return(undefined);
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
