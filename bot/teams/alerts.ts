/** Alerts to a Teams conversation through the bot (channel type teams_bot), with Acknowledge. */
import { CardFactory, MessageFactory } from 'botbuilder';
import type { ChatAlertSender } from '../../server/channels/chat-senders.js';
import { saveChatMessage } from '../../server/chat/chat-messages.js';
import { workspaceOfTenant } from '../../server/chat/workspaces.js';
import { alertCard } from './cards.js';
import type { TeamsContext } from './teams-bot.js';

export function teamsAlertSender(ctx: TeamsContext): ChatAlertSender {
  return {
    async sendAlert(tenantId, conversation, alert) {
      try {
        // The bot posts for a tenant only into the Teams tenant it proved.
        const workspace = await workspaceOfTenant(ctx.db, tenantId, 'teams');
        if (!workspace) return { isSuccess: false, error: 'This tenant has no proven Microsoft Teams tenant: bind it (bindChatWorkspace, then “audit bind CODE” to the bot) before the bot posts alerts for it' };
        const reference = ctx.referenceTo(conversation, workspace.externalId);
        await ctx.adapter.continueConversationAsync(ctx.appId, reference, async (turn) => {
          const sent = await turn.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(alertCard(alert))));
          if (alert.alertId && sent?.id) {
            await saveChatMessage(ctx.db, { tenantId, provider: 'teams', subjectType: 'alert', subjectId: alert.alertId, conversation, messageId: sent.id, reference: reference as Record<string, unknown> });
          }
        });
        return { isSuccess: true, error: null };
      } catch (error) {
        return { isSuccess: false, error: (error as Error).message };
      }
    },
  };
}
