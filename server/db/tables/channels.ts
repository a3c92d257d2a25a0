import { sql } from 'drizzle-orm';
import { boolean, foreignKey, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { eventTime, oneOf, sameTenantReference, SEVERITIES, tenantId, writtenAt } from './columns.js';
import { CHAT_PROVIDERS } from './chat.js';
import { users } from './users.js';
import { DELIVERY_STATUSES } from './webhooks.js';

/** `slack` and `teams` post to incoming webhooks; `slack_bot` and `teams_bot` through Vigil's bots, with an Acknowledge button. */
export const CHANNEL_TYPES = ['smtp', 'webhook', 'slack', 'teams', 'slack_bot', 'teams_bot'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** Notification channels: where alerts are delivered outside Vigil (email, webhook, Slack, Teams). */
export const notificationChannels = pgTable(
  'notification_channels',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    name: text('name').notNull(),
    type: text('type', { enum: CHANNEL_TYPES }).notNull(),
    /** The settings shown through the API (host, port, from, to, URL, Slack channel …). */
    config: jsonb('config').$type<Record<string, unknown>>().notNull(),
    /** Passwords, secrets and header values, sealed; never returned. */
    sealedSecrets: text('sealed_secrets'),
    createdAt: writtenAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 6 }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ name: 'notification_channels_pkey', columns: [table.tenantId, table.id] }),
    uniqueIndex('notification_channels_tenant_name_unique').on(table.tenantId, sql`lower(${table.name})`),
    oneOf('notification_channels_type_check', table.type, CHANNEL_TYPES),
  ],
);

export type NotificationChannelRow = typeof notificationChannels.$inferSelect;

export const ALERT_CONDITIONS = ['failed_sign_ins', 'failed_commands', 'command_failed', 'sudo_granted', 'agent_offline', 'directive_overdue'] as const;
export type AlertCondition = (typeof ALERT_CONDITIONS)[number];

/**
 * Alert rules. Threshold rules (failed sign-ins per person, failed commands in the tenant) count
 * over a sliding window and resolve by themselves when the count falls back; event rules (a
 * command matching a pattern failed, sudo granted on labelled servers) fire once per event and
 * stay until someone resolves them; an agent offline fires once per server while it is offline
 * and resolves when its agent is back.
 */
export const alertRules = pgTable(
  'alert_rules',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    name: text('name').notNull(),
    condition: text('condition', { enum: ALERT_CONDITIONS }).notNull(),
    /** Condition settings: `commandPattern`, `serverLabels`. */
    parameters: jsonb('parameters')
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    threshold: integer('threshold').notNull().default(1),
    windowSeconds: integer('window_seconds').notNull().default(300),
    severity: text('severity', { enum: SEVERITIES }).notNull().default('medium'),
    channelIds: uuid('channel_ids')
      .array()
      .notNull()
      .default(sql`'{}'::uuid[]`),
    isEnabled: boolean('is_enabled').notNull().default(true),
    /** Event rules: records up to this time have been looked at… */
    evaluatedThrough: eventTime('evaluated_through'),
    /** …and none from before the rule existed ever will be. */
    watchesFrom: eventTime('watches_from').notNull(),
    createdAt: writtenAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 6 }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ name: 'alert_rules_pkey', columns: [table.tenantId, table.id] }),
    uniqueIndex('alert_rules_tenant_name_unique').on(table.tenantId, sql`lower(${table.name})`),
    oneOf('alert_rules_condition_check', table.condition, ALERT_CONDITIONS),
    oneOf('alert_rules_severity_check', table.severity, SEVERITIES),
  ],
);

export type AlertRuleRow = typeof alertRules.$inferSelect;

export const ALERT_STATES = ['fired', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/** A rule that fired, for one subject (a person, the tenant, a command), until resolved. */
export const alerts = pgTable(
  'alerts',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    ruleId: uuid('rule_id').notNull(),
    /** What fired: the person's email, `tenant`, a command or grant id. One open alert per subject. */
    subject: text('subject').notNull(),
    state: text('state', { enum: ALERT_STATES }).notNull(),
    severity: text('severity', { enum: SEVERITIES }).notNull(),
    title: text('title').notNull(),
    message: text('message').notNull(),
    details: jsonb('details')
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    firedAt: eventTime('fired_at').notNull(),
    acknowledgedAt: eventTime('acknowledged_at'),
    acknowledgedById: uuid('acknowledged_by_id'),
    resolvedAt: eventTime('resolved_at'),
    resolvedById: uuid('resolved_by_id'),
  },
  (table) => [
    primaryKey({ name: 'alerts_pkey', columns: [table.tenantId, table.id] }),
    foreignKey({ name: 'alerts_rule_fk', columns: [table.tenantId, table.ruleId], foreignColumns: [alertRules.tenantId, alertRules.id] }).onDelete('cascade'),
    uniqueIndex('alerts_one_open_per_subject')
      .on(table.tenantId, table.ruleId, table.subject)
      .where(sql`${table.state} <> 'resolved'`),
    index('alerts_tenant_time_idx').on(table.tenantId, table.firedAt, table.id),
    sameTenantReference('alerts_acknowledged_by_fk', { tenantId: table.tenantId, column: table.acknowledgedById }, users),
    sameTenantReference('alerts_resolved_by_fk', { tenantId: table.tenantId, column: table.resolvedById }, users),
    oneOf('alerts_state_check', table.state, ALERT_STATES),
    oneOf('alerts_severity_check', table.severity, SEVERITIES),
  ],
);

export type AlertRow = typeof alerts.$inferSelect;

/** The columns every outbox of messages shares (server/outbound/channel-outbox.ts sends them). */
const outboxColumns = () => ({
  status: text('status', { enum: DELIVERY_STATUSES }).notNull().default('pending'),
  attempts: integer('attempts').notNull().default(0),
  /** When a worker may take it: the next attempt's time, or, while delivering, the end of the claiming worker's lease. */
  nextAttemptAt: eventTime('next_attempt_at').notNull(),
  lastAttemptAt: eventTime('last_attempt_at'),
  lastError: text('last_error'),
  deliveredAt: eventTime('delivered_at'),
  createdAt: eventTime('created_at').notNull(),
  /** Vigil's tag over what the row says to send (server/outbound/delivery-tags.ts): a row without a valid one is refused. */
  mac: text('mac'),
});

/**
 * The outbox of fired alerts to their rule's channels: one row per alert and channel, written in
 * the transaction that fired the alert, sent by every instance's worker on the retry schedule of the
 * product documents (server/alerts/alert-deliveries.ts). Bookkeeping of sending, not a record: the
 * alert itself is in the log. No reference to the channel: a channel removed fails its deliveries.
 */
export const alertDeliveries = pgTable(
  'alert_deliveries',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    alertId: uuid('alert_id').notNull(),
    channelId: uuid('channel_id').notNull(),
    ...outboxColumns(),
  },
  (table) => [
    primaryKey({ name: 'alert_deliveries_pkey', columns: [table.tenantId, table.id] }),
    foreignKey({ name: 'alert_deliveries_alert_fk', columns: [table.tenantId, table.alertId], foreignColumns: [alerts.tenantId, alerts.id] }).onDelete(
      'cascade',
    ),
    uniqueIndex('alert_deliveries_alert_channel_unique').on(table.tenantId, table.alertId, table.channelId),
    index('alert_deliveries_tenant_due_idx')
      .on(table.tenantId, table.nextAttemptAt)
      .where(sql`${table.status} in ('pending', 'retrying', 'delivering')`),
    oneOf('alert_deliveries_status_check', table.status, DELIVERY_STATUSES),
  ],
);

export type AlertDeliveryRow = typeof alertDeliveries.$inferSelect;

/** Email, or a direct message from one of Vigil's chat bots. */
export const PERSON_MEDIA = ['email', ...CHAT_PROVIDERS] as const;
export type PersonMedium = (typeof PERSON_MEDIA)[number];

/**
 * The outbox of messages to one person outside Vigil (an access review's escalation or reminder):
 * one row per person and medium, written in the transaction that decided to tell them, with the
 * address chosen then (their email; their Slack user or saved Teams conversation), sent and retried
 * like alert deliveries (server/reviews/review-delivery.ts). Bookkeeping of sending, not a record:
 * what was decided is in the log, and the in-app notification goes with it.
 */
export const personDeliveries = pgTable(
  'person_deliveries',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    userId: uuid('user_id').notNull(),
    medium: text('medium', { enum: PERSON_MEDIA }).notNull(),
    address: text('address').notNull(),
    /** The message as every attempt sends it: subject, message, severity, source, link. */
    message: jsonb('message').$type<Record<string, unknown>>().notNull(),
    ...outboxColumns(),
  },
  (table) => [
    primaryKey({ name: 'person_deliveries_pkey', columns: [table.tenantId, table.id] }),
    foreignKey({ name: 'person_deliveries_user_fk', columns: [table.tenantId, table.userId], foreignColumns: [users.tenantId, users.id] }).onDelete('cascade'),
    index('person_deliveries_tenant_due_idx')
      .on(table.tenantId, table.nextAttemptAt)
      .where(sql`${table.status} in ('pending', 'retrying', 'delivering')`),
    index('person_deliveries_tenant_settled_idx')
      .on(table.tenantId, table.createdAt)
      .where(sql`${table.status} in ('succeeded', 'failed')`),
    oneOf('person_deliveries_medium_check', table.medium, PERSON_MEDIA),
    oneOf('person_deliveries_status_check', table.status, DELIVERY_STATUSES),
  ],
);

export type PersonDeliveryRow = typeof personDeliveries.$inferSelect;
