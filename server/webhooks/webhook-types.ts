/**
 * Webhook subscriptions and deliveries as everything above the queries sees them. Written out
 * rather than inferred from the tables, so a column renamed or retyped fails to compile where a
 * service hands its rows out. A subscription's sealed secret is only ever asked whether it is set.
 */
import type { DeliveryStatus } from '../db/tables/index.js';

export interface WebhookSubscriptionRecord {
  readonly id: string;
  readonly name: string;
  readonly url: string;
  /** Sealed; the API says only whether there is one. */
  readonly sealedSecret: string | null;
  /** Names of the extra headers (their values stay sealed). */
  readonly headerNames: readonly string[];
  readonly eventTypes: readonly string[];
  readonly isActive: boolean;
  /** Why Vigil turned it off (a receiver's 410 Gone), when it did. */
  readonly disabledReason: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface WebhookDeliveryRecord {
  readonly id: string;
  readonly subscriptionId: string;
  readonly eventType: string;
  /** The JSON body, as sent on every attempt. */
  readonly payload: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  /** The next attempt's time, or, while delivering, the end of the claiming worker's lease. */
  readonly nextAttemptAt: Date;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly lastResponseBody: string | null;
  readonly lastAttemptAt: Date | null;
  readonly succeededAt: Date | null;
  readonly createdAt: Date;
}
