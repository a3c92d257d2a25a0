import { index, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { eventTime, oneOf, sameTenantReference, tenantId, writtenAt } from './columns.js';
import { servers } from './servers.js';
import { SESSION_SOURCES, type SessionSource } from './terminal-sessions.js';
import { users } from './users.js';

/** The answer to an agent asking whether a person may open a session on its server now. */
export const SESSION_DECISIONS = ['allowed', 'denied', 'pending'] as const;
export type SessionDecision = (typeof SESSION_DECISIONS)[number];

/**
 * Why: no policy asks for an access session on this server; an access session in force allows it;
 * the policy asks for one and there is none (or only a request waiting); the person is unknown or
 * disabled.
 */
export const SESSION_CHECK_REASONS = ['not_required', 'access_session', 'no_access_session', 'request_pending', 'unknown_user', 'user_disabled'] as const;
export type SessionCheckReason = (typeof SESSION_CHECK_REASONS)[number];

/** Every session check an agent made: who wanted in, how, the answer, and what it rested on. */
export const sessionChecks = pgTable(
  'session_checks',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    serverId: uuid('server_id').notNull(),
    /** The Vigil user, when the agent's reference resolved to one. */
    userId: uuid('user_id'),
    /** The user as the agent named them (id or email). */
    userRef: text('user_ref').notNull(),
    source: text('source').$type<SessionSource>().notNull(),
    decision: text('decision').$type<SessionDecision>().notNull(),
    reason: text('reason').$type<SessionCheckReason>().notNull(),
    /** The access session that allows it. */
    accessSessionId: uuid('access_session_id'),
    /** The request waiting for a decision. */
    approvalId: uuid('approval_id'),
    /** The approval policy that asks for an access session on this server. */
    policyId: uuid('policy_id'),
    checkedAt: eventTime('checked_at').notNull(),
    createdAt: writtenAt(),
  },
  (table) => [
    primaryKey({ name: 'session_checks_pkey', columns: [table.tenantId, table.id] }),
    index('session_checks_tenant_time_idx').on(table.tenantId, table.checkedAt, table.id),
    index('session_checks_tenant_user_time_idx').on(table.tenantId, table.userId, table.checkedAt, table.id),
    index('session_checks_tenant_server_time_idx').on(table.tenantId, table.serverId, table.checkedAt, table.id),
    sameTenantReference('session_checks_server_fk', { tenantId: table.tenantId, column: table.serverId }, servers),
    sameTenantReference('session_checks_user_fk', { tenantId: table.tenantId, column: table.userId }, users),
    oneOf('session_checks_source_check', table.source, SESSION_SOURCES),
    oneOf('session_checks_decision_check', table.decision, SESSION_DECISIONS),
    oneOf('session_checks_reason_check', table.reason, SESSION_CHECK_REASONS),
  ],
);

export type SessionCheckRow = typeof sessionChecks.$inferSelect;
