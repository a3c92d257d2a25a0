/**
 * Alerts to a Teams conversation through the bot (channel type teams_bot), with Acknowledge and
 * Resolve; every card follows its alert wherever it was moved on (Teams, Slack, the API, its
 * condition clearing), updated once across instances.
 */
import { CardFactory, MessageFactory, type ConversationReference } from 'botbuilder';
import type { ChatAlertSender } from '../../server/channels/chat-senders.js';
import type { Disposable } from '../../server/disposable.js';
import { firedAlertView, loadAlertView, onAlertChanges } from '../shared/alert-facts.js';
import { DEFAULT_LOCALE, say } from '../shared/messages/catalogue.js';
import { alertCard } from './cards.js';
import type { TeamsContext } from './teams-bot.js';

export function teamsAlertSender(ctx: TeamsContext): ChatAlertSender {
  return {
    async sendAlert(tenantId, conversation, alert) {
      try {
        // The bot posts for a tenant only into the Teams tenant it proved.
        const workspace = await ctx.services.workspaceOfTenant(tenantId);
        if (!workspace)
          return {
            isSuccess: false,
            // A delivery error for the tenant's admins, read in the API: English, as the API's own words.
            error: say(DEFAULT_LOCALE, 'teams.noProvenTenant'),
          };
        const reference = ctx.referenceTo(conversation, workspace.externalId);
        await ctx.adapter.continueConversationAsync(ctx.appId, reference, async (turn) => {
          const sent = await turn.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(alertCard(firedAlertView(alert)))));
          if (alert.alertId && sent?.id) {
            await ctx.services.savePostedCopy(tenantId, { type: 'alert', id: alert.alertId }, { conversation, messageId: sent.id, reference: reference });
          }
        });
        return { isSuccess: true, error: null };
      } catch (error) {
        return { isSuccess: false, error: (error as Error).message };
      }
    },
  };
}

export function startTeamsAlertNotifier(ctx: TeamsContext): Disposable {
  return onAlertChanges(ctx.services, ctx.deps.logger, 'teams', async (tenantId, alertId) => {
    if (!(await ctx.services.workspaceOfTenant(tenantId))) return;
    const alert = await loadAlertView(ctx.schema, ctx.deps, tenantId, 'teams', alertId);
    if (!alert || !(await ctx.services.claimNotice(tenantId, `alert:${alertId}:${alert.state}`))) return;
    for (const copy of await ctx.services.postedCopiesOf(tenantId, { type: 'alert', id: alertId })) {
      try {
        await ctx.adapter.continueConversationAsync(ctx.appId, copy.reference as Partial<ConversationReference>, async (turn) => {
          await turn.updateActivity({ type: 'message', id: copy.messageId, attachments: [CardFactory.adaptiveCard(alertCard(alert))] });
        });
      } catch (error) {
        ctx.deps.logger.warn({ err: error, alertId, conversation: copy.conversation }, 'teams alert card not updated');
      }
    }
  });
}
