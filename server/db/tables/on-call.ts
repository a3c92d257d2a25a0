import { sql } from 'drizzle-orm';
import { pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { oneOf, tenantId, writtenAt } from './columns.js';

/** The on-call services whose schedules a policy may name as approvers. */
export const ON_CALL_PROVIDERS = ['pagerduty', 'opsgenie'] as const;
export type OnCallProvider = (typeof ON_CALL_PROVIDERS)[number];

/**
 * A tenant's account at an on-call service (PagerDuty, Opsgenie): the API key Vigil asks it with,
 * sealed (VIGIL_SECRET_KEY) and never returned. The service's base URL is the deployment's
 * (PAGERDUTY_API_URL, OPSGENIE_API_URL), not the tenant's: a tenant cannot point Vigil elsewhere.
 */
export const onCallIntegrations = pgTable(
  'on_call_integrations',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    provider: text('provider', { enum: ON_CALL_PROVIDERS }).notNull(),
    name: text('name').notNull(),
    sealedApiKey: text('sealed_api_key').notNull(),
    createdAt: writtenAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 6 }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ name: 'on_call_integrations_pkey', columns: [table.tenantId, table.id] }),
    uniqueIndex('on_call_integrations_tenant_name_unique').on(table.tenantId, sql`lower(${table.name})`),
    oneOf('on_call_integrations_provider_check', table.provider, ON_CALL_PROVIDERS),
  ],
);

export type OnCallIntegrationRow = typeof onCallIntegrations.$inferSelect;
