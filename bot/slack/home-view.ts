/**
 * The Slack App Home view (Block Kit, type `home`) of a chat user: what home-facts.ts read as them,
 * with the same Approve / Deny buttons as a request message (same action ids: the same handler
 * and checks decide), Cancel on their own open requests, and the answer to their last click on it.
 * People's words (reasons, command lines) are shown as typed: plain text, or escaped mrkdwn.
 */
import { chatDecisionBlocked, describeRequest, outcomeLine, requestTitle, DECIDE_ELSEWHERE, type ApprovalFacts } from '../shared/approval-facts.js';
import { clip } from '../shared/clip.js';
import type { HomeFacts } from '../shared/home-facts.js';
import { ACTIONS, escapeMrkdwn, slackDate } from './blocks.js';

type Block = Record<string, unknown>;

export const HOME_CALLBACK = 'vigil_home';
export const HOME_ACTIONS = { cancel: 'approval_cancel' } as const;

/** Slack's ceiling on a home view's blocks. */
const MAX_BLOCKS = 100;

const mrkdwn = (text: string, max = 2900): Block => ({ type: 'section', text: { type: 'mrkdwn', text: clip(text, max) } });
const header = (text: string): Block => ({ type: 'header', text: { type: 'plain_text', text: clip(text, 150) } });
const context = (text: string): Block => ({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(text, 2900) }] });
const plainContext = (text: string): Block => ({ type: 'context', elements: [{ type: 'plain_text', text: clip(text, 2000), emoji: false }] });
const DIVIDER: Block = { type: 'divider' };

function homeView(blocks: Block[]): Record<string, unknown> {
  return { type: 'home', callback_id: HOME_CALLBACK, blocks: blocks.slice(0, MAX_BLOCKS) };
}

/** A home that only says something: the workspace is not connected, the person is not linked. */
export function messageHomeView(text: string, notice?: string | null): Record<string, unknown> {
  return homeView([header('Vigil'), ...(notice ? [noticeBlock(notice)] : []), mrkdwn(text)]);
}

function noticeBlock(notice: string): Block {
  return mrkdwn(`:speech_balloon: ${escapeMrkdwn(notice)}`);
}

const approvalsWord = (facts: ApprovalFacts) => `${facts.approvalsReceived} of ${facts.requiredApprovals} approvals`;
const what = (facts: ApprovalFacts) =>
  `${escapeMrkdwn(describeRequest(facts))}${facts.kind === 'ACCESS' && facts.durationMinutes ? `, for ${facts.durationMinutes} minutes` : ''}`;

/** A request waiting for the viewer's decision: the facts, the requester's reason as typed, and the buttons (or why chat may not decide it). */
function toReviewBlocks(facts: ApprovalFacts): Block[] {
  const blocks: Block[] = [
    mrkdwn(
      `*${requestTitle(facts)}* from ${escapeMrkdwn(facts.requester.email)}: ${what(facts)}\n` +
        `${approvalsWord(facts)} · ${escapeMrkdwn(facts.policyName ?? 'default rules')} · decide by ${slackDate(facts.decideBy)}`,
    ),
    plainContext(`Reason: ${facts.reason}`),
  ];
  const blocked = chatDecisionBlocked(facts);
  if (blocked) {
    blocks.push(context(`${escapeMrkdwn(blocked)} ${facts.url ? `<${facts.url}|Decide in Vigil>` : DECIDE_ELSEWHERE}`));
    return blocks;
  }
  blocks.push({
    type: 'actions',
    block_id: `home:approval:${facts.id}`,
    elements: [
      { type: 'button', style: 'primary', text: { type: 'plain_text', text: 'Approve' }, action_id: ACTIONS.approve, value: facts.id },
      { type: 'button', style: 'danger', text: { type: 'plain_text', text: 'Deny' }, action_id: ACTIONS.deny, value: facts.id },
      ...(facts.url ? [{ type: 'button', text: { type: 'plain_text', text: 'Open in Vigil' }, action_id: ACTIONS.openInVigil, url: facts.url }] : []),
    ],
  });
  return blocks;
}

/** One of the viewer's own pending requests, with Cancel (confirmed first: cancelling cannot be undone). */
function openRequestBlock(facts: ApprovalFacts): Block {
  return {
    ...mrkdwn(`*${requestTitle(facts)}*: ${what(facts)}\n${escapeMrkdwn(outcomeLine(facts))} · decide by ${slackDate(facts.decideBy)}`),
    accessory: {
      type: 'button',
      text: { type: 'plain_text', text: 'Cancel' },
      action_id: HOME_ACTIONS.cancel,
      value: facts.id,
      confirm: {
        title: { type: 'plain_text', text: 'Cancel this request?' },
        text: {
          type: 'plain_text',
          text: clip(`Withdraw your request for ${describeRequest(facts).replace(/`/g, '')}? Approvers can no longer decide it.`, 300),
        },
        confirm: { type: 'plain_text', text: 'Cancel request' },
        deny: { type: 'plain_text', text: 'Keep it' },
      },
    },
  };
}

const listOf = (servers: readonly { name: string }[]) => escapeMrkdwn(servers.map((server) => server.name).join(', '));

/** A section: its title, its rows (or a line saying there are none), and where to see more. */
function section(title: string, rows: Block[], empty: string, more: string | null): Block[] {
  return [header(title), ...(rows.length ? rows : [context(empty)]), ...(more ? [context(more)] : [])];
}

export function homeFactsView(facts: HomeFacts, now: Date, notice: string | null): Record<string, unknown> {
  const blocks: Block[] = [header('Vigil')];
  if (notice) blocks.push(noticeBlock(notice));
  blocks.push(context(`You are ${escapeMrkdwn(facts.me.email)} in Vigil · as of ${slackDate(now.toISOString())}`));
  if (facts.toReview) {
    blocks.push(
      DIVIDER,
      ...section(
        'Waiting for your decision',
        facts.toReview.nodes.flatMap(toReviewBlocks),
        '_Nothing waits for your decision._',
        facts.toReview.pageInfo.hasNextPage ? 'More wait for you: `/audit approvals --status pending`' : null,
      ),
    );
  }
  blocks.push(
    DIVIDER,
    ...section(
      'Your open requests',
      facts.openRequests.nodes.map(openRequestBlock),
      '_None: ask with `/access` or `/sudo`._',
      facts.openRequests.pageInfo.hasNextPage ? 'More: `/audit approvals --status pending`' : null,
    ),
    ...section(
      'Your access',
      facts.access.nodes.map((session) =>
        mrkdwn(
          `*${listOf(session.servers)}*${session.isSudoAllowed ? ' (with sudo)' : ''}\n` +
            (session.status === 'ACTIVE'
              ? `Active${session.expiresAt ? ` until ${slackDate(session.expiresAt)}` : ''}`
              : `Approved, starts ${session.startsAt ? slackDate(session.startsAt) : 'when first used'}${session.expiresAt ? `, until ${slackDate(session.expiresAt)}` : ''}`),
        ),
      ),
      '_No access in force._',
      facts.access.pageInfo.hasNextPage ? 'More in Vigil.' : null,
    ),
    ...section(
      'Your sudo grants',
      facts.sudo.nodes.map((grant) =>
        mrkdwn(
          `\`${escapeMrkdwn(grant.command)}\`${grant.isPattern ? ' (pattern)' : ''} on ${escapeMrkdwn(grant.server.name)}` +
            (grant.expiresAt ? ` · until ${slackDate(grant.expiresAt)}` : ''),
        ),
      ),
      '_No sudo grant in force._',
      facts.sudo.pageInfo.hasNextPage ? 'More: `/audit my-sudo --status active`' : null,
    ),
    ...section(
      'Your recent commands',
      facts.commands.nodes.flatMap((command) => [
        { type: 'section', text: { type: 'plain_text', text: clip(command.line, 300), emoji: false } },
        context(
          `${command.status} · ${escapeMrkdwn(command.server.name)} · ${slackDate(command.submittedAt)}${command.exitCode != null ? ` · exit ${command.exitCode}` : ''}`,
        ),
      ]),
      '_No commands recorded._',
      facts.commands.pageInfo.hasNextPage ? 'More: `/audit my-commands`' : null,
    ),
  );
  return homeView(blocks);
}
