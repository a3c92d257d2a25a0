/** `/access` and `/sudo`: requests made through the same mutations as the API, as the caller, answered in their language. */
import type { App } from '@slack/bolt';
import { fileRequest, requestOutcome } from '../shared/chat-actions.js';
import { say } from '../shared/messages/catalogue.js';
import { parseAccessCommand, parseSudoCommand } from '../shared/request-commands.js';
import { line, type SlackMessage } from './blocks.js';
import { callerOf, knownLocaleOf, localeOf, notConnected, unmapped } from './slack-callers.js';
import type { SlackContext } from './slack-bot.js';

const ephemeral = (message: SlackMessage) => ({ response_type: 'ephemeral' as const, ...message });
export function registerRequestCommands(app: App, ctx: SlackContext): void {
  const handle = (name: '/access' | '/sudo') =>
    app.command(name, async ({ command, ack }) => {
      const workspace = await ctx.services.workspaceOf(command.team_id);
      if (!workspace) return ack(ephemeral(line(notConnected(command.team_id, knownLocaleOf(ctx, command.team_id, command.user_id)))));
      const text = command.text ?? '';
      // Who is asking only once the request parses (as before); its users.info tells the locale too.
      const isParsed = !('error' in (name === '/access' ? parseAccessCommand(text) : parseSudoCommand(text)));
      const caller = isParsed ? await callerOf(ctx, workspace, command.user_id) : undefined;
      const locale = caller?.locale ?? (await localeOf(ctx, workspace.externalId, command.user_id));
      const parsed = name === '/access' ? parseAccessCommand(text, locale) : parseSudoCommand(text, locale);
      if ('error' in parsed) return ack(ephemeral(line(parsed.error)));
      if (!caller) return ack(ephemeral(line(unmapped(locale))));
      const result = await fileRequest(ctx, caller, name === '/access' ? 'access' : 'sudo', parsed.input);
      if (result.error) return ack(ephemeral(line(say(locale, 'request.notRequested', { message: result.error.message }))));
      // The outcome comes as a direct message from the app: "here" only where this is that conversation.
      const followUp = say(locale, command.channel_id?.startsWith('D') ? 'slack.hearBackHere' : 'slack.hearBackInDm');
      return ack(ephemeral(line(requestOutcome(result.data, followUp, locale))));
    });
  handle('/access');
  handle('/sudo');
}
