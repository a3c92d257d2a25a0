/**
 * Who is asking, from a Slack request: the workspace (team id) must be bound to a tenant, and the
 * Slack user must be a Vigil user of it, linked before or now by the email Slack has verified.
 */
import type { webApi } from '@slack/bolt';
import type { ChatBotServices, ChatWorkspace } from '../../server/chat/bot-services.js';
import type { Logger } from '../../server/logger.js';
import type { ChatCaller } from '../shared/run-operation.js';

/** What someone in a workspace that is not (or not provably) bound is told, with its team id to bind. */
export const notConnected = (teamId: string | undefined) =>
  `This Slack workspace is not connected to Vigil. An admin of your Vigil tenant asks for it with \`bindChatWorkspace(provider: SLACK, externalId: "${teamId ?? 'T…'}")\`, and an admin or owner of this workspace confirms with \`/audit bind CODE\`.`;
export const UNMAPPED =
  'I do not know you in Vigil: your Slack email is not a Vigil user’s, or Slack has not verified it. Ask a Vigil admin for a link code for you (or make one yourself in Vigil), then send me `/audit link CODE`.';

export interface CallerLookup {
  readonly services: ChatBotServices;
  /** The Web API client with the bot token of a workspace (its own when installed through OAuth). */
  clientFor(workspace: { readonly teamId: string } | { readonly tenantId: string }): Promise<webApi.WebClient>;
  readonly logger: Logger;
}

export async function callerOf(lookup: CallerLookup, workspace: ChatWorkspace, slackUserId: string): Promise<ChatCaller | undefined> {
  const actor = await lookup.services.callerActor(workspace.tenantId, slackUserId, () => verifiedEmail(lookup, workspace.externalId, slackUserId));
  return actor ? { actor, provider: 'slack', chatUserId: slackUserId } : undefined;
}

/**
 * Whether the Slack user may bind this workspace to a Vigil tenant: an admin or owner of it, a
 * full member of this very workspace (not a guest, not someone from another workspace in a shared
 * channel), as Slack answers now. Undefined when they may, else why not.
 */
export async function workspaceAdminRefusal(lookup: CallerLookup, teamId: string, slackUserId: string): Promise<string | undefined> {
  const refusal = 'Only an admin or owner of this Slack workspace can connect it to Vigil: nothing was bound.';
  try {
    const answer = await (await lookup.clientFor({ teamId })).users.info({ user: slackUserId });
    const user = answer.user;
    if (!user || user.deleted || user.is_bot || user.is_restricted || user.is_ultra_restricted || user.team_id !== teamId) return refusal;
    return user.is_admin === true || user.is_owner === true || user.is_primary_owner === true ? undefined : refusal;
  } catch (error) {
    lookup.logger.warn({ err: error, slackUserId }, 'slack users.info failed');
    return 'Slack did not say who you are (users.info failed): nothing was bound. Try again.';
  }
}

/** The Slack user's email, only when Slack says it is confirmed. */
async function verifiedEmail(lookup: CallerLookup, teamId: string, slackUserId: string): Promise<string | undefined> {
  try {
    const answer = await (await lookup.clientFor({ teamId })).users.info({ user: slackUserId });
    const user = answer.user;
    if (!user || user.deleted || user.is_bot || user.is_email_confirmed !== true) return undefined;
    return user.profile?.email?.toLowerCase();
  } catch (error) {
    lookup.logger.warn({ err: error, slackUserId }, 'slack users.info failed');
    return undefined;
  }
}
