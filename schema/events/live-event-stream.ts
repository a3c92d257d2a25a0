/**
 * The `eventStream` subscription's iterator: the events after the subscriber's cursor, then each
 * new one as the log grows (server/events/follow-event-stream.ts reads by cursor, so nothing is
 * lost or repeated across the switch from replay to live). Pages are read only as graphql-ws
 * takes events (it waits for each send to be written), so what waits in memory is one page, of at
 * most VIGIL_SUBSCRIPTION_QUEUE events, and the log itself is the backlog. A subscriber that has
 * not taken its next event for longer than VIGIL_SUBSCRIPTION_LAG_SECONDS while the log grows (its
 * socket is not being read) is cut off (4290) as other subscriptions are; it resumes from the last
 * cursor it received. One that keeps taking events, however far behind, is never cut off: it
 * costs a page of memory, not more.
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
  /** Whether graphql-ws is waiting for an event (in next()), rather than still sending the last one. */
  let isTaking = false;
  /** When the subscriber last took an event (performance.now()): its next one has waited since. */
  let tookAt = performance.now();
  const stop = new AbortController();

  /** On the log growing: is the event this subscriber has to take next waiting longer than allowed? */
  const cutOffIfLagging = () => {
    if (isTaking || stop.signal.aborted || performance.now() - tookAt <= realtime.lagLimitMs) return;
    ctx.deps.logger.warn({ requestId: ctx.request.requestId, queued: waiting.length, why: 'event stream' }, 'slow subscriber disconnected');
    connection.close(CLOSE_SLOW_CONSUMER, `Subscriber too slow: an event has waited more than ${realtime.lagLimitMs / 1000} s`);
    // Not waiting for graphql-ws, whose send to the stalled socket ends only when the socket does.
    void finish();
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

  /** Ends the stream and its follower (which unsubscribes from the log's wake-ups): once, however it ends. */
  const finish = async (): Promise<IteratorResult<StreamEventView>> => {
    stop.abort();
    waiting = [];
    await pages.return(undefined);
    return { value: undefined, done: true };
  };

  const iterator: AsyncIterableIterator<StreamEventView> = {
    async next(): Promise<IteratorResult<StreamEventView>> {
      isTaking = true;
      try {
        // Once cut off, graphql-ws may still ask (its sends to a closing socket return at once): nothing more.
        while (waiting.length === 0 || stop.signal.aborted) {
          if (stop.signal.aborted) return await finish();
          const page = await pages.next();
          if (page.done) return await finish();
          waiting = page.value.nodes;
        }
        return { value: StreamEventView.from(waiting.shift()!), done: false };
      } finally {
        isTaking = false;
        tookAt = performance.now();
      }
    },
    return: finish,
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
