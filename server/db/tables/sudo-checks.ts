import { boolean, index, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { eventTime, oneOf, sameTenantReference, tenantId, writtenAt } from './columns.js';
import { servers } from './servers.js';
import { users } from './users.js';

/** Why an agent's sudo check was answered the way it was. */
export const SUDO_CHECK_OUTCOMES = ['granted', 'expired', 'revoked', 'not_granted', 'unknown_user'] as const;
export type SudoCheckOutcome = (typeof SUDO_CHECK_OUTCOMES)[number];

/** Every sudo check an agent made: what it asked, the answer, and the grant behind a yes. */
export const sudoChecks = pgTable(
  'sudo_checks',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    serverId: uuid('server_id').notNull(),
    /** The Vigil user, when the agent's user reference resolved to one. */
    userId: uuid('user_id'),
    /** The user as the agent named them (id or email). */
    userRef: text('user_ref').notNull(),
    command: text('command').notNull(),
    isAllowed: boolean('is_allowed').notNull(),
    outcome: text('outcome', { enum: SUDO_CHECK_OUTCOMES }).notNull(),
    sudoAuthorizationId: uuid('sudo_authorization_id'),
    checkedAt: eventTime('checked_at').notNull(),
    createdAt: writtenAt(),
  },
  (table) => [
    primaryKey({ name: 'sudo_checks_pkey', columns: [table.tenantId, table.id] }),
    index('sudo_checks_tenant_time_idx').on(table.tenantId, table.checkedAt, table.id),
    index('sudo_checks_tenant_user_time_idx').on(table.tenantId, table.userId, table.checkedAt, table.id),
    index('sudo_checks_tenant_server_time_idx').on(table.tenantId, table.serverId, table.checkedAt, table.id),
    sameTenantReference('sudo_checks_server_fk', { tenantId: table.tenantId, column: table.serverId }, servers),
    sameTenantReference('sudo_checks_user_fk', { tenantId: table.tenantId, column: table.userId }, users),
    oneOf('sudo_checks_outcome_check', table.outcome, SUDO_CHECK_OUTCOMES),
  ],
);

export type SudoCheckRow = typeof sudoChecks.$inferSelect;
