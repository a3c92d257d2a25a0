/**
 * Who is asking, from a Slack request: the workspace (team id) must be bound to a tenant, and the
 * Slack user must be a Vigil user of it, linked before or now by the email Slack has verified.
 *
 * And which language they read: slash commands and interactions carry no locale, only
 * `users.info` with `include_locale` does. Every users.info the bot makes asks for it, and the
 * answer is kept in memory per bot for an hour (a minute after a failure), so a person costs at
 * most one users.info an hour for it, and the answers of a busy hour none. Nothing is stored: a
 * locale is a client setting, and an instance that has not asked yet simply asks.
 */
import type { webApi } from '@slack/bolt';
import { LRUCache } from 'lru-cache';
import type { ChatBotServices, ChatWorkspace } from '../../server/chat/bot-services.js';
import type { Logger } from '../../server/logger.js';
import { DEFAULT_LOCALE, resolveLocale, say, type Locale } from '../shared/messages/catalogue.js';
import type { ChatCaller } from '../shared/run-operation.js';

/** What someone in a workspace that is not (or not provably) bound is told, with its team id to bind. */
export const notConnected = (teamId: string | undefined, locale: Locale = DEFAULT_LOCALE) => say(locale, 'slack.notConnected', { teamId: teamId ?? 'T…' });
export const unmapped = (locale: Locale) => say(locale, 'slack.unmapped');
export const UNMAPPED = unmapped(DEFAULT_LOCALE);

const LOCALE_TTL_MS = 60 * 60_000;
const FAILED_LOCALE_TTL_MS = 60_000;
const localeCaches = new WeakMap<CallerLookup, LRUCache<string, Locale>>();

function localeCacheOf(lookup: CallerLookup): LRUCache<string, Locale> {
  let cache = localeCaches.get(lookup);
  if (!cache) localeCaches.set(lookup, (cache = new LRUCache<string, Locale>({ max: 10_000, ttl: LOCALE_TTL_MS })));
  return cache;
}

/** users.info about someone, with their locale, which is remembered. */
async function usersInfo(lookup: CallerLookup, teamId: string, slackUserId: string): Promise<webApi.UsersInfoResponse> {
  try {
    const answer = await (await lookup.clientFor({ teamId })).users.info({ user: slackUserId, include_locale: true });
    localeCacheOf(lookup).set(`${teamId}:${slackUserId}`, resolveLocale(answer.user?.locale));
    return answer;
  } catch (error) {
    localeCacheOf(lookup).set(`${teamId}:${slackUserId}`, DEFAULT_LOCALE, { ttl: FAILED_LOCALE_TTL_MS });
    throw error;
  }
}

/** The language a Slack user reads, when this bot has heard it lately; English otherwise. Never asks Slack. */
export const knownLocaleOf = (lookup: CallerLookup, teamId: string | undefined, slackUserId: string | undefined): Locale =>
  (teamId && slackUserId && localeCacheOf(lookup).get(`${teamId}:${slackUserId}`)) || DEFAULT_LOCALE;

/** The language a Slack user reads: remembered, or asked of Slack (users.info); English when Slack does not say. */
export async function localeOf(lookup: CallerLookup, teamId: string, slackUserId: string): Promise<Locale> {
  const known = localeCacheOf(lookup).get(`${teamId}:${slackUserId}`);
  if (known) return known;
  try {
    return resolveLocale((await usersInfo(lookup, teamId, slackUserId)).user?.locale);
  } catch (error) {
    lookup.logger.warn({ err: error, slackUserId }, 'slack users.info failed');
    return DEFAULT_LOCALE;
  }
}

export interface CallerLookup {
  readonly services: ChatBotServices;
  /** The Web API client with the bot token of a workspace (its own when installed through OAuth). */
  clientFor(workspace: { readonly teamId: string } | { readonly tenantId: string }): Promise<webApi.WebClient>;
  readonly logger: Logger;
}

export async function callerOf(lookup: CallerLookup, workspace: ChatWorkspace, slackUserId: string): Promise<ChatCaller | undefined> {
  const actor = await lookup.services.callerActor(workspace.tenantId, slackUserId, () => verifiedEmail(lookup, workspace.externalId, slackUserId));
  return actor ? { actor, provider: 'slack', chatUserId: slackUserId, locale: await localeOf(lookup, workspace.externalId, slackUserId) } : undefined;
}

/**
 * Whether the Slack user may bind this workspace to a Vigil tenant: an admin or owner of it, a
 * full member of this very workspace (not a guest, not someone from another workspace in a shared
 * channel), as Slack answers now. Undefined when they may, else why not.
 */
export async function workspaceAdminRefusal(lookup: CallerLookup, teamId: string, slackUserId: string): Promise<string | undefined> {
  try {
    const answer = await usersInfo(lookup, teamId, slackUserId);
    const refusal = say(resolveLocale(answer.user?.locale), 'slack.notWorkspaceAdmin');
    const user = answer.user;
    if (!user || user.deleted || user.is_bot || user.is_restricted || user.is_ultra_restricted || user.team_id !== teamId) return refusal;
    return user.is_admin === true || user.is_owner === true || user.is_primary_owner === true ? undefined : refusal;
  } catch (error) {
    lookup.logger.warn({ err: error, slackUserId }, 'slack users.info failed');
    return say(knownLocaleOf(lookup, teamId, slackUserId), 'slack.usersInfoFailed');
  }
}

/** The Slack user's email, only when Slack says it is confirmed. */
async function verifiedEmail(lookup: CallerLookup, teamId: string, slackUserId: string): Promise<string | undefined> {
  try {
    const answer = await usersInfo(lookup, teamId, slackUserId);
    const user = answer.user;
    if (!user || user.deleted || user.is_bot || user.is_email_confirmed !== true) return undefined;
    return user.profile?.email?.toLowerCase();
  } catch (error) {
    lookup.logger.warn({ err: error, slackUserId }, 'slack users.info failed');
    return undefined;
  }
}
