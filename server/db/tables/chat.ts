import { sql } from 'drizzle-orm';
import { bigint, foreignKey, index, integer, jsonb, pgTable, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { eventTime, oneOf, sameTenantReference, tenantId, writtenAt } from './columns.js';
import { users } from './users.js';

export const CHAT_PROVIDERS = ['slack', 'teams'] as const;
export type ChatProvider = (typeof CHAT_PROVIDERS)[number];

/**
 * The chat workspace bound to a tenant: a Slack team id or a Teams (AAD) tenant id. Requests from
 * any workspace not bound here are refused, and so are those of a binding not proven from inside
 * the workspace (`verified_at` null: bindings made before proof was required). A small routing
 * table, read by external id before the tenant is known (on Citus, a reference table).
 */
export const chatWorkspaces = pgTable(
  'chat_workspaces',
  {
    tenantId: tenantId(),
    provider: text('provider', { enum: CHAT_PROVIDERS }).notNull(),
    externalId: text('external_id').notNull(),
    /** Where requests needing approval are posted (a Slack channel id, a Teams conversation id). */
    approverChannel: text('approver_channel'),
    /** Teams: the conversation reference of the approver channel, for proactive messages. */
    approverReference: jsonb('approver_reference').$type<Record<string, unknown>>(),
    /** When an admin of the workspace proved the binding (posted its bind code through the bot). */
    verifiedAt: eventTime('verified_at'),
    /** The chat user (Slack user id, Teams AAD object id) who proved it. */
    verifiedBy: text('verified_by'),
    /**
     * Slack, installed through OAuth ("Add to Slack"): the workspace's own bot token, sealed with
     * the secret box. Null where the instance's one SLACK_BOT_TOKEN serves (a code-proven binding).
     */
    botTokenSealed: text('bot_token_sealed'),
    /** Slack: the bot user the OAuth install made in the workspace. */
    botUserId: text('bot_user_id'),
    createdAt: writtenAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 6 }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ name: 'chat_workspaces_pkey', columns: [table.tenantId, table.provider] }),
    unique('chat_workspaces_external_unique').on(table.provider, table.externalId),
    oneOf('chat_workspaces_provider_check', table.provider, CHAT_PROVIDERS),
  ],
);

/**
 * A binding a tenant admin asked for and the workspace has not proven yet: it takes effect only when
 * someone entitled inside the workspace posts the one-time code (`/audit bind CODE`), so no tenant
 * can claim a workspace it does not control. Only the code's hash is kept. Global like the
 * bindings: the bot finds a claim by its code before it knows the tenant.
 */
export const chatWorkspaceClaims = pgTable(
  'chat_workspace_claims',
  {
    tenantId: tenantId(),
    provider: text('provider', { enum: CHAT_PROVIDERS }).notNull(),
    externalId: text('external_id').notNull(),
    approverChannel: text('approver_channel'),
    codeHash: text('code_hash').notNull(),
    expiresAt: eventTime('expires_at').notNull(),
    /** Who asked, as the audit log names actors (no foreign key: a reference table cannot point into a distributed one). */
    requestedBy: text('requested_by').notNull(),
    createdAt: writtenAt(),
  },
  (table) => [
    primaryKey({ name: 'chat_workspace_claims_pkey', columns: [table.tenantId, table.provider] }),
    unique('chat_workspace_claims_code_unique').on(table.codeHash),
    oneOf('chat_workspace_claims_provider_check', table.provider, CHAT_PROVIDERS),
  ],
);

/**
 * An "Add to Slack" install a tenant admin started: its OAuth `state` (hashed), found when Slack
 * sends the installing browser back, before the tenant is known (on Citus, a reference table).
 * One per tenant and provider: starting again replaces it. Used once.
 */
export const chatWorkspaceInstalls = pgTable(
  'chat_workspace_installs',
  {
    tenantId: tenantId(),
    provider: text('provider', { enum: CHAT_PROVIDERS }).notNull(),
    stateHash: text('state_hash').notNull(),
    approverChannel: text('approver_channel'),
    expiresAt: eventTime('expires_at').notNull(),
    /** Who started it, as the audit log names actors. */
    requestedBy: text('requested_by').notNull(),
    createdAt: writtenAt(),
  },
  (table) => [
    primaryKey({ name: 'chat_workspace_installs_pkey', columns: [table.tenantId, table.provider] }),
    unique('chat_workspace_installs_state_unique').on(table.stateHash),
    oneOf('chat_workspace_installs_provider_check', table.provider, CHAT_PROVIDERS),
  ],
);
export type ChatWorkspaceInstallRow = typeof chatWorkspaceInstalls.$inferSelect;

export const CHAT_LINK_METHODS = ['email', 'code', 'sso'] as const;
export type ChatLinkMethod = (typeof CHAT_LINK_METHODS)[number];

/** A chat user known as a Vigil user of the tenant: by verified email, linked with a one-time code, or by single sign-on (sso). */
export const chatIdentities = pgTable(
  'chat_identities',
  {
    tenantId: tenantId(),
    provider: text('provider', { enum: CHAT_PROVIDERS }).notNull(),
    externalUserId: text('external_user_id').notNull(),
    userId: uuid('user_id').notNull(),
    linkedVia: text('linked_via', { enum: CHAT_LINK_METHODS }).notNull(),
    /** Where a direct message reaches them (Slack: the user id; Teams: the conversation reference). */
    conversation: jsonb('conversation').$type<Record<string, unknown>>(),
    createdAt: writtenAt(),
  },
  (table) => [
    primaryKey({ name: 'chat_identities_pkey', columns: [table.tenantId, table.provider, table.externalUserId] }),
    index('chat_identities_tenant_user_idx').on(table.tenantId, table.userId, table.provider),
    sameTenantReference('chat_identities_user_fk', { tenantId: table.tenantId, column: table.userId }, users),
    oneOf('chat_identities_provider_check', table.provider, CHAT_PROVIDERS),
    oneOf('chat_identities_linked_via_check', table.linkedVia, CHAT_LINK_METHODS),
  ],
);

/** One-time codes a signed-in user makes (through the API) to link a chat account: only their hash is kept. */
export const chatLinkCodes = pgTable(
  'chat_link_codes',
  {
    tenantId: tenantId(),
    /** Names the code in the verifiable log, which must not show its hash (server/log/leaf-kinds.ts). */
    id: uuid('id').notNull().defaultRandom(),
    codeHash: text('code_hash').notNull(),
    userId: uuid('user_id').notNull(),
    expiresAt: eventTime('expires_at').notNull(),
    usedAt: eventTime('used_at'),
    createdAt: writtenAt(),
  },
  (table) => [
    primaryKey({ name: 'chat_link_codes_pkey', columns: [table.tenantId, table.codeHash] }),
    sameTenantReference('chat_link_codes_user_fk', { tenantId: table.tenantId, column: table.userId }, users),
  ],
);

export const CHAT_SUBJECTS = ['approval', 'alert'] as const;
export type ChatSubject = (typeof CHAT_SUBJECTS)[number];

/** Every message a bot posted about a request or an alert, so each copy can be updated in place. */
export const chatMessages = pgTable(
  'chat_messages',
  {
    tenantId: tenantId(),
    provider: text('provider', { enum: CHAT_PROVIDERS }).notNull(),
    subjectType: text('subject_type', { enum: CHAT_SUBJECTS }).notNull(),
    subjectId: uuid('subject_id').notNull(),
    /** The channel or conversation, and the message in it (Slack ts, Teams activity id). */
    conversation: text('conversation').notNull(),
    messageId: text('message_id').notNull(),
    /** Teams: the conversation reference needed to update the card. */
    reference: jsonb('reference').$type<Record<string, unknown>>(),
    createdAt: writtenAt(),
  },
  (table) => [
    primaryKey({ name: 'chat_messages_pkey', columns: [table.tenantId, table.provider, table.conversation, table.messageId] }),
    index('chat_messages_tenant_subject_idx').on(table.tenantId, table.subjectType, table.subjectId),
    oneOf('chat_messages_provider_check', table.provider, CHAT_PROVIDERS),
    oneOf('chat_messages_subject_check', table.subjectType, CHAT_SUBJECTS),
  ],
);

/**
 * Claims on chat work triggered by a domain event. Every instance hears every event; the one whose
 * insert of the event's key succeeds posts, so a request is announced once however many run.
 */
export const chatNotices = pgTable(
  'chat_notices',
  {
    tenantId: tenantId(),
    provider: text('provider', { enum: CHAT_PROVIDERS }).notNull(),
    key: text('key').notNull(),
    createdAt: writtenAt(),
  },
  (table) => [primaryKey({ name: 'chat_notices_pkey', columns: [table.tenantId, table.provider, table.key] })],
);

/**
 * Chat users who opened the bot's home (Slack's App Home tab): a change that concerns them
 * (a request to decide, one of theirs decided) republishes it. `staleSince` marks a home that a
 * change awaits (server/chat/home-views.ts claims it once across instances); `notice` is the
 * answer to the person's last click on it, shown at its top until they open it again.
 */
export const chatHomeViews = pgTable(
  'chat_home_views',
  {
    tenantId: tenantId(),
    provider: text('provider', { enum: CHAT_PROVIDERS }).notNull(),
    externalUserId: text('external_user_id').notNull(),
    openedAt: eventTime('opened_at').notNull(),
    staleSince: eventTime('stale_since'),
    notice: text('notice'),
    createdAt: writtenAt(),
  },
  (table) => [
    primaryKey({ name: 'chat_home_views_pkey', columns: [table.tenantId, table.provider, table.externalUserId] }),
    // A home is its chat identity's: gone with it.
    foreignKey({
      name: 'chat_home_views_identity_fk',
      columns: [table.tenantId, table.provider, table.externalUserId],
      foreignColumns: [chatIdentities.tenantId, chatIdentities.provider, chatIdentities.externalUserId],
    }).onDelete('cascade'),
    index('chat_home_views_stale_idx')
      .on(table.tenantId, table.provider)
      .where(sql`${table.staleSince} is not null`),
    oneOf('chat_home_views_provider_check', table.provider, CHAT_PROVIDERS),
  ],
);

/** A user's TOTP (RFC 6238) authenticator, for step-up approval in chat. */
export const userTotp = pgTable(
  'user_totp',
  {
    tenantId: tenantId(),
    userId: uuid('user_id').notNull(),
    /** The base32 secret, sealed with VIGIL_SECRET_KEY. */
    sealedSecret: text('sealed_secret').notNull(),
    /** Null until a first code confirmed the enrolment. */
    confirmedAt: eventTime('confirmed_at'),
    /** The last time step a code was accepted for: each code is good once. */
    lastUsedStep: bigint('last_used_step', { mode: 'number' }),
    /** Wrong codes since `failedSince`: past the limit, codes are refused until the window ends. */
    failedAttempts: integer('failed_attempts').notNull().default(0),
    failedSince: eventTime('failed_since'),
    createdAt: writtenAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 6 }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ name: 'user_totp_pkey', columns: [table.tenantId, table.userId] }),
    sameTenantReference('user_totp_user_fk', { tenantId: table.tenantId, column: table.userId }, users),
  ],
);

export type ChatWorkspaceRow = typeof chatWorkspaces.$inferSelect;
export type ChatWorkspaceClaimRow = typeof chatWorkspaceClaims.$inferSelect;
export type ChatIdentityRow = typeof chatIdentities.$inferSelect;
export type ChatMessageRow = typeof chatMessages.$inferSelect;
export type ChatHomeViewRow = typeof chatHomeViews.$inferSelect;
export type UserTotpRow = typeof userTotp.$inferSelect;
