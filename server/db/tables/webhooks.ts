import { sql } from 'drizzle-orm';
import { boolean, foreignKey, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { eventTime, oneOf, tenantId, writtenAt } from './columns.js';

/** Webhook subscriptions: where events of chosen types are POSTed. */
export const webhookSubscriptions = pgTable(
  'webhook_subscriptions',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    name: text('name').notNull(),
    url: text('url').notNull(),
    /** Sealed with the secret box (server/secrets/secret-box.ts); never returned by the API. */
    sealedSecret: text('sealed_secret'),
    /** Extra headers sent with every delivery (values sealed: they often carry credentials). */
    sealedHeaders: text('sealed_headers'),
    headerNames: text('header_names')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    eventTypes: text('event_types').array().notNull(),
    isActive: boolean('is_active').notNull().default(true),
    /** Why Vigil turned it off (a receiver's 410 Gone), when it did. */
    disabledReason: text('disabled_reason'),
    createdAt: writtenAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 6 }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ name: 'webhook_subscriptions_pkey', columns: [table.tenantId, table.id] }),
    uniqueIndex('webhook_subscriptions_tenant_name_unique').on(table.tenantId, sql`lower(${table.name})`),
  ],
);

export type WebhookSubscriptionRow = typeof webhookSubscriptions.$inferSelect;

export const DELIVERY_STATUSES = ['pending', 'delivering', 'succeeded', 'retrying', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * The outbox: one row per event per subscription, written in the transaction of the event, and
 * sent by workers that claim due rows with SKIP LOCKED.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    subscriptionId: uuid('subscription_id').notNull(),
    eventType: text('event_type').notNull(),
    /** The JSON body, as sent on every attempt (so a signature or receiver check is stable). */
    payload: text('payload').notNull(),
    status: text('status', { enum: DELIVERY_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /**
     * When a worker may take it: the next attempt's time, or, while delivering, the end of the
     * claiming worker's lease (a crashed worker's claim lapses and the delivery is taken again).
     */
    nextAttemptAt: eventTime('next_attempt_at').notNull(),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    lastResponseBody: text('last_response_body'),
    lastAttemptAt: eventTime('last_attempt_at'),
    succeededAt: eventTime('succeeded_at'),
    createdAt: eventTime('created_at').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>(),
    /** Vigil's tag over what the row says to send (server/outbound/delivery-tags.ts): a row without a valid one is refused. */
    mac: text('mac'),
  },
  (table) => [
    primaryKey({ name: 'webhook_deliveries_pkey', columns: [table.tenantId, table.id] }),
    foreignKey({
      name: 'webhook_deliveries_subscription_fk',
      columns: [table.tenantId, table.subscriptionId],
      foreignColumns: [webhookSubscriptions.tenantId, webhookSubscriptions.id],
    }).onDelete('cascade'),
    index('webhook_deliveries_tenant_subscription_time_idx').on(table.tenantId, table.subscriptionId, table.createdAt, table.id),
    index('webhook_deliveries_tenant_due_idx')
      .on(table.tenantId, table.nextAttemptAt)
      .where(sql`${table.status} in ('pending', 'retrying', 'delivering')`),
    index('webhook_deliveries_tenant_succeeded_idx')
      .on(table.tenantId, table.succeededAt)
      .where(sql`${table.status} = 'succeeded'`),
    oneOf('webhook_deliveries_status_check', table.status, DELIVERY_STATUSES),
  ],
);

export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
