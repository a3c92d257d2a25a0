/**
 * Everything a chat bot may touch besides the GraphQL schema (issue 27). What a person asks for or
 * decides in chat runs as GraphQL operations as that person (bot/shared/run-operation.ts), so the
 * API's scoping holds there. What is left is here, and only this:
 * - before a chat user is a Vigil caller: the proven workspace, who the chat user is in Vigil
 *   (linked, by a platform-verified email, by a one-time link code, or by single sign-on), proving a binding;
 * - Vigil's bookkeeping of what it posted: message copies, once-only notice claims, personal chats,
 *   the homes people opened (to republish them on a change);
 * - whom a notifier tells about a request, and the domain events that prompt a post;
 * - turning the names an `/audit` filter names (a server, a person) into ids.
 * The bots import no other value from server/ (.dependency-cruiser.cjs checks it).
 */
import { userActorOf, type Actor } from '../auth/actor.js';
import { loadRoleGrants } from '../roles/role-grants.js';
import { canSeeSomeRowsOf, type RecordKind } from '../auth/scope.js';
import type { Clock } from '../clock.js';
import type { Disposable } from '../disposable.js';
import type { Logger } from '../logger.js';
import { startPeriodicJob } from '../periodic-job.js';
import type { Database } from '../db/database.js';
import type { ChatProvider, ChatSubject, Severity } from '../db/tables/index.js';
import { findServerByRef } from '../identity/servers.js';
import { findUserByRef } from '../identity/users.js';
import { ALL_TENANTS, type EventBus } from '../realtime/event-bus.js';
import type { DomainEvent } from '../realtime/domain-events.js';
import type { OnCallDirectory } from '../oncall/on-call-directory.js';
import { emailsOfUsers, reviewerIdsOfApproval } from './approval-audience.js';
import { chatMessagesOf, claimNotice, claimUnannouncedApprovals, saveChatMessage } from './chat-messages.js';
import { chatIdentitiesOf, linkBySignIn, linkByVerifiedEmail, linkedUser, redeemLinkCode, saveConversation } from './identities.js';
import { proveWorkspaceBinding, type EntitlementCheck } from './workspace-proof.js';
import { findWorkspace, workspaceOfTenant } from './workspaces.js';
import { completeSlackInstall, endSlackInstall, installedBotToken, type SlackInstalled, type SlackOAuthApp } from './slack-install.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { claimStaleHomes, homeNotice, markHomesStale, recordHomeOpened, saveHomeNotice } from './home-views.js';

export type { ChatProvider, Severity, DomainEvent, SlackInstalled, SlackOAuthApp };
export { AppError } from '../errors.js';
export { ACCESS_SUDO_PATTERN } from '../approvals/command-patterns.js';
export { SEVERITY_COLOURS } from '../channels/send-to-channel.js';

/** A chat workspace (Slack team, Teams AAD tenant) whose binding to a tenant was proven. */
export interface ChatWorkspace {
  readonly tenantId: string;
  /** The Slack team id or the AAD tenant id. */
  readonly externalId: string;
  /** Where requests needing approval are posted; null for nowhere but the approvers' own chats. */
  readonly approverChannel: string | null;
}

/** A Vigil user's account in the chat platform. */
export interface ChatIdentity {
  readonly userId: string;
  readonly externalUserId: string;
  /** Where a personal message reaches them (Teams: the conversation reference); null when unknown. */
  readonly conversation: Record<string, unknown> | null;
}

/** One copy of a message Vigil posted about an approval or an alert. */
export interface PostedCopy {
  readonly conversation: string;
  readonly messageId: string;
  /** Teams: the conversation reference needed to update the card. */
  readonly reference: Record<string, unknown> | null;
}

export interface ChatBotServices {
  readonly provider: ChatProvider;
  /** The proven workspace of a platform's workspace id (from a signed request), if any. */
  workspaceOf(externalId: string | undefined): Promise<ChatWorkspace | undefined>;
  /** The tenant's proven workspace on this platform: the only one the bot posts to for it. */
  workspaceOfTenant(tenantId: string): Promise<ChatWorkspace | undefined>;
  /** The chat user as a Vigil caller: linked before, or now by an email the platform verified. */
  callerActor(tenantId: string, externalUserId: string, verifiedEmail: () => Promise<string | undefined>): Promise<Actor | undefined>;
  /** Links a chat user by an email the platform vouches for; undefined when no active user has it. */
  linkByVerifiedEmail(tenantId: string, externalUserId: string, email: string): Promise<boolean>;
  /**
   * Links a chat user by the email of a sign-in token the bot verified (Teams single sign-on): the
   * Vigil user's email and whether the link is new, or undefined when no active user has it.
   */
  linkBySignIn(tenantId: string, externalUserId: string, email: string): Promise<{ readonly email: string; readonly isNew: boolean } | undefined>;
  /** Redeems a one-time link code typed in chat: the Vigil user's email, or why not (AppError). */
  redeemLinkCode(tenantId: string, externalUserId: string, code: string): Promise<{ readonly email: string }>;
  /** Binds the workspace a signed request came from to the tenant whose code was posted there. */
  proveWorkspaceBinding(proof: { externalId: string; chatUserId: string; code: string }, isEntitled: EntitlementCheck): Promise<ChatWorkspace>;
  /** Remembers where a personal message reaches the chat user. */
  saveConversation(tenantId: string, externalUserId: string, reference: Record<string, unknown>): Promise<void>;
  identitiesOf(tenantId: string, userIds: readonly string[]): Promise<ChatIdentity[]>;
  /** Who may decide the approval; undefined when there is no such approval. */
  reviewerIdsOfApproval(tenantId: string, approvalId: string): Promise<string[] | undefined>;
  /** The emails of the tenant's users among `userIds` (to find them in the workspace). */
  emailsOfUsers(tenantId: string, userIds: readonly string[]): Promise<{ id: string; email: string }[]>;
  /** True for exactly one caller per key across every instance: the one that makes the post. */
  claimNotice(tenantId: string, key: string): Promise<boolean>;
  savePostedCopy(tenantId: string, subject: { type: ChatSubject; id: string }, copy: PostedCopy): Promise<void>;
  postedCopiesOf(tenantId: string, subject: { type: ChatSubject; id: string }): Promise<PostedCopy[]>;
  /** The chat user (linked) opened the bot's home: changes that concern them republish it from now on. */
  homeOpened(tenantId: string, externalUserId: string): Promise<void>;
  /** Marks stale the opened homes of these Vigil users; how many (none: nothing to republish). */
  markHomesStale(tenantId: string, userIds: readonly string[]): Promise<number>;
  /** Up to `limit` stale homes of the tenant, each to one caller across every instance, with the notice kept for it. */
  claimStaleHomes(tenantId: string, limit: number): Promise<{ externalUserId: string; notice: string | null }[]>;
  /** Keeps the answer to a click on the chat user's home, shown at its top until they open it again. */
  saveHomeNotice(tenantId: string, externalUserId: string, notice: string): Promise<boolean>;
  homeNotice(tenantId: string, externalUserId: string): Promise<string | null>;
  /** Every tenant's domain events (every instance hears every event); returns how to stop. */
  onDomainEvent(handler: (event: DomainEvent) => void): () => void;
  /**
   * Every sweep interval, hands `announce` each pending request no message of this bot shows a
   * minute after it was made, claimed for this instance (server/chat/chat-messages.ts).
   */
  sweepUnannouncedApprovals(announce: (tenantId: string, approvalId: string) => void, logger: Logger): Disposable;
  /** The id of a server named by id or name, and of a person by id or email. */
  serverIdOf(tenantId: string, ref: string): Promise<string | undefined>;
  userIdOf(tenantId: string, ref: string): Promise<string | undefined>;
  /** Whether the caller sees another person's records of a kind (the API's row rule, asked ahead to say why a list is empty). */
  canSeeRecordsOf(actor: Actor, kind: RecordKind, userId: string): boolean;
  /** Slack: the bot token of a workspace installed through OAuth (by its team id, or the tenant it is bound to); undefined for the instance's one token. */
  slackBotToken(workspace: { readonly teamId: string } | { readonly tenantId: string }): Promise<string | undefined>;
  /** Slack: completes an "Add to Slack" install when the browser comes back with Slack's code (BAD_USER_INPUT, CONFLICT as AppError). */
  completeSlackInstall(app: SlackOAuthApp, callback: { readonly state: string; readonly code: string }): Promise<SlackInstalled>;
  /** Slack: the app was uninstalled or its token revoked in a workspace: its binding ends. */
  endSlackInstall(teamId: string, reason: string): Promise<boolean>;
}

const workspaceView = (row: ChatWorkspace): ChatWorkspace => ({ tenantId: row.tenantId, externalId: row.externalId, approverChannel: row.approverChannel });

export function createChatBotServices(
  deps: {
    readonly db: Database;
    readonly clock: Clock;
    readonly bus: EventBus;
    readonly onCall?: OnCallDirectory;
    readonly secretBox: SecretBox;
    /** How often unannounced requests are looked for (VIGIL_WEBHOOK_POLL_MS, as the outboxes). */
    readonly sweepIntervalMs: number;
  },
  provider: ChatProvider,
): ChatBotServices {
  const { db, clock } = deps;
  // The bot writes as Vigil itself, on the tenant's behalf, and says which bot it was.
  const asBot = (tenantId: string) => ({ db, clock, actor: { type: 'system' as const, tenantId, name: `${provider}-bot` } });
  return {
    provider,
    async workspaceOf(externalId) {
      const row = externalId ? await findWorkspace(db, provider, externalId) : undefined;
      return row && workspaceView(row);
    },
    async workspaceOfTenant(tenantId) {
      const row = await workspaceOfTenant(db, tenantId, provider);
      return row && workspaceView(row);
    },
    async callerActor(tenantId, externalUserId, verifiedEmail) {
      let user = await linkedUser(db, tenantId, provider, externalUserId);
      if (!user) {
        const email = await verifiedEmail();
        if (email) user = await linkByVerifiedEmail(asBot(tenantId), provider, externalUserId, email);
      }
      return user ? userActorOf(user, {}, await loadRoleGrants(db, user, clock.now())) : undefined;
    },
    async linkByVerifiedEmail(tenantId, externalUserId, email) {
      return (await linkByVerifiedEmail(asBot(tenantId), provider, externalUserId, email)) !== undefined;
    },
    async linkBySignIn(tenantId, externalUserId, email) {
      const linked = await linkBySignIn(asBot(tenantId), provider, externalUserId, email);
      return linked && { email: linked.user.email, isNew: linked.isNew };
    },
    async redeemLinkCode(tenantId, externalUserId, code) {
      const user = await redeemLinkCode(asBot(tenantId), provider, externalUserId, code);
      return { email: user.email };
    },
    async proveWorkspaceBinding(proof, isEntitled) {
      return workspaceView(await proveWorkspaceBinding({ db, clock }, { provider, ...proof }, isEntitled));
    },
    saveConversation: (tenantId, externalUserId, reference) => saveConversation(asBot(tenantId), provider, externalUserId, reference),
    async identitiesOf(tenantId, userIds) {
      const rows = await chatIdentitiesOf(db, tenantId, provider, userIds);
      return rows.map((row) => ({ userId: row.userId, externalUserId: row.externalUserId, conversation: row.conversation }));
    },
    // The people on call for the request's schedules are asked afresh for each post.
    reviewerIdsOfApproval: (tenantId, approvalId) => reviewerIdsOfApproval(db, tenantId, approvalId, deps.onCall?.lookup()),
    emailsOfUsers: (tenantId, userIds) => emailsOfUsers(db, tenantId, userIds),
    claimNotice: (tenantId, key) => claimNotice(db, tenantId, provider, key),
    savePostedCopy: (tenantId, subject, copy) =>
      saveChatMessage(db, {
        tenantId,
        provider,
        subjectType: subject.type,
        subjectId: subject.id,
        conversation: copy.conversation,
        messageId: copy.messageId,
        reference: copy.reference,
      }),
    async postedCopiesOf(tenantId, subject) {
      const rows = await chatMessagesOf(db, tenantId, provider, subject.type, subject.id);
      return rows.map((row) => ({ conversation: row.conversation, messageId: row.messageId, reference: row.reference }));
    },
    homeOpened: (tenantId, externalUserId) => recordHomeOpened(db, clock, { tenantId, provider, externalUserId }),
    markHomesStale: (tenantId, userIds) => markHomesStale(db, clock, tenantId, provider, userIds),
    claimStaleHomes: (tenantId, limit) => claimStaleHomes(db, tenantId, provider, limit),
    saveHomeNotice: (tenantId, externalUserId, notice) => saveHomeNotice(db, { tenantId, provider, externalUserId }, notice),
    homeNotice: (tenantId, externalUserId) => homeNotice(db, { tenantId, provider, externalUserId }),
    onDomainEvent: (handler) => deps.bus.subscribe(ALL_TENANTS, handler),
    sweepUnannouncedApprovals: (announce, logger) =>
      startPeriodicJob({
        name: `${provider} approval announcement sweep`,
        intervalMs: deps.sweepIntervalMs,
        logger,
        work: async () => {
          for (const { tenantId, approvalId } of await claimUnannouncedApprovals(db, provider, clock.now())) announce(tenantId, approvalId);
        },
      }),
    serverIdOf: async (tenantId, ref) => (await findServerByRef(db, tenantId, ref))?.id,
    userIdOf: async (tenantId, ref) => (await findUserByRef(db, tenantId, ref))?.id,
    canSeeRecordsOf: (actor, kind, userId) => canSeeSomeRowsOf(actor, kind, userId),
    async slackBotToken(workspace) {
      if ('teamId' in workspace) return installedBotToken(deps, workspace.teamId);
      const row = await workspaceOfTenant(db, workspace.tenantId, 'slack');
      return row ? installedBotToken(deps, row.externalId) : undefined;
    },
    completeSlackInstall: (app, callback) => completeSlackInstall(deps, app, callback),
    endSlackInstall: (teamId, reason) => endSlackInstall(deps, teamId, reason),
  };
}
