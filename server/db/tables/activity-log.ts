import { sql } from 'drizzle-orm';
import { index, inet, integer, jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { eventTime, tenantId, writtenAt } from './columns.js';

/**
 * The workspace activity log (governance, admins only): sign-ins and their failures, logouts,
 * password changes, role and permission changes, tokens, servers, settings, resource access.
 * `result` is an HTTP-like status code, as the product documents show it.
 */
export const activityLog = pgTable(
  'activity_log',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    /** Null when the user is unknown (a failed sign-in with a bad token or email). */
    userId: uuid('user_id'),
    /** The email as known or as typed, kept even when no user matches. */
    userEmail: text('user_email'),
    action: text('action').notNull(),
    result: integer('result').notNull(),
    ipAddress: inet('ip_address'),
    userAgent: text('user_agent'),
    details: jsonb('details')
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    requestId: text('request_id'),
    occurredAt: eventTime('occurred_at').notNull(),
    createdAt: writtenAt(),
  },
  (table) => [
    primaryKey({ name: 'activity_log_pkey', columns: [table.tenantId, table.id] }),
    index('activity_log_tenant_time_idx').on(table.tenantId, table.occurredAt, table.id),
    index('activity_log_tenant_user_time_idx').on(table.tenantId, table.userId, table.occurredAt, table.id),
    index('activity_log_tenant_action_time_idx').on(table.tenantId, table.action, table.occurredAt, table.id),
  ],
);

export type ActivityRow = typeof activityLog.$inferSelect;
