/** `/audit …` and its "More" button: lists of the record, answered ephemerally to the caller. */
import type { App } from '@slack/bolt';
import { AppError } from '../../server/chat/bot-services.js';
import { AUDIT_HELP, parseAuditCommand } from '../shared/audit-command.js';
import { answerList, filtersOfMore, parseMoreState, resolveFilters, type ListAnswer } from '../shared/audit-answer.js';
import { ACTIONS, line, listMessage, type SlackMessage } from './blocks.js';
import { callerOf, notConnected, UNMAPPED, workspaceAdminRefusal } from './slack-callers.js';
import type { SlackContext } from './slack-bot.js';

const ephemeral = (message: SlackMessage) => ({ response_type: 'ephemeral' as const, ...message });

function render(answer: ListAnswer | { error: string }): SlackMessage {
  if ('error' in answer) return line(answer.error);
  return listMessage(answer.heading, answer.rows, answer.more ? JSON.stringify(answer.more) : null);
}

/** `/audit bind CODE`: the workspace proves the binding its Vigil tenant asked for. */
async function bindWorkspace(ctx: SlackContext, teamId: string, slackUserId: string, code: string): Promise<string> {
  try {
    await ctx.services.proveWorkspaceBinding({ externalId: teamId, chatUserId: slackUserId, code }, () => workspaceAdminRefusal(ctx, teamId, slackUserId));
    return 'This Slack workspace is now connected to Vigil. People here can use `/audit`, `/access` and `/sudo`, and requests needing approval are posted to the approver channel.';
  } catch (error) {
    if (error instanceof AppError) return error.message;
    throw error;
  }
}

export function registerAuditCommand(app: App, ctx: SlackContext): void {
  app.command('/audit', async ({ command, ack }) => {
    const parsed = parseAuditCommand(command.text ?? '', ctx.deps.clock.now());
    if (parsed.kind === 'bind') return ack(ephemeral(line(await bindWorkspace(ctx, command.team_id, command.user_id, parsed.code))));
    const workspace = await ctx.services.workspaceOf(command.team_id);
    if (!workspace) return ack(ephemeral(line(notConnected(command.team_id))));
    if (parsed.kind === 'help') return ack(ephemeral(line(AUDIT_HELP)));
    if (parsed.kind === 'error') return ack(ephemeral(line(parsed.message)));
    if (parsed.kind === 'link') {
      try {
        const user = await ctx.services.redeemLinkCode(workspace.tenantId, command.user_id, parsed.code);
        return await ack(ephemeral(line(`Linked: you are ${user.email} in Vigil.`)));
      } catch (error) {
        if (error instanceof AppError) return ack(ephemeral(line(error.message)));
        throw error;
      }
    }
    const caller = await callerOf(ctx, workspace, command.user_id);
    if (!caller) return ack(ephemeral(line(UNMAPPED)));
    const filters = await resolveFilters(ctx.services, workspace.tenantId, parsed.filters);
    if ('error' in filters) return ack(ephemeral(line(filters.error)));
    return ack(ephemeral(render(await answerList(ctx, caller, parsed.subcommand, filters, null))));
  });

  // A row's link button (a recording) opens its URL in the browser; Slack still sends the click.
  app.action(/^open_\d+$/, async ({ ack }) => ack());

  app.action(ACTIONS.more, async ({ ack, body, action, respond }) => {
    await ack();
    const workspace = await ctx.services.workspaceOf(body.team?.id);
    if (!workspace) return void (await respond(ephemeral(line(notConnected(body.team?.id)))));
    const caller = await callerOf(ctx, workspace, body.user.id);
    if (!caller) return void (await respond(ephemeral(line(UNMAPPED))));
    const state = parseMoreState((action as { value?: string }).value);
    if (!state) return void (await respond(ephemeral(line('That button is out of date: ask again with /audit.'))));
    await respond({ ...ephemeral(render(await answerList(ctx, caller, state.subcommand, filtersOfMore(state), state.after))), replace_original: false });
  });
}
