import { sql } from 'drizzle-orm';
import { check, foreignKey, index, pgTable, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { servers } from './servers.js';
import { tenants } from './tenants.js';
import { users } from './users.js';

/**
 * API tokens. The secret is shown once at creation; only its SHA-256 is stored. A user token acts
 * as its user; an agent token acts as the agent of exactly one server; a stream token (since
 * migration 0016) acts as its user but may only read the event stream (server/auth/scope.ts).
 */
export const apiTokens = pgTable(
  'api_tokens',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    id: uuid('id').notNull(),
    kind: text('kind', { enum: ['user', 'agent', 'stream'] }).notNull(),
    name: text('name').notNull(),
    /** Hex SHA-256 of the whole token string. */
    tokenHash: text('token_hash').notNull(),
    /** The token's last characters, so people can tell their tokens apart. */
    hint: text('hint').notNull(),
    userId: uuid('user_id'),
    serverId: uuid('server_id'),
    createdById: uuid('created_by_id'),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 6 }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, precision: 6 }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, precision: 6 }),
    revokedById: uuid('revoked_by_id'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 6 }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ name: 'api_tokens_pkey', columns: [table.tenantId, table.id] }),
    unique('api_tokens_tenant_hash_unique').on(table.tenantId, table.tokenHash),
    index('api_tokens_tenant_user_idx').on(table.tenantId, table.userId),
    index('api_tokens_tenant_server_idx').on(table.tenantId, table.serverId),
    foreignKey({
      name: 'api_tokens_user_fk',
      columns: [table.tenantId, table.userId],
      foreignColumns: [users.tenantId, users.id],
    }).onDelete('cascade'),
    foreignKey({
      name: 'api_tokens_server_fk',
      columns: [table.tenantId, table.serverId],
      foreignColumns: [servers.tenantId, servers.id],
    }).onDelete('cascade'),
    check(
      'api_tokens_binding_check',
      sql`(${table.kind} in ('user', 'stream') and ${table.userId} is not null and ${table.serverId} is null)
        or (${table.kind} = 'agent' and ${table.serverId} is not null and ${table.userId} is null)`,
    ),
  ],
);

export type ApiTokenRow = typeof apiTokens.$inferSelect;
