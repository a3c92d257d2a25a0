/**
 * Vigil's side of approvals in Slack. A new request is posted to the workspace's approver channel
 * and sent to each eligible approver who is linked; a decision (from Slack, the API or Teams), an
 * expiry or a cancellation updates every copy in place, adds a line to each copy's thread, and
 * tells the requester. Every instance hears every event: the one that claims it does the posting.
 */
import { describeRequest, loadApprovalFacts, outcomeLine, type ApprovalFacts } from '../shared/approval-facts.js';
import type { Disposable } from '../../server/disposable.js';
import { onApprovalEvents } from '../shared/approval-events.js';
import { say, type MessageKey } from '../shared/messages/catalogue.js';
import { approvalMessage, escapeMrkdwn } from './blocks.js';
import { knownLocaleOf } from './slack-callers.js';
import { offerExtension } from './extension-actions.js';
import type { SlackContext } from './slack-bot.js';

export function startApprovalNotifier(ctx: SlackContext): Disposable {
  return onApprovalEvents(ctx.services, ctx.logger, 'slack', {
    announce: (tenantId, approvalId, options) => announce(ctx, tenantId, approvalId, options?.isClaimed ?? false),
    refresh: (tenantId, approvalId) => refresh(ctx, tenantId, approvalId),
  });
}

const stateKey = (facts: ApprovalFacts) => `${facts.status}:${facts.decisions.length}`;

async function announce(ctx: SlackContext, tenantId: string, approvalId: string, isClaimed: boolean): Promise<void> {
  const workspace = await ctx.services.workspaceOfTenant(tenantId);
  if (!workspace || !(isClaimed || (await ctx.services.claimNotice(tenantId, `approval:${approvalId}:requested`)))) return;
  const facts = await loadApprovalFacts(ctx.schema, ctx.deps, tenantId, 'slack', approvalId);
  const reviewerIds = await ctx.services.reviewerIdsOfApproval(tenantId, approvalId);
  if (!facts || !reviewerIds) return;
  const reviewers = await reachableUsers(ctx, tenantId, reviewerIds);
  const everyTarget = [...(workspace.approverChannel ? [workspace.approverChannel] : []), ...reviewers.map((identity) => identity.externalUserId)];
  const targets = isClaimed ? await stillMissing(ctx, tenantId, approvalId, everyTarget, workspace.approverChannel) : everyTarget;
  const message = approvalMessage(facts);
  const client = await ctx.clientFor({ tenantId });
  for (const channel of targets) {
    try {
      const posted = await client.chat.postMessage({ channel, text: message.text, blocks: message.blocks as never });
      if (posted.channel && posted.ts) {
        await ctx.services.savePostedCopy(
          tenantId,
          { type: 'approval', id: approvalId },
          { conversation: posted.channel, messageId: posted.ts, reference: null },
        );
      }
    } catch (error) {
      ctx.logger.warn({ err: error, approvalId, channel }, 'slack approval message not posted');
    }
  }
  // Decided while we were posting: bring the new copies up to date.
  const now = await loadApprovalFacts(ctx.schema, ctx.deps, tenantId, 'slack', approvalId);
  if (now && stateKey(now) !== stateKey(facts)) await refresh(ctx, tenantId, approvalId);
}

/**
 * What a later announcement posts (server/chat/chat-messages.ts): everything when no copy was
 * posted, else only the approver channel when it lacks one (a direct message's conversation is
 * known only once posted, so those that went out cannot be told from those that did not).
 */
async function stillMissing(ctx: SlackContext, tenantId: string, approvalId: string, targets: string[], channel: string | null): Promise<string[]> {
  const copies = await ctx.services.postedCopiesOf(tenantId, { type: 'approval', id: approvalId });
  if (copies.length === 0) return targets;
  return channel && !copies.some((copy) => copy.conversation === channel) ? [channel] : [];
}

/**
 * Slack accounts of Vigil users (eligible reviewers, a requester): linked ones, and others found by
 * their Vigil email in the workspace (users.lookupByEmail; Slack vouches for the address), linked
 * on the way, so someone who never used the bot is still told.
 */
async function reachableUsers(ctx: SlackContext, tenantId: string, userIds: readonly string[]): Promise<{ externalUserId: string }[]> {
  const linked = await ctx.services.identitiesOf(tenantId, userIds);
  const missing = userIds.filter((id) => !linked.some((identity) => identity.userId === id));
  const found: { externalUserId: string }[] = [];
  for (const user of await ctx.services.emailsOfUsers(tenantId, missing)) {
    try {
      const answer = await (await ctx.clientFor({ tenantId })).users.lookupByEmail({ email: user.email });
      const slackUser = answer.user;
      if (!slackUser?.id || slackUser.deleted || slackUser.is_email_confirmed !== true) continue;
      if (await ctx.services.linkByVerifiedEmail(tenantId, slackUser.id, user.email)) found.push({ externalUserId: slackUser.id });
    } catch {
      // Not in the workspace (users_not_found): reachable in the approver channel only.
    }
  }
  return [...linked, ...found];
}

async function refresh(ctx: SlackContext, tenantId: string, approvalId: string): Promise<void> {
  const workspace = await ctx.services.workspaceOfTenant(tenantId);
  if (!workspace) return;
  const facts = await loadApprovalFacts(ctx.schema, ctx.deps, tenantId, 'slack', approvalId);
  if (!facts || !(await ctx.services.claimNotice(tenantId, `approval:${approvalId}:${stateKey(facts)}`))) return;
  const message = approvalMessage(facts);
  const outcome = outcomeLine(facts);
  const client = await ctx.clientFor({ tenantId });
  for (const copy of await ctx.services.postedCopiesOf(tenantId, { type: 'approval', id: approvalId })) {
    try {
      await client.chat.update({ channel: copy.conversation, ts: copy.messageId, text: message.text, blocks: message.blocks as never });
      // People's words (justifications, cancel reasons) as typed: no formatting, no mentions.
      await client.chat.postMessage({ channel: copy.conversation, thread_ts: copy.messageId, text: escapeMrkdwn(outcome), mrkdwn: false });
    } catch (error) {
      ctx.logger.warn({ err: error, approvalId, channel: copy.conversation }, 'slack approval message not updated');
    }
  }
  if (facts.status !== 'PENDING') await tellRequester(ctx, tenantId, facts, workspace.externalId);
}

const STATUS_WORDS = {
  PENDING: 'status.pending',
  APPROVED: 'status.approved',
  DENIED: 'status.denied',
  CANCELLED: 'status.cancelled',
  EXPIRED: 'status.expired',
} as const satisfies Record<ApprovalFacts['status'], MessageKey>;

async function tellRequester(ctx: SlackContext, tenantId: string, facts: ApprovalFacts, teamId: string): Promise<void> {
  const [requester] = await reachableUsers(ctx, tenantId, [facts.requester.id]);
  if (!requester) return;
  // Their own DM: in their language when this instance heard it lately (nothing is asked of Slack for it).
  const locale = knownLocaleOf(ctx, teamId, requester.externalUserId);
  const text = say(locale, 'notice.yourRequest', {
    request: escapeMrkdwn(describeRequest(facts, locale)),
    status: say(locale, STATUS_WORDS[facts.status]),
    outcome: escapeMrkdwn(outcomeLine(facts, undefined, locale)),
  });
  try {
    await (await ctx.clientFor({ tenantId })).chat.postMessage({ channel: requester.externalUserId, text, mrkdwn: false });
  } catch (error) {
    ctx.logger.warn({ err: error, approvalId: facts.id }, 'slack message to the requester not sent');
  }
  // Access granted or extended: the way to more time comes with the news.
  await offerExtension(ctx, tenantId, facts, requester.externalUserId);
}
