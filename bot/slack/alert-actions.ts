/**
 * Alerts through the Slack bot (channel type slack_bot): a message in the seed's severity colour
 * with an Acknowledge button, which acknowledges the alert as the clicking person (it needs
 * MONITORING_MANAGE, as in the API) and updates the message to say who did.
 */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { ChatAlertSender } from '../../server/channels/chat-senders.js';
import { SEVERITY_COLOURS, type AlertMessage } from '../../server/channels/send-to-channel.js';
import { saveChatMessage } from '../../server/chat/chat-messages.js';
import { workspaceOfTenant } from '../../server/chat/workspaces.js';
import { acknowledgeAlert } from '../shared/chat-actions.js';
import { ACTIONS, escapeMrkdwn, line } from './blocks.js';
import { callerOf, notConnected, UNMAPPED, workspaceOf } from './slack-callers.js';
import type { SlackContext } from './slack-bot.js';

function alertAttachment(alert: Pick<AlertMessage, 'subject' | 'message' | 'severity' | 'source' | 'alertId'>, footer?: string) {
  const blocks: Record<string, unknown>[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${escapeMrkdwn(alert.subject)}*\n${escapeMrkdwn(alert.message)}` } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `Severity *${alert.severity}* · ${escapeMrkdwn(alert.source)}${footer ? ` · ${escapeMrkdwn(footer)}` : ''}` }] },
  ];
  if (alert.alertId && !footer) {
    blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Acknowledge' }, action_id: ACTIONS.acknowledge, value: alert.alertId }] });
  }
  return [{ color: SEVERITY_COLOURS[alert.severity], blocks }];
}

const NO_PROVEN_WORKSPACE = 'This tenant has no proven Slack workspace: bind it (bindChatWorkspace, then `/audit bind CODE` in the workspace) before the bot posts alerts for it';

export function slackAlertSender(ctx: SlackContext): ChatAlertSender {
  return {
    async sendAlert(tenantId, channel, alert) {
      try {
        // One bot token may serve several tenants' workspaces: a tenant posts only into the one it proved.
        if (!(await workspaceOfTenant(ctx.db, tenantId, 'slack'))) return { isSuccess: false, error: NO_PROVEN_WORKSPACE };
        const posted = await ctx.client.chat.postMessage({ channel, text: `[${alert.severity.toUpperCase()}] ${escapeMrkdwn(alert.subject)}`, attachments: alertAttachment(alert) as never });
        if (alert.alertId && posted.channel && posted.ts) {
          await saveChatMessage(ctx.db, { tenantId, provider: 'slack', subjectType: 'alert', subjectId: alert.alertId, conversation: posted.channel, messageId: posted.ts });
        }
        return { isSuccess: true, error: null };
      } catch (error) {
        return { isSuccess: false, error: (error as Error).message };
      }
    },
  };
}

export function registerAlertActions(app: App, ctx: SlackContext): void {
  app.action<BlockAction<ButtonAction>>(ACTIONS.acknowledge, async ({ ack, body, action, respond, client }) => {
    await ack();
    const ephemeral = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, ...line(text) });
    const workspace = await workspaceOf(ctx.db, body.team?.id);
    if (!workspace) return void (await ephemeral(notConnected(body.team?.id)));
    const caller = await callerOf(ctx, workspace, body.user.id);
    if (!caller) return void (await ephemeral(UNMAPPED));
    const result = await acknowledgeAlert(ctx, caller, action.value);
    if (result.error) return void (await ephemeral(`Not acknowledged: ${result.error.message}`));
    const alert = result.data;
    if (body.channel?.id && body.message?.ts) {
      const severity = alert.severity.toLowerCase() as AlertMessage['severity'];
      await client.chat.update({
        channel: body.channel.id,
        ts: body.message.ts,
        text: `[${alert.severity}] ${escapeMrkdwn(alert.title)}`,
        attachments: alertAttachment({ subject: alert.title, message: alert.message, severity, source: 'Vigil' }, `acknowledged by ${caller.actor.type === 'user' ? caller.actor.email : 'Vigil'}`) as never,
      });
    }
  });
}
