/**
 * Approvals in Teams: a new request's card goes to the approver channel and, in personal chat, to
 * each eligible approver who has talked to the bot; any later change (a decision from Teams,
 * Slack or the API, an expiry, a cancellation) updates every card in place, and the requester is
 * told in personal chat when the request closes. Claimed once across instances, as in Slack.
 */
import { CardFactory, MessageFactory, type ConversationReference } from 'botbuilder';
import type { Disposable } from '../../server/disposable.js';
import { onApprovalEvents } from '../shared/approval-events.js';
import { describeRequest, loadApprovalFacts, outcomeLine, type ApprovalFacts } from '../shared/approval-facts.js';
import { DEFAULT_LOCALE, say } from '../shared/messages/catalogue.js';
import { approvalCard, approvalSummary, forTeams } from './cards.js';
import { extensionOfferCard } from './extension-cards.js';
import { extensionOfferFor } from '../shared/extension-requests.js';
import type { TeamsContext } from './teams-bot.js';

export function startTeamsApprovalNotifier(ctx: TeamsContext): Disposable {
  return onApprovalEvents(ctx.services, ctx.deps.logger, 'teams', {
    announce: (tenantId, approvalId, options) => announce(ctx, tenantId, approvalId, options?.isClaimed ?? false),
    refresh: (tenantId, approvalId) => refresh(ctx, tenantId, approvalId),
  });
}

const stateKey = (facts: ApprovalFacts) => `${facts.status}:${facts.decisions.length}`;
const attachment = (ctx: TeamsContext, facts: ApprovalFacts) => {
  const activity = MessageFactory.attachment(CardFactory.adaptiveCard(approvalCard(facts)));
  activity.summary = approvalSummary(facts);
  return activity;
};

async function announce(ctx: TeamsContext, tenantId: string, approvalId: string, isClaimed: boolean): Promise<void> {
  const workspace = await ctx.services.workspaceOfTenant(tenantId);
  if (!workspace || !(isClaimed || (await ctx.services.claimNotice(tenantId, `approval:${approvalId}:requested`)))) return;
  const facts = await loadApprovalFacts(ctx.schema, ctx.deps, tenantId, 'teams', approvalId);
  const reviewerIds = await ctx.services.reviewerIdsOfApproval(tenantId, approvalId);
  if (!facts || !reviewerIds) return;
  const references: Partial<ConversationReference>[] = [];
  if (workspace.approverChannel) references.push(ctx.referenceTo(workspace.approverChannel, workspace.externalId));
  for (const identity of await ctx.services.identitiesOf(tenantId, reviewerIds)) {
    if (identity.conversation) references.push(identity.conversation);
  }
  // A later announcement (server/chat/chat-messages.ts) sends only where no copy is yet.
  const posted = isClaimed
    ? new Set((await ctx.services.postedCopiesOf(tenantId, { type: 'approval', id: approvalId })).map((copy) => copy.conversation))
    : new Set<string>();
  for (const reference of references.filter((candidate) => !posted.has(candidate.conversation?.id ?? ''))) {
    try {
      await ctx.adapter.continueConversationAsync(ctx.appId, reference, async (turn) => {
        const sent = await turn.sendActivity(attachment(ctx, facts));
        if (sent?.id) {
          await ctx.services.savePostedCopy(
            tenantId,
            { type: 'approval', id: approvalId },
            { conversation: reference.conversation!.id, messageId: sent.id, reference: reference },
          );
        }
      });
    } catch (error) {
      ctx.deps.logger.warn({ err: error, approvalId, conversation: reference.conversation?.id }, 'teams approval card not sent');
    }
  }
  const now = await loadApprovalFacts(ctx.schema, ctx.deps, tenantId, 'teams', approvalId);
  if (now && stateKey(now) !== stateKey(facts)) await refresh(ctx, tenantId, approvalId);
}

async function refresh(ctx: TeamsContext, tenantId: string, approvalId: string): Promise<void> {
  const workspace = await ctx.services.workspaceOfTenant(tenantId);
  if (!workspace) return;
  const facts = await loadApprovalFacts(ctx.schema, ctx.deps, tenantId, 'teams', approvalId);
  if (!facts || !(await ctx.services.claimNotice(tenantId, `approval:${approvalId}:${stateKey(facts)}`))) return;
  for (const copy of await ctx.services.postedCopiesOf(tenantId, { type: 'approval', id: approvalId })) {
    try {
      await ctx.adapter.continueConversationAsync(ctx.appId, copy.reference as Partial<ConversationReference>, async (turn) => {
        await turn.updateActivity({ ...attachment(ctx, facts), id: copy.messageId });
      });
    } catch (error) {
      ctx.deps.logger.warn({ err: error, approvalId, conversation: copy.conversation }, 'teams approval card not updated');
    }
  }
  if (facts.status === 'PENDING') return;
  const [requester] = await ctx.services.identitiesOf(tenantId, [facts.requester.id]);
  if (!requester?.conversation) return;
  const what = forTeams(describeRequest(facts));
  // Access granted or extended: the way to more time comes with the news.
  const offer = await extensionOfferFor(ctx, tenantId, 'teams', facts);
  try {
    await ctx.adapter.continueConversationAsync(ctx.appId, requester.conversation, async (turn) => {
      // The approvers' words in it (justifications, cancel reasons) as typed: plain text, never markdown.
      await turn.sendActivity({
        type: 'message',
        textFormat: 'plain',
        // English: a saved conversation keeps no locale (Teams sends one only with the person's own activities).
        text: say(DEFAULT_LOCALE, 'notice.yourRequest', { request: what, status: facts.status.toLowerCase(), outcome: outcomeLine(facts) }),
      });
      if (offer) await turn.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(extensionOfferCard(offer))));
    });
  } catch (error) {
    ctx.deps.logger.warn({ err: error, approvalId }, 'teams message to the requester not sent');
  }
}
