import { index, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { eventTime, oneOf, sameTenantReference, tenantId, writtenAt } from './columns.js';
import { servers } from './servers.js';
import { users } from './users.js';

/** What Vigil tells an agent to do: end a terminal session, drop a sudo grant now, or tell the session's user something (someone watches). */
export const DIRECTIVE_KINDS = ['terminate_session', 'expire_sudo', 'announce'] as const;
export type DirectiveKind = (typeof DIRECTIVE_KINDS)[number];

/** Why: the access session it ran under was revoked, ended or expired; its user was disabled; an admin ended it; a grant was revoked; someone watches the session live. */
export const DIRECTIVE_CAUSES = [
  'access_session.revoked',
  'access_session.ended',
  'access_session.expired',
  'user.disabled',
  'terminal_session.terminated',
  'sudo.revoked',
  'recording.watched',
] as const;
export type DirectiveCause = (typeof DIRECTIVE_CAUSES)[number];

/** How the agent carried it out: done; nothing to do (the session or grant was already gone); or it could not. */
export const DIRECTIVE_OUTCOMES = ['done', 'gone', 'failed'] as const;
export type DirectiveOutcome = (typeof DIRECTIVE_OUTCOMES)[number];

/**
 * Directives to servers' agents, written in the transaction of the change that calls for them (a
 * revocation, a user disabled, an admin ending a session), delivered over the agent's
 * subscription, and acknowledged by the agent: who asked, when, why, and when the agent says it
 * was done. A record kind of the verifiable log (each version a leaf).
 */
export const agentDirectives = pgTable(
  'agent_directives',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    serverId: uuid('server_id').notNull(),
    kind: text('kind').$type<DirectiveKind>().notNull(),
    cause: text('cause').$type<DirectiveCause>().notNull(),
    /** Said to the session's user where the agent can (a line on the terminal), and kept. */
    reason: text('reason'),
    // Plain ids, no foreign keys: retention removes sessions and grants on their own schedule, and
    // the directive's leaves keep what it named.
    terminalSessionId: uuid('terminal_session_id'),
    sudoAuthorizationId: uuid('sudo_authorization_id'),
    accessSessionId: uuid('access_session_id'),
    /** The person whose change called for it; null when Vigil did (an access session expired). */
    issuedById: uuid('issued_by_id'),
    issuedAt: writtenAt('issued_at'),
    acknowledgedAt: eventTime('acknowledged_at'),
    outcome: text('outcome').$type<DirectiveOutcome>(),
    /** The agent's words on a failure. */
    outcomeDetail: text('outcome_detail'),
  },
  (table) => [
    primaryKey({ name: 'agent_directives_pkey', columns: [table.tenantId, table.id] }),
    // An agent reads its server's directives after its cursor (the ids are time-ordered UUIDv7).
    index('agent_directives_tenant_server_idx').on(table.tenantId, table.serverId, table.id),
    index('agent_directives_tenant_session_idx').on(table.tenantId, table.terminalSessionId),
    sameTenantReference('agent_directives_server_fk', { tenantId: table.tenantId, column: table.serverId }, servers),
    sameTenantReference('agent_directives_issuer_fk', { tenantId: table.tenantId, column: table.issuedById }, users),
    oneOf('agent_directives_kind_check', table.kind, DIRECTIVE_KINDS),
    oneOf('agent_directives_cause_check', table.cause, DIRECTIVE_CAUSES),
    oneOf('agent_directives_outcome_check', table.outcome, DIRECTIVE_OUTCOMES),
  ],
);

export type AgentDirectiveRow = typeof agentDirectives.$inferSelect;
