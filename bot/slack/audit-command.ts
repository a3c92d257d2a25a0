/** `/audit …` and its "More" button: lists of the record, answered ephemerally to the caller, in their language. */
import type { App } from '@slack/bolt';
import { AppError } from '../../server/chat/bot-services.js';
import { auditHelp, parseAuditCommand } from '../shared/audit-command.js';
import { answerList, filtersOfMore, parseMoreState, resolveFilters, type ListAnswer } from '../shared/audit-answer.js';
import { DEFAULT_LOCALE, say, type Locale } from '../shared/messages/catalogue.js';
import { ACTIONS, line, listMessage, type SlackMessage } from './blocks.js';
import { callerOf, knownLocaleOf, localeOf, notConnected, unmapped, workspaceAdminRefusal } from './slack-callers.js';
import type { SlackContext } from './slack-bot.js';

const ephemeral = (message: SlackMessage) => ({ response_type: 'ephemeral' as const, ...message });

function render(answer: ListAnswer | { error: string }): SlackMessage {
  if ('error' in answer) return line(answer.error);
  return listMessage(answer.heading, answer.rows, answer.more ? JSON.stringify(answer.more) : null, answer.locale);
}

/** `/audit bind CODE`: the workspace proves the binding its Vigil tenant asked for. */
async function bindWorkspace(ctx: SlackContext, teamId: string, slackUserId: string, code: string): Promise<string> {
  try {
    await ctx.services.proveWorkspaceBinding({ externalId: teamId, chatUserId: slackUserId, code }, () => workspaceAdminRefusal(ctx, teamId, slackUserId));
    // The admin check asked Slack who they are, their locale with it.
    return say(knownLocaleOf(ctx, teamId, slackUserId), 'slack.bound');
  } catch (error) {
    if (error instanceof AppError) return error.message;
    throw error;
  }
}

export function registerAuditCommand(app: App, ctx: SlackContext): void {
  app.command('/audit', async ({ command, ack }) => {
    const text = command.text ?? '';
    const asked = parseAuditCommand(text, ctx.deps.clock.now());
    if (asked.kind === 'bind') return ack(ephemeral(line(await bindWorkspace(ctx, command.team_id, command.user_id, asked.code))));
    const workspace = await ctx.services.workspaceOf(command.team_id);
    // Nobody is looked up in a workspace that is not bound: its language is known only if heard lately.
    if (!workspace) return ack(ephemeral(line(notConnected(command.team_id, knownLocaleOf(ctx, command.team_id, command.user_id)))));
    // Only a list needs to know who is asking (its users.info tells the locale too); help, errors and linking need the locale alone.
    const caller = asked.kind === 'list' ? await callerOf(ctx, workspace, command.user_id) : undefined;
    const locale: Locale = caller?.locale ?? (await localeOf(ctx, workspace.externalId, command.user_id));
    const parsed = parseAuditCommand(text, ctx.deps.clock.now(), locale);
    if (parsed.kind === 'help') return ack(ephemeral(line(auditHelp(locale))));
    if (parsed.kind === 'error') return ack(ephemeral(line(parsed.message)));
    if (parsed.kind === 'link') {
      try {
        const user = await ctx.services.redeemLinkCode(workspace.tenantId, command.user_id, parsed.code);
        return await ack(ephemeral(line(say(locale, 'caller.linked', { email: user.email }))));
      } catch (error) {
        if (error instanceof AppError) return ack(ephemeral(line(error.message)));
        throw error;
      }
    }
    // (A `bind` was answered above, whatever the language.)
    if (parsed.kind === 'bind' || !caller) return ack(ephemeral(line(unmapped(locale))));
    const filters = await resolveFilters(ctx.services, workspace.tenantId, parsed.filters, locale);
    if ('error' in filters) return ack(ephemeral(line(filters.error)));
    return ack(ephemeral(render(await answerList(ctx, caller, parsed.subcommand, filters, null))));
  });

  // A row's link button (a recording) opens its URL in the browser; Slack still sends the click.
  app.action(/^open_\d+$/, async ({ ack }) => ack());

  app.action(ACTIONS.more, async ({ ack, body, action, respond }) => {
    await ack();
    const workspace = await ctx.services.workspaceOf(body.team?.id);
    if (!workspace) return void (await respond(ephemeral(line(notConnected(body.team?.id, knownLocaleOf(ctx, body.team?.id, body.user.id))))));
    const caller = await callerOf(ctx, workspace, body.user.id);
    if (!caller) return void (await respond(ephemeral(line(unmapped(await localeOf(ctx, workspace.externalId, body.user.id))))));
    const state = parseMoreState((action as { value?: string }).value);
    if (!state) return void (await respond(ephemeral(line(say(caller.locale ?? DEFAULT_LOCALE, 'caller.buttonOutOfDate')))));
    await respond({ ...ephemeral(render(await answerList(ctx, caller, state.subcommand, filtersOfMore(state), state.after))), replace_original: false });
  });
}
