import { index, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { eventTime, oneOf, sameTenantReference, SEVERITIES, tenantId, writtenAt } from './columns.js';
import { users } from './users.js';

export const NOTIFICATION_CATEGORIES = ['approval', 'alert', 'security', 'system', 'command'] as const;
export type NotificationCategory = (typeof NOTIFICATION_CATEGORIES)[number];

/** In-app notifications (the bell): to one person, or to the whole tenant when `user_id` is null. */
export const notifications = pgTable(
  'notifications',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    userId: uuid('user_id'),
    category: text('category', { enum: NOTIFICATION_CATEGORIES }).notNull(),
    severity: text('severity', { enum: SEVERITIES }).notNull().default('info'),
    title: text('title').notNull(),
    body: text('body').notNull().default(''),
    /** Where to look (a path in the web app or the API), when there is somewhere. */
    link: text('link'),
    resourceType: text('resource_type'),
    resourceId: text('resource_id'),
    createdAt: eventTime('created_at').notNull(),
    writtenAt: writtenAt('written_at'),
  },
  (table) => [
    primaryKey({ name: 'notifications_pkey', columns: [table.tenantId, table.id] }),
    index('notifications_tenant_user_time_idx').on(table.tenantId, table.userId, table.createdAt, table.id),
    index('notifications_tenant_time_idx').on(table.tenantId, table.createdAt, table.id),
    sameTenantReference('notifications_user_fk', { tenantId: table.tenantId, column: table.userId }, users),
    oneOf('notifications_category_check', table.category, NOTIFICATION_CATEGORIES),
    oneOf('notifications_severity_check', table.severity, SEVERITIES),
  ],
);

export type NotificationRow = typeof notifications.$inferSelect;

/** One person's read marks: a notification read one by one. */
export const notificationReads = pgTable(
  'notification_reads',
  {
    tenantId: tenantId(),
    userId: uuid('user_id').notNull(),
    notificationId: uuid('notification_id').notNull(),
    readAt: eventTime('read_at').notNull(),
  },
  (table) => [
    primaryKey({ name: 'notification_reads_pkey', columns: [table.tenantId, table.userId, table.notificationId] }),
    sameTenantReference('notification_reads_user_fk', { tenantId: table.tenantId, column: table.userId }, users),
    sameTenantReference('notification_reads_notification_fk', { tenantId: table.tenantId, column: table.notificationId }, notifications),
  ],
);
