/**
 * Which bot token speaks to which Slack workspace. A workspace installed through OAuth has its own
 * (sealed in Vigil's database, read when needed, so an uninstall on any instance takes effect on
 * every one); any other bound workspace is served by the instance's one SLACK_BOT_TOKEN. A workspace
 * with neither has no token: Bolt refuses its requests, and nothing is posted there.
 */
import { webApi, type Logger as BoltLogger } from '@slack/bolt';
import type { ChatBotServices } from '../../server/chat/bot-services.js';

export type WorkspaceRef = { readonly teamId: string } | { readonly tenantId: string };

/** Clients are kept per token (a token names its workspace); this many at most. */
const KEPT_CLIENTS = 200;

export interface WorkspaceClients {
  /** The workspace's bot token, or undefined when it has none. */
  tokenFor(workspace: WorkspaceRef): Promise<string | undefined>;
  /** A Web API client with the workspace's token (one without a token fails each call with not_authed). */
  clientFor(workspace: WorkspaceRef): Promise<webApi.WebClient>;
}

export function workspaceClients(options: {
  readonly services: ChatBotServices;
  readonly instanceToken: string | undefined;
  readonly apiUrl: string;
  readonly logger: BoltLogger;
}): WorkspaceClients {
  const clients = new Map<string, webApi.WebClient>();
  const tokenFor = async (workspace: WorkspaceRef) => (await options.services.slackBotToken(workspace)) ?? options.instanceToken;
  return {
    tokenFor,
    async clientFor(workspace) {
      const token = (await tokenFor(workspace)) ?? '';
      let client = clients.get(token);
      if (!client) {
        if (clients.size >= KEPT_CLIENTS) clients.delete(clients.keys().next().value!);
        client = new webApi.WebClient(token || undefined, { slackApiUrl: options.apiUrl, logger: options.logger });
        clients.set(token, client);
      }
      return client;
    },
  };
}
