/**
 * The async iterator behind every subscription field: deliveries of the subscriber's tenant go
 * through `select` (the subscriber's own filter and scope, applied in order), and what it keeps
 * waits in a queue until graphql-ws takes it. A subscriber is not keeping up when an event has
 * waited for it longer than the lag limit: its connection is closed (CLOSE_SLOW_CONSUMER) rather
 * than letting memory grow or holding anyone else up. Lag is measured in time, not events, so a
 * burst that Vigil itself takes a moment to work through (a cold start, a large batch) cuts no one
 * off; the count limit only bounds memory.
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
  /** When its event reached this subscriber (performance.now()). */
  readonly arrivedAt: number;
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
  /** Arrival times of the events still being selected, oldest first (the chain takes them in order). */
  const inFlight: number[] = [];
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

  const cutOff = (why: string) => {
    ctx.deps.logger.warn({ requestId: ctx.request.requestId, queued: queue.length + inFlight.length, why }, 'slow subscriber disconnected');
    connection.close(CLOSE_SLOW_CONSUMER, `Subscriber too slow: ${why}`);
    finish();
  };

  const unsubscribe = realtime.hub.subscribe(actor.tenantId, (delivery) => {
    if (isDone || !wants(delivery.event)) return;
    const now = performance.now();
    const oldest = Math.min(queue[0]?.arrivedAt ?? now, inFlight[0] ?? now);
    if (now - oldest > realtime.lagLimitMs) return cutOff(`an event has waited more than ${realtime.lagLimitMs / 1000} s`);
    if (queue.length + inFlight.length >= realtime.queueLimit) return cutOff(`more than ${realtime.queueLimit} events waiting`);
    inFlight.push(now);
    chain = chain
      .then(async () => {
        await ctx.whenCurrent?.();
        const selected = isDone ? [] : await select(delivery);
        for (const value of selected) {
          const item = { value, loaders: delivery.loaders, arrivedAt: now };
          if (waiting) {
            const resolve = waiting;
            waiting = undefined;
            resolve(hand(item));
          } else if (!isDone) queue.push(item);
        }
      })
      .catch((error: unknown) => ctx.deps.logger.warn({ err: error, eventType: delivery.event.type }, 'subscription event skipped'))
      .finally(() => {
        inFlight.shift();
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
