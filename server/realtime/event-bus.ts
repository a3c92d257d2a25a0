/**
 * This instance's end of the domain-event channel: one LISTEN (one connection, on PostgreSQL) per
 * instance, fanned out in process to the subscribers of the event's tenant. Every instance hears
 * every committed event once, whichever instance published it; on PGlite the same channel works
 * within the one process.
 */
import type { DatabaseHandle } from '../db/database.js';
import type { Disposable } from '../disposable.js';
import type { Logger } from '../logger.js';
import { DOMAIN_EVENTS_CHANNEL, parseDomainEvent, type DomainEvent } from './domain-events.js';
import { HandlersByTenant } from './handlers-by-tenant.js';

export type EventHandler = (event: DomainEvent) => void;

/** Subscribes to every tenant's events (connection bookkeeping, not delivery to people). */
export const ALL_TENANTS = '*';

export interface EventBus extends Disposable {
  /** Calls `handler` with each event of `tenantId` (or of every tenant); returns the unsubscribe. */
  subscribe(tenantId: string, handler: EventHandler): () => void;
  /** Subscribers right now, for /metrics and tests. */
  readonly subscriberCount: number;
}

export async function startEventBus(database: DatabaseHandle, logger: Logger): Promise<EventBus> {
  const handlers = new HandlersByTenant<EventHandler>();

  const dispatch = (tenantHandlers: EventHandler[], event: DomainEvent) => {
    for (const handler of tenantHandlers) {
      try {
        handler(event);
      } catch (error) {
        logger.warn({ err: error, eventType: event.type }, 'event handler failed');
      }
    }
  };

  const stop = await database.listen(DOMAIN_EVENTS_CHANNEL, (payload) => {
    const event = parseDomainEvent(payload);
    if (!event) {
      logger.warn({ bytes: payload.length }, 'unreadable domain event ignored');
      return;
    }
    dispatch(handlers.of(event.tenantId), event);
    dispatch(handlers.of(ALL_TENANTS), event);
  });

  return {
    subscribe(tenantId, handler) {
      return handlers.add(tenantId, handler);
    },
    get subscriberCount() {
      return handlers.size;
    },
    async dispose() {
      handlers.clear();
      await stop().catch(() => {});
    },
  };
}
