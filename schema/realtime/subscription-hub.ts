/**
 * Delivers domain events to this instance's GraphQL subscriptions. Each event is wrapped once per
 * instance in a Delivery that subscribers share: rows are loaded once for all of them, and their
 * nested fields batch through one set of loaders, so fan-out to thousands costs a few statements,
 * not thousands. Each subscriber still applies its own scope to what it receives.
 */
import type { DomainEvent } from '../../server/realtime/domain-events.js';
import { ALL_TENANTS, type EventBus } from '../../server/realtime/event-bus.js';
import { HandlersByTenant } from '../../server/realtime/handlers-by-tenant.js';
import type { DatabaseHandle } from '../../server/service-context.js';
import { createLoaders, type Loaders } from '../loaders.js';

export interface Delivery {
  readonly event: DomainEvent;
  /** `load`, run once for this event on this instance, whoever asks. */
  once<T>(key: string, load: () => Promise<T>): Promise<T>;
  /** The tenant's loaders for this event, shared by every subscriber's execution of it. */
  readonly loaders: Loaders;
}

export type DeliveryHandler = (delivery: Delivery) => void;

export interface SubscriptionHub {
  subscribe(tenantId: string, handler: DeliveryHandler): () => void;
  /** Open subscriptions on this instance. */
  readonly subscriptionCount: number;
  dispose(): void;
}

export function createSubscriptionHub(bus: EventBus, db: DatabaseHandle): SubscriptionHub {
  const handlers = new HandlersByTenant<DeliveryHandler>();
  const stop = bus.subscribe(ALL_TENANTS, (event) => {
    const tenantHandlers = handlers.of(event.tenantId);
    if (tenantHandlers.length === 0) return;
    const results = new Map<string, Promise<unknown>>();
    let loaders: Loaders | undefined;
    const delivery: Delivery = {
      event,
      once<T>(key: string, load: () => Promise<T>): Promise<T> {
        let result = results.get(key) as Promise<T> | undefined;
        if (!result) results.set(key, (result = load()));
        return result;
      },
      get loaders() {
        loaders ??= createLoaders(db, { type: 'system', tenantId: event.tenantId, name: 'subscriptions' });
        return loaders;
      },
    };
    for (const handler of tenantHandlers) handler(delivery);
  });
  return {
    subscribe(tenantId, handler) {
      return handlers.add(tenantId, handler);
    },
    get subscriptionCount() {
      return handlers.size;
    },
    dispose() {
      stop();
      handlers.clear();
    },
  };
}
