/**
 * The async iterator behind every subscription field: deliveries of the subscriber's tenant go
 * through `select` (the subscriber's own filter and scope, applied in order), and what it keeps
 * waits in a bounded queue until graphql-ws takes it. A subscriber whose queue reaches the limit
 * is not keeping up: its connection is closed (CLOSE_SLOW_CONSUMER) rather than letting memory
 * grow or holding anyone else up.
 */
import { requireActor } from '../../server/auth/scope.js';
import type { GraphQLContext } from '../context.js';
import type { Loaders } from '../loaders.js';
import type { DomainEvent } from '../../server/realtime/domain-events.js';
import type { Delivery } from './subscription-hub.js';

export const CLOSE_SLOW_CONSUMER = 4290;

interface Queued<T> {
  readonly value: T;
  readonly loaders: Loaders;
}

/**
 * `wants` picks the event types this stream can use, before anything is queued for it: a
 * subscriber to commands does not queue (and is never cut off for) the tenant's audit events.
 */
export function eventStream<T>(
  ctx: GraphQLContext,
  wants: (event: DomainEvent) => boolean,
  select: (delivery: Delivery) => Promise<readonly T[]> | readonly T[],
): AsyncIterableIterator<T> {
  const actor = requireActor(ctx.actor);
  const realtime = ctx.deps.realtime;
  if (!realtime || !ctx.connection) throw new Error('Subscriptions are served over WebSocket only');
  const connection = ctx.connection;
  const queue: Queued<T>[] = [];
  let waiting: ((result: IteratorResult<T>) => void) | undefined;
  let chain: Promise<void> = Promise.resolve();
  let inFlight = 0;
  let isDone = false;

  // Nested fields of the payload resolve through the event's shared loaders.
  const hand = (item: Queued<T>): IteratorResult<T> => {
    (ctx as { loaders: Loaders }).loaders = item.loaders;
    return { value: item.value, done: false };
  };

  const finish = () => {
    if (isDone) return;
    isDone = true;
    unsubscribe();
    queue.length = 0;
    waiting?.({ value: undefined, done: true });
    waiting = undefined;
  };

  const unsubscribe = realtime.hub.subscribe(actor.tenantId, (delivery) => {
    if (isDone || !wants(delivery.event)) return;
    if (queue.length + inFlight >= realtime.queueLimit) {
      ctx.deps.logger.warn({ requestId: ctx.request.requestId, queued: queue.length, limit: realtime.queueLimit }, 'slow subscriber disconnected');
      connection.close(CLOSE_SLOW_CONSUMER, `Subscriber too slow: more than ${realtime.queueLimit} events waiting`);
      finish();
      return;
    }
    inFlight += 1;
    chain = chain
      .then(async () => {
        await ctx.whenCurrent?.();
        const selected = isDone ? [] : await select(delivery);
        for (const value of selected) {
          const item = { value, loaders: delivery.loaders };
          if (waiting) {
            const resolve = waiting;
            waiting = undefined;
            resolve(hand(item));
          } else if (!isDone) queue.push(item);
        }
      })
      .catch((error: unknown) => ctx.deps.logger.warn({ err: error, eventType: delivery.event.type }, 'subscription event skipped'))
      .finally(() => {
        inFlight -= 1;
      });
  });

  return {
    next(): Promise<IteratorResult<T>> {
      const item = queue.shift();
      if (item) return Promise.resolve(hand(item));
      if (isDone) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => {
        waiting = resolve;
      });
    },
    return(): Promise<IteratorResult<T>> {
      finish();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
