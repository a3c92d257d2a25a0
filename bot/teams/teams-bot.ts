/**
 * The Teams bot (botbuilder's CloudAdapter), at POST /api/messages. With MICROSOFT_APP_ID set,
 * every request must carry a Bot Framework JWT, validated as the Bot Framework requires; without
 * one (TEAMS_BOT_ENABLED=true) requests are accepted unsigned, for local development and tests.
 * Commands are messages (`audit my-commands`, `access …`, `sudo …`); answers and approvals are
 * Adaptive Cards. The same parser, lists, GraphQL operations and decision flow as the Slack bot.
 */
import express from 'express';
import type { RequestHandler } from 'express';
import type { GraphQLSchema } from 'graphql';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type ConversationReference } from 'botbuilder';
import type { SchemaDependencies } from '../../schema/context.js';
import type { ChatAlertSender } from '../../server/channels/chat-senders.js';
import type { Config, TeamsSsoConfig } from '../../server/config.js';
import type { ChatBotServices } from '../../server/chat/bot-services.js';
import { startTeamsApprovalNotifier } from './approval-notifier.js';
import { startTeamsAlertNotifier, teamsAlertSender } from './alerts.js';
import { createSsoTokenVerifier, type SsoTokenVerifier } from './sso-token.js';
import { handleTurn } from './turns.js';

export interface TeamsBotOptions {
  readonly config: NonNullable<Config['teams']>;
  readonly schema: GraphQLSchema;
  readonly deps: SchemaDependencies;
  /** What the bot may touch besides the schema, bound to Teams. */
  readonly services: ChatBotServices;
}

export interface TeamsContext {
  readonly schema: GraphQLSchema;
  readonly deps: SchemaDependencies;
  readonly services: ChatBotServices;
  readonly adapter: CloudAdapter;
  readonly config: NonNullable<Config['teams']>;
  /** The bot's app id for proactive messages ('' when unsigned). */
  readonly appId: string;
  /** A reference to a conversation Vigil has not heard from (the approver channel, an alert channel). */
  referenceTo(conversationId: string, aadTenantId?: string): Partial<ConversationReference>;
  /** Single sign-on for the identity link, when configured (sso.ts). */
  readonly sso?: { readonly config: TeamsSsoConfig; readonly verify: SsoTokenVerifier };
}

export interface TeamsBot {
  /** Mount at /api: it serves POST /api/messages. */
  readonly router: RequestHandler;
  readonly alertSender: ChatAlertSender;
  dispose(): Promise<void>;
}

export function createTeamsBot(options: TeamsBotOptions): TeamsBot {
  const { config } = options;
  const auth = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: config.appId ?? '',
    MicrosoftAppPassword: config.appPassword ?? '',
    MicrosoftAppType: config.appType,
    MicrosoftAppTenantId: config.appTenantId ?? '',
  });
  const adapter = new CloudAdapter(auth);
  adapter.onTurnError = async (_context, error) => {
    options.deps.logger.error({ err: error }, 'teams turn failed');
  };
  const context: TeamsContext = {
    schema: options.schema,
    deps: options.deps,
    services: options.services,
    adapter,
    config,
    appId: config.appId ?? '',
    referenceTo: (conversationId, aadTenantId) => ({
      channelId: 'msteams',
      serviceUrl: config.serviceUrl,
      conversation: { id: conversationId, isGroup: true, conversationType: 'channel', tenantId: aadTenantId, name: '' },
      bot: { id: config.appId ?? 'vigil', name: 'Vigil' },
    }),
    sso: config.sso && { config: config.sso, verify: createSsoTokenVerifier(config.sso, () => options.deps.clock.now()) },
  };
  const router = express.Router();
  router.post('/messages', express.json({ limit: '256kb' }), (req, res) => {
    void adapter.process(req as never, res as never, (turn) => handleTurn(context, turn));
  });
  const notifiers = [startTeamsApprovalNotifier(context), startTeamsAlertNotifier(context)];
  return {
    router,
    alertSender: teamsAlertSender(context),
    async dispose() {
      await Promise.all(notifiers.map((notifier) => notifier.dispose()));
    },
  };
}
