/**
 * Block Kit for everything the Slack bot says: lists (compact rows, a "more" button), request
 * messages (facts, Approve / Deny, the outcome once decided), the decision modal and alerts.
 */
import type { ListRow, RowFact } from '../shared/audit-lists.js';
import { accessSudoWords, chatDecisionBlocked, describeRequest, outcomeLine, requestTitle, type ApprovalFacts } from '../shared/approval-facts.js';
import { clip as clipTo, listWithin } from '../shared/clip.js';
import { DEFAULT_LOCALE, say, type Locale } from '../shared/messages/catalogue.js';

type Block = Record<string, unknown>;

export interface SlackMessage {
  readonly text: string;
  readonly blocks: Block[];
  readonly attachments?: Record<string, unknown>[];
}

const MAX_TEXT = 2900;
const clip = (text: string, max = MAX_TEXT) => clipTo(text, max);
// Slack mrkdwn: &, < and > are control characters in text.
export const escapeMrkdwn = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A time each reader sees in their own time zone (Slack's date token), with the UTC time as fallback. */
export const slackDate = (iso: string) => `<!date^${Math.floor(Date.parse(iso) / 1000)}^{date_short_pretty} {time}|${iso}>`;

export const ACTIONS = {
  more: 'audit_more',
  approve: 'approval_approve',
  deny: 'approval_deny',
  openInVigil: 'approval_open',
  acknowledge: 'alert_acknowledge',
  resolve: 'alert_resolve',
} as const;
export const DECISION_VIEW = 'approval_decision';

/** A one-line answer (errors, confirmations). */
export function line(text: string): SlackMessage {
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: clip(text) } }] };
}

/**
 * A row's facts as a context line: recorded text as typed (plain text), times as Slack's date
 * token, which each reader sees in their own time zone.
 */
function factElements(facts: readonly RowFact[]): Block[] {
  const elements: Block[] = [];
  let words: string[] = [];
  const lead = () => (elements.length ? '·  ' : '');
  const flush = () => {
    if (words.length) elements.push({ type: 'plain_text', text: clip(`${lead()}${words.join('  ·  ')}`, 1000), emoji: false });
    words = [];
  };
  for (const fact of facts) {
    if (typeof fact === 'string') {
      words.push(fact);
      continue;
    }
    flush();
    elements.push({ type: 'mrkdwn', text: `${lead()}${fact.prefix ? `${escapeMrkdwn(fact.prefix)} ` : ''}${slackDate(fact.at)}` });
  }
  flush();
  return elements;
}

export function listMessage(heading: string, rows: readonly ListRow[], moreValue: string | null, locale: Locale = DEFAULT_LOCALE): SlackMessage {
  const blocks: Block[] = [{ type: 'header', text: { type: 'plain_text', text: clip(heading, 150) } }];
  if (rows.length === 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `_${say(locale, 'list.nothingMatches')}_` } });
  // Rows are recorded text (command lines, patterns, reasons): plain text, shown as typed, so a
  // `*` or `_` in them formats nothing. The title, then its facts in a context line.
  for (const [index, row] of rows.entries()) {
    const section: Block = { type: 'section', text: { type: 'plain_text', text: clip(row.title, 300), emoji: false } };
    if (row.link) section.accessory = { type: 'button', text: { type: 'plain_text', text: row.link.label }, url: row.link.url, action_id: `open_${index}` };
    const elements = factElements(row.facts);
    blocks.push(section, ...(elements.length ? [{ type: 'context', elements }] : []));
  }
  if (moreValue)
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: say(locale, 'list.more') }, action_id: ACTIONS.more, value: moreValue }],
    });
  return { text: clip(say(locale, moreValue ? 'list.shownMore' : 'list.shown', { heading: escapeMrkdwn(heading), count: rows.length })), blocks };
}

const STATUS_MARK: Record<ApprovalFacts['status'], string> = { PENDING: '⏳', APPROVED: '✅', DENIED: '⛔', CANCELLED: '↩️', EXPIRED: '⌛' };

/**
 * A request as approvers see it: the facts, then buttons while chat may decide, else the outcome.
 * In English where everyone reads it (a channel); in the reader's language in their own Home or DM.
 */
export function approvalMessage(facts: ApprovalFacts, locale: Locale = DEFAULT_LOCALE): SlackMessage {
  const servers = listWithin(
    facts.servers.map(
      (server) =>
        `${escapeMrkdwn(server.name)}${server.labels.length ? ` (${escapeMrkdwn(server.labels.map((label) => `${label.key}=${label.value}`).join(', '))})` : ''}`,
    ),
    1800,
    '\n',
  );
  const field = (label: string, value: string) => `*${label}*\n${value}`;
  const counts = { received: facts.approvalsReceived, required: facts.requiredApprovals };
  const fields = [
    field(say(locale, 'approval.requester'), escapeMrkdwn(facts.requester.email)),
    field(say(locale, 'approval.servers'), servers),
    facts.kind === 'SUDO'
      ? field(say(locale, 'approval.command'), `\`${escapeMrkdwn(facts.command ?? '')}\`${facts.isPattern ? ` ${say(locale, 'approval.pattern')}` : ''}`)
      : facts.kind === 'EXTENSION'
        ? field(
            say(locale, 'approval.extension'),
            `${say(locale, 'approval.moreMinutes', { minutes: String(facts.durationMinutes) })}${facts.sessionExpiresAt ? `\n${say(locale, 'approval.sessionEnds', { at: slackDate(facts.sessionExpiresAt) })}` : ''}`,
          )
        : field(say(locale, 'approval.duration'), say(locale, 'approval.minutes', { minutes: String(facts.durationMinutes) })),
    field(
      say(locale, 'approval.approvals'),
      facts.status === 'PENDING'
        ? say(locale, 'approval.stillNeeded', { ...counts, needed: facts.approvalsStillNeeded })
        : say(locale, 'approval.received', counts),
    ),
    field(say(locale, 'approval.policy'), escapeMrkdwn(facts.policyName ?? say(locale, 'approval.defaultRules'))),
    field(say(locale, 'approval.decideBy'), slackDate(facts.decideBy)),
  ].map((text) => ({ type: 'mrkdwn', text: clip(text, 1900) }));
  const blocks: Block[] = [{ type: 'header', text: { type: 'plain_text', text: `${STATUS_MARK[facts.status]} ${requestTitle(facts, locale)}` } }];
  // An extension of a session with sudo keeps its sudo longer: approvers are told so as plainly.
  if (facts.kind !== 'SUDO' && facts.sudoScope) {
    const on = listWithin(
      facts.servers.map((server) => escapeMrkdwn(server.name)),
      2400,
    );
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: clip(
          say(locale, facts.kind === 'EXTENSION' ? 'approval.extendsSudo' : 'approval.grantsSudo', {
            sudo: escapeMrkdwn(accessSudoWords(facts.sudoScope, locale)),
            servers: on,
          }),
        ),
      },
    });
  }
  blocks.push(
    { type: 'section', fields },
    // The requester's own words, shown as typed: plain text, so `*bold*` or `_it_` is not formatting.
    { type: 'context', elements: [{ type: 'mrkdwn', text: `*${say(locale, 'approval.reason')}*` }] },
    { type: 'section', text: { type: 'plain_text', text: clip(facts.reason), emoji: false } },
  );
  const blocked = chatDecisionBlocked(facts);
  if (facts.status === 'PENDING' && !blocked) {
    blocks.push({
      type: 'actions',
      block_id: `approval:${facts.id}`,
      elements: [
        { type: 'button', style: 'primary', text: { type: 'plain_text', text: say(locale, 'approval.approve') }, action_id: ACTIONS.approve, value: facts.id },
        { type: 'button', style: 'danger', text: { type: 'plain_text', text: say(locale, 'approval.deny') }, action_id: ACTIONS.deny, value: facts.id },
        // Only where the deployment says requests are decided: never a link that leads nowhere.
        ...(facts.url
          ? [{ type: 'button', text: { type: 'plain_text', text: say(locale, 'approval.openInVigil') }, action_id: ACTIONS.openInVigil, url: facts.url }]
          : []),
      ],
    });
    if (facts.chatApproval === 'STEP_UP') blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: say(locale, 'approval.stepUpHint') }] });
  } else if (facts.status === 'PENDING') {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `${escapeMrkdwn(blocked!)} ${facts.url ? `<${facts.url}|${say(locale, 'approval.decideInVigil')}>` : say(locale, 'outcome.decideElsewhere')}`,
      },
    });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(outcomeLine(facts, { words: escapeMrkdwn, at: slackDate }, locale)) }] });
  return {
    text: clip(
      say(locale, 'approval.summary', {
        title: requestTitle(facts, locale),
        requester: escapeMrkdwn(facts.requester.email),
        request: escapeMrkdwn(describeRequest(facts, locale)),
        status: facts.status.toLowerCase(),
      }),
    ),
    blocks,
  };
}

export interface DecisionModalState {
  readonly approvalId: string;
  readonly decision: 'approve' | 'deny';
  /** Clicked on the App Home, where the answer is shown (a click there has no response_url). */
  readonly fromHome?: boolean;
}

/** The modal asking for a justification and/or the authenticator code. */
export function decisionModal(facts: ApprovalFacts, state: DecisionModalState, locale: Locale = DEFAULT_LOCALE): Record<string, unknown> {
  const isDeny = state.decision === 'deny';
  const blocks: Block[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: clip(
          say(locale, isDeny ? 'modal.denyQuestion' : 'modal.approveQuestion', {
            request: escapeMrkdwn(describeRequest(facts, locale)),
            requester: escapeMrkdwn(facts.requester.email),
          }),
        ),
      },
    },
  ];
  if (isDeny || facts.isApprovalJustificationRequired) {
    blocks.push({
      type: 'input',
      block_id: 'justification',
      label: { type: 'plain_text', text: say(locale, 'modal.justification') },
      element: { type: 'plain_text_input', action_id: 'value', multiline: true, max_length: 2000 },
    });
  }
  if (facts.chatApproval === 'STEP_UP') {
    blocks.push({
      type: 'input',
      block_id: 'totp',
      label: { type: 'plain_text', text: say(locale, 'modal.code') },
      hint: { type: 'plain_text', text: say(locale, 'modal.codeHint') },
      element: { type: 'plain_text_input', action_id: 'value', min_length: 6, max_length: 7 },
    });
  }
  return {
    type: 'modal',
    callback_id: DECISION_VIEW,
    private_metadata: JSON.stringify(state),
    title: { type: 'plain_text', text: say(locale, isDeny ? 'modal.denyTitle' : 'modal.approveTitle') },
    submit: { type: 'plain_text', text: say(locale, isDeny ? 'approval.deny' : 'approval.approve') },
    close: { type: 'plain_text', text: say(locale, 'modal.cancel') },
    blocks,
  };
}

/** Whether a click must go through the modal (a justification or a code is needed). */
export function needsModal(facts: ApprovalFacts, decision: 'approve' | 'deny'): boolean {
  return decision === 'deny' || facts.isApprovalJustificationRequired || facts.chatApproval === 'STEP_UP';
}
