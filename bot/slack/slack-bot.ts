/**
 * The Slack bot (@slack/bolt): slash commands (/audit, /access, /sudo), buttons and modals, arriving
 * either at /slack/events on Vigil's HTTP server or over Socket Mode (slack-socket-receiver.ts),
 * by config. Every request's v0 signature is checked and
 * timestamps more than five minutes old or ahead are refused (401) before any handler runs;
 * retried deliveries are dropped and requests no handler serves answered at once (slack-receiver.ts). Every answer is
 * computed by running Vigil's GraphQL schema as the caller, so the API's scoping holds in Slack.
 */
import { App } from '@slack/bolt';
import { SlackReceiver } from './slack-receiver.js';
import { SlackSocketReceiver } from './slack-socket-receiver.js';
import type { GraphQLSchema } from 'graphql';
import { Router, type RequestHandler } from 'express';
import type { SchemaDependencies } from '../../schema/context.js';
import type { Config } from '../../server/config.js';
import type { ChatBotServices, SlackOAuthApp } from '../../server/chat/bot-services.js';
import { registerUninstallEvents, slackInstallRouter } from './install-routes.js';
import { workspaceClients } from './workspace-clients.js';
import { registerApprovalActions } from './approval-actions.js';
import { registerAppHome } from './app-home.js';
import { startApprovalNotifier } from './approval-notifier.js';
import { registerAuditCommand } from './audit-command.js';
import { registerRequestCommands } from './request-commands.js';
import { boltLogger } from './slack-logger.js';
import type { CallerLookup } from './slack-callers.js';
import { registerAlertActions, slackAlertSender, startAlertNotifier } from './alert-actions.js';
import { registerExtensionActions } from './extension-actions.js';
import type { ChatAlertSender } from '../../server/channels/chat-senders.js';

export interface SlackBotOptions {
  readonly config: NonNullable<Config['slack']>;
  readonly schema: GraphQLSchema;
  readonly deps: SchemaDependencies;
  /** What the bot may touch besides the schema, bound to Slack. */
  readonly services: ChatBotServices;
}

/** What every handler needs: the schema to run operations on, and how to find the caller. */
export interface SlackContext extends CallerLookup {
  readonly schema: GraphQLSchema;
  readonly deps: SchemaDependencies;
}

export interface SlackBot {
  /** Mount at /slack (before any JSON body parser: signatures are checked on the raw body). */
  readonly router: RequestHandler;
  /** Alerts to slack_bot channels. */
  readonly alertSender: ChatAlertSender;
  dispose(): Promise<void>;
}

export function createSlackBot(options: SlackBotOptions): SlackBot {
  const logger = boltLogger(options.deps.logger);
  const transport = options.config.transport;
  const receiver =
    transport.mode === 'socket'
      ? new SlackSocketReceiver({ appToken: transport.appToken, apiUrl: options.config.apiUrl, logger, vigilLogger: options.deps.logger })
      : new SlackReceiver({
          vigilLogger: options.deps.logger,
          signingSecret: transport.signingSecret,
          endpoints: '/events',
          // Slack has its answer as soon as a handler acknowledges (a slash command's reply is what it
          // acknowledges with): a click is acknowledged at once, before Vigil's own calls to Slack
          // (views.open, response_url), so a slow Slack never makes a decision look timed out.
          processBeforeResponse: false,
          logger,
        });
  const clients = workspaceClients({ services: options.services, instanceToken: options.config.botToken, apiUrl: options.config.apiUrl, logger });
  const app = new App({
    // The workspace's own token when it was installed through OAuth, else the instance's one: no
    // auth.test round trip to Slack at start or before each request (Slack wants an answer within
    // 3 s), and Vigil starts whether or not Slack is reachable.
    authorize: async ({ teamId }) => {
      const botToken = teamId ? await clients.tokenFor({ teamId }) : options.config.botToken;
      if (!botToken) throw new Error(`no bot token for Slack workspace ${teamId ?? '(none)'}: it has not installed Vigil`);
      return { botToken };
    },
    // Vigil handles no message events, so it needs no bot user id to ignore its own messages.
    ignoreSelf: false,
    receiver,
    logger,
    clientOptions: { slackApiUrl: options.config.apiUrl },
  });
  app.error(async (error) => {
    options.deps.logger.error({ err: error }, 'slack handler failed');
  });
  // Vigil's own posts (the notifier, alerts) use the workspace's client; handlers get theirs from Bolt.
  const context: SlackContext = {
    schema: options.schema,
    deps: options.deps,
    services: options.services,
    clientFor: clients.clientFor,
    logger: options.deps.logger,
  };
  registerAuditCommand(app, context);
  registerRequestCommands(app, context);
  registerApprovalActions(app, context);
  registerAlertActions(app, context);
  registerExtensionActions(app, context);
  registerUninstallEvents(app, { services: options.services, logger: options.deps.logger });
  const notifiers = [startApprovalNotifier(context), startAlertNotifier(context), registerAppHome(app, context)];
  if (receiver instanceof SlackSocketReceiver) {
    // Not awaited: Vigil serves whether or not Slack is reachable; the client keeps retrying and reconnects by itself.
    receiver.start().catch((error: unknown) => options.deps.logger.error({ err: error }, 'slack socket mode could not connect'));
  }
  return {
    router: slackRoutes(receiver, options.config.oauth && { ...options.config.oauth, apiUrl: options.config.apiUrl }, options),
    alertSender: slackAlertSender(context),
    async dispose() {
      await Promise.all(notifiers.map((notifier) => notifier.dispose()));
      if (receiver instanceof SlackSocketReceiver) await receiver.stop();
    },
  };
}

/**
 * What /slack serves: the OAuth redirect when installs are set up, then Slack's signed requests at
 * /slack/events over HTTP; over Socket Mode nothing else arrives over HTTP (404 like any unknown path).
 */
function slackRoutes(receiver: SlackReceiver | SlackSocketReceiver, oauth: SlackOAuthApp | undefined, options: SlackBotOptions): RequestHandler {
  const router = Router();
  if (oauth) router.use(slackInstallRouter({ app: oauth, services: options.services, logger: options.deps.logger }));
  if (receiver instanceof SlackReceiver) router.use(receiver.router);
  return router;
}
