/** `/access` and `/sudo`: requests made through the same mutations as the API, as the caller. */
import type { App } from '@slack/bolt';
import { fileRequest, requestOutcome } from '../shared/chat-actions.js';
import { parseAccessCommand, parseSudoCommand } from '../shared/request-commands.js';
import { line, type SlackMessage } from './blocks.js';
import { callerOf, notConnected, UNMAPPED } from './slack-callers.js';
import type { SlackContext } from './slack-bot.js';

const ephemeral = (message: SlackMessage) => ({ response_type: 'ephemeral' as const, ...message });
export function registerRequestCommands(app: App, ctx: SlackContext): void {
  const handle = (name: '/access' | '/sudo') =>
    app.command(name, async ({ command, ack }) => {
      const workspace = await ctx.services.workspaceOf(command.team_id);
      if (!workspace) return ack(ephemeral(line(notConnected(command.team_id))));
      const parsed = name === '/access' ? parseAccessCommand(command.text ?? '') : parseSudoCommand(command.text ?? '');
      if ('error' in parsed) return ack(ephemeral(line(parsed.error)));
      const caller = await callerOf(ctx, workspace, command.user_id);
      if (!caller) return ack(ephemeral(line(UNMAPPED)));
      const result = await fileRequest(ctx, caller, name === '/access' ? 'access' : 'sudo', parsed.input);
      if (result.error) return ack(ephemeral(line(`Not requested: ${result.error.message}`)));
      // The outcome comes as a direct message from the app: "here" only where this is that conversation.
      const followUp = command.channel_id?.startsWith('D') ? 'You will hear back here.' : 'You will hear back in a direct message from Vigil.';
      return ack(ephemeral(line(requestOutcome(result.data, followUp))));
    });
  handle('/access');
  handle('/sudo');
}
