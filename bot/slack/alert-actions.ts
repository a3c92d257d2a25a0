/**
 * Alerts through the Slack bot (channel type slack_bot): a message in the seed's severity colour
 * with Acknowledge and Resolve, which act as the clicking person (they need MONITORING_MANAGE, as
 * in the API). Every copy of an alert's message follows the alert wherever it was moved on (a
 * click here, Teams, the API, its condition clearing): the buttons it no longer takes go, and the
 * message says who moved it on.
 */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { ChatAlertSender } from '../../server/channels/chat-senders.js';
import { SEVERITY_COLOURS } from '../../server/chat/bot-services.js';
import type { Disposable } from '../../server/disposable.js';
import { firedAlertView, loadAlertView, onAlertChanges, type AlertView } from '../shared/alert-facts.js';
import { moveAlertOn } from '../shared/chat-actions.js';
import { clip } from '../shared/clip.js';
import { ACTIONS, escapeMrkdwn, line } from './blocks.js';
import { DEFAULT_LOCALE, say, type Locale } from '../shared/messages/catalogue.js';
import { callerOf, knownLocaleOf, localeOf, notConnected, unmapped } from './slack-callers.js';
import type { SlackContext } from './slack-bot.js';

/** An alert's message: posted to a channel, so in English unless a reader's language is given. */
export function alertMessage(alert: AlertView, locale: Locale = DEFAULT_LOCALE): { text: string; attachments: Record<string, unknown>[] } {
  const blocks: Record<string, unknown>[] = [
    // An alert's title and message carry agents' words (a failed command line): escaped, then clipped to Slack's limits.
    { type: 'section', text: { type: 'mrkdwn', text: `*${clip(escapeMrkdwn(alert.subject), 500)}*\n${clip(escapeMrkdwn(alert.message), 2400)}` } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `${say(locale, 'slack.alertSeverity', { severity: alert.severity })} · ${clip(escapeMrkdwn(alert.source), 200)}${alert.outcome ? ` · ${clip(escapeMrkdwn(alert.outcome), 300)}` : ''}`,
        },
      ],
    },
  ];
  const buttons = [
    ...(alert.state === 'fired'
      ? [{ type: 'button', text: { type: 'plain_text', text: say(locale, 'alert.acknowledge') }, action_id: ACTIONS.acknowledge, value: alert.alertId }]
      : []),
    ...(alert.state !== 'resolved'
      ? [{ type: 'button', text: { type: 'plain_text', text: say(locale, 'alert.resolve') }, action_id: ACTIONS.resolve, value: alert.alertId }]
      : []),
  ];
  if (alert.alertId && buttons.length > 0) blocks.push({ type: 'actions', elements: buttons });
  const state = alert.state === 'fired' ? '' : ` (${alert.state})`;
  return {
    text: `[${alert.severity.toUpperCase()}] ${clip(escapeMrkdwn(alert.subject), 500)}${state}`,
    attachments: [{ color: SEVERITY_COLOURS[alert.severity], blocks }],
  };
}

/** A delivery error for the tenant's admins, read in the API: English, as the API's own words. */
const NO_PROVEN_WORKSPACE = say(DEFAULT_LOCALE, 'slack.noProvenWorkspace');

export function slackAlertSender(ctx: SlackContext): ChatAlertSender {
  return {
    async sendAlert(tenantId, channel, alert) {
      try {
        // One bot token may serve several tenants' workspaces: a tenant posts only into the one it proved.
        if (!(await ctx.services.workspaceOfTenant(tenantId))) return { isSuccess: false, error: NO_PROVEN_WORKSPACE };
        const { text, attachments } = alertMessage(firedAlertView(alert));
        const posted = await (await ctx.clientFor({ tenantId })).chat.postMessage({ channel, text, attachments: attachments });
        if (alert.alertId && posted.channel && posted.ts) {
          await ctx.services.savePostedCopy(
            tenantId,
            { type: 'alert', id: alert.alertId },
            { conversation: posted.channel, messageId: posted.ts, reference: null },
          );
        }
        return { isSuccess: true, error: null };
      } catch (error) {
        return { isSuccess: false, error: (error as Error).message };
      }
    },
  };
}

/** Keeps every copy of an alert's message in step with the alert; one instance updates each change. */
export function startAlertNotifier(ctx: SlackContext): Disposable {
  return onAlertChanges(ctx.services, ctx.logger, 'slack', async (tenantId, alertId) => {
    if (!(await ctx.services.workspaceOfTenant(tenantId))) return;
    const alert = await loadAlertView(ctx.schema, ctx.deps, tenantId, 'slack', alertId);
    if (!alert || !(await ctx.services.claimNotice(tenantId, `alert:${alertId}:${alert.state}`))) return;
    const message = alertMessage(alert);
    for (const copy of await ctx.services.postedCopiesOf(tenantId, { type: 'alert', id: alertId })) {
      try {
        await (
          await ctx.clientFor({ tenantId })
        ).chat.update({ channel: copy.conversation, ts: copy.messageId, text: message.text, attachments: message.attachments });
      } catch (error) {
        ctx.logger.warn({ err: error, alertId, channel: copy.conversation }, 'slack alert message not updated');
      }
    }
  });
}

export function registerAlertActions(app: App, ctx: SlackContext): void {
  for (const [actionId, change, refused] of [
    [ACTIONS.acknowledge, 'acknowledge', 'teams.notAcknowledged'],
    [ACTIONS.resolve, 'resolve', 'teams.notResolved'],
  ] as const) {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action, respond }) => {
      await ack();
      const ephemeral = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, ...line(text) });
      const workspace = await ctx.services.workspaceOf(body.team?.id);
      if (!workspace) return void (await ephemeral(notConnected(body.team?.id, knownLocaleOf(ctx, body.team?.id, body.user.id))));
      const caller = await callerOf(ctx, workspace, body.user.id);
      if (!caller) return void (await ephemeral(unmapped(await localeOf(ctx, workspace.externalId, body.user.id))));
      const result = await moveAlertOn(ctx, caller, action.value, change);
      if (result.error) await ephemeral(say(caller.locale ?? DEFAULT_LOCALE, refused, { message: result.error.message }));
    });
  }
}
