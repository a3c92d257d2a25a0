/**
 * Every message and card the bots render, fed the most hostile text the API lets through (issue
 * 29): mentions and links that would ping a channel or lead elsewhere, and values at the API's
 * length limits (2,000-character reasons, 4,000-character commands, 500 servers of 253
 * characters). Slack text must carry no live `<…>` of the user's (only Vigil's own date tokens),
 * and every block must be within Slack's limits; Teams cards within Teams' message size.
 */
import { describe, expect, it } from 'vitest';
import type { ApprovalFacts } from '../../bot/shared/approval-facts.js';
import type { ListRow } from '../../bot/shared/audit-lists.js';
import { alertMessage } from '../../bot/slack/alert-actions.js';
import { approvalMessage, decisionModal, line, listMessage, type SlackMessage } from '../../bot/slack/blocks.js';
import { alertCard, approvalCard, approvalSummary, lineCard, listCard } from '../../bot/teams/cards.js';

const HOSTILE = '<!channel> <!here> <@U0ADMIN> re-approve at <https://evil.example/login|Vigil> & *bold* _it_ ~x~ `code`';
const atMost = (text: string, length: number) => text.repeat(Math.ceil(length / text.length)).slice(0, length);
const serverName = (index: number) => atMost(`srv-${index}-${HOSTILE}`, 253);

function hostileFacts(overrides: Partial<ApprovalFacts> = {}): ApprovalFacts {
  return {
    id: '01a24919-9c23-70ce-a038-05981261a96d',
    kind: 'ACCESS',
    status: 'PENDING',
    reason: atMost(HOSTILE, 2000),
    command: null,
    isPattern: false,
    sudoScope: '*',
    durationMinutes: 120,
    requestedAt: '2026-12-06T09:00:00.000Z',
    decideBy: '2026-12-06T10:00:00.000Z',
    policyName: atMost(HOSTILE, 200),
    requiredApprovals: 2,
    approvalsReceived: 1,
    approvalsStillNeeded: 1,
    chatApproval: 'STEP_UP',
    chatMaxDurationMinutes: null,
    chatDecisionRefusal: null,
    isApprovalJustificationRequired: true,
    cancelReason: atMost(HOSTILE, 2000),
    url: 'https://vigil.example/approvals/1',
    requester: { id: 'u1', email: 'alice+<!channel>@example.test', name: HOSTILE },
    servers: Array.from({ length: 500 }, (_, index) => ({ name: serverName(index), labels: [{ key: 'env', value: atMost(HOSTILE, 63) }] })),
    decisions: [
      {
        decision: 'APPROVE',
        justification: atMost(HOSTILE, 2000),
        channel: 'SLACK',
        decidedAt: '2026-12-06T09:30:00.000Z',
        approver: { email: 'bob@example.test' },
      },
    ],
    closedBy: null,
    ...overrides,
  };
}

const SUDO_REQUEST = {
  kind: 'SUDO' as const,
  sudoScope: atMost(HOSTILE, 4000),
  command: atMost(HOSTILE, 4000),
  isPattern: true,
  servers: [{ name: serverName(1), labels: [] }],
};
const STATES: Partial<ApprovalFacts>[] = [
  {},
  { status: 'DENIED' },
  { status: 'CANCELLED' },
  { status: 'EXPIRED' },
  { chatDecisionRefusal: atMost(HOSTILE, 300) },
  SUDO_REQUEST,
];
const ROWS: ListRow[] = Array.from({ length: 10 }, (_, index) => ({
  title: atMost(`${index} ${HOSTILE}`, 4000),
  facts: [atMost(HOSTILE, 300), atMost(HOSTILE, 2000)],
  link: { label: 'Recording', url: `https://vigil.example/recordings/${index}` },
}));

// ---------------------------------------------------------------------------------------------
// Slack: Block Kit limits (api.slack.com/reference/block-kit) and mrkdwn escaping.
// ---------------------------------------------------------------------------------------------

/** Every mrkdwn text of a Slack message or view, with what it is, and every limit broken. */
function inspectSlack(blocks: any[], fallback?: string): { mrkdwn: string[]; broken: string[] } {
  const mrkdwn: string[] = [];
  const broken: string[] = [];
  const limit = (what: string, text: string | undefined, max: number) => {
    if (text !== undefined && text.length > max) broken.push(`${what}: ${text.length} > ${max}`);
  };
  if (blocks.length > 50) broken.push(`${blocks.length} blocks > 50`);
  if (fallback !== undefined) {
    mrkdwn.push(fallback);
    limit('text', fallback, 4000);
  }
  const textObject = (what: string, object: { type: string; text: string } | undefined, max: number) => {
    if (!object) return;
    if (object.type === 'mrkdwn') mrkdwn.push(object.text);
    limit(what, object.text, max);
  };
  for (const block of blocks) {
    if (block.type === 'header') textObject('header', block.text, 150);
    if (block.type === 'section') {
      textObject('section', block.text, 3000);
      if ((block.fields ?? []).length > 10) broken.push(`${block.fields.length} fields > 10`);
      for (const field of block.fields ?? []) textObject('field', field, 2000);
      if (block.accessory?.type === 'button') textObject('button', block.accessory.text, 75);
    }
    if (block.type === 'context') {
      if (block.elements.length > 10) broken.push('context > 10 elements');
      for (const element of block.elements) textObject('context', element, 3000);
    }
    if (block.type === 'actions') {
      for (const element of block.elements) {
        textObject('button', element.text, 75);
        limit('button value', element.value, 2000);
      }
    }
    if (block.type === 'input') textObject('input label', block.label, 2000);
  }
  return { mrkdwn, broken };
}

/** What is left of `text` once Vigil's own date tokens and links to itself are set aside: no `<` may remain. */
const userAngles = (text: string) =>
  text
    .replace(/<!date\^\d+\^[^|>]*\|[^>]*>/g, '')
    .replace(/<https:\/\/vigil\.example\/approvals\/1\|Decide in Vigil>/g, '')
    .match(/[<>]/g) ?? [];

function expectSafeSlack(message: { blocks: any[]; fallback?: string }): void {
  const { mrkdwn, broken } = inspectSlack(message.blocks, message.fallback);
  expect(broken).toEqual([]);
  for (const text of mrkdwn) expect(userAngles(text), text.slice(0, 200)).toEqual([]);
}

describe('Slack messages with hostile text at the API limits', () => {
  it('approval messages in every state: no live mention or link, every block within its limit', () => {
    for (const state of STATES) {
      const message: SlackMessage = approvalMessage(hostileFacts(state));
      expectSafeSlack({ blocks: message.blocks, fallback: message.text });
    }
  });

  it('the reason is shown as typed (plain text), so its *bold* _it_ ~x~ is not formatting', () => {
    const facts = hostileFacts({ reason: 'restart *now* _please_ ~x~' });
    const blocks = approvalMessage(facts).blocks as any[];
    const holding = blocks.filter((block) => JSON.stringify(block).includes('restart *now*'));
    expect(holding).toEqual([{ type: 'section', text: { type: 'plain_text', text: 'restart *now* _please_ ~x~', emoji: false } }]);
  });

  it('list rows are shown as typed: a `*` pattern or `_` in a command line formats nothing', () => {
    const rows = [{ title: 'systemctl restart *', facts: ['SUCCESS', 'web_01'] }];
    const blocks = listMessage('Your commands', rows, null).blocks as any[];
    expect(blocks.slice(1)).toEqual([
      { type: 'section', text: { type: 'plain_text', text: 'systemctl restart *', emoji: false } },
      { type: 'context', elements: [{ type: 'plain_text', text: 'SUCCESS  ·  web_01', emoji: false }] },
    ]);
  });

  it('the decision modal, approving and denying', () => {
    for (const decision of ['approve', 'deny'] as const) {
      const view = decisionModal(hostileFacts(), { approvalId: '1', decision }) as { title: { text: string }; blocks: any[] };
      expect(view.title.text.length).toBeLessThanOrEqual(24);
      expectSafeSlack({ blocks: view.blocks });
    }
  });

  it('alert messages in every state: an agent’s words (a failed command line) neither mention nor link, and fit', () => {
    for (const state of ['fired', 'acknowledged', 'resolved'] as const) {
      const message = alertMessage({
        subject: `Command failed: ${atMost(HOSTILE, 4000)}`,
        message: atMost(HOSTILE, 20_000),
        severity: 'high',
        source: 'Vigil',
        alertId: '1',
        state,
        outcome: state === 'fired' ? null : 'resolved by bob@example.test',
      });
      expectSafeSlack({ blocks: message.attachments[0]!.blocks as any[], fallback: message.text });
    }
  });

  it('list answers and one-line answers', () => {
    const list = listMessage(atMost(HOSTILE, 500), ROWS, JSON.stringify({ after: 'x'.repeat(100) }));
    expectSafeSlack({ blocks: list.blocks, fallback: list.text });
    expectSafeSlack({ blocks: line(atMost(HOSTILE, 5000).replace(/[<>&]/g, '')).blocks });
  });
});

// ---------------------------------------------------------------------------------------------
// Teams: a message carries at most about 28 KB (learn.microsoft.com, "Format your bot messages").
// ---------------------------------------------------------------------------------------------

const TEAMS_MAX_BYTES = 28_000;
const bytes = (card: unknown) => Buffer.byteLength(JSON.stringify(card));

/** Every TextBlock text and FactSet value of a card: the places Teams reads as markdown. */
function markdownTexts(node: any, out: string[] = []): string[] {
  if (!node || typeof node !== 'object') return out;
  if (Array.isArray(node)) {
    for (const item of node) markdownTexts(item, out);
    return out;
  }
  if (node.type === 'TextBlock') out.push(String(node.text));
  if (node.type === 'FactSet') for (const fact of node.facts) out.push(String(fact.value));
  for (const key of ['body', 'items', 'columns']) if (key in node) markdownTexts(node[key], out);
  return out;
}

describe('Teams cards with hostile text at the API limits', () => {
  it('people’s and agents’ words (reasons, justifications, cancel reasons, list rows, alerts) are never read as markdown', () => {
    const link = 'see [Vigil](https://evil.example/login) **now**';
    const facts = hostileFacts({
      reason: link,
      cancelReason: link,
      servers: [{ name: 'web-01', labels: [] }],
      requester: { id: 'u1', email: 'alice@example.test', name: 'Alice' },
    });
    const cards = [
      ...(['PENDING', 'APPROVED', 'CANCELLED'] as const).map((status) =>
        approvalCard({ ...facts, status, decisions: [{ ...facts.decisions[0]!, justification: link }], policyName: 'SRE' }),
      ),
      listCard('Your commands', [{ title: link, facts: [link] }], null),
      ...(['fired', 'acknowledged', 'resolved'] as const).map((state) =>
        alertCard({ subject: link, message: link, severity: 'high', source: 'Vigil', alertId: '1', state, outcome: state === 'fired' ? null : link }),
      ),
    ];
    for (const card of cards) {
      expect(JSON.stringify(card)).toContain('evil.example'); // shown, as typed …
      for (const text of markdownTexts((card as any).body)) expect(text).not.toContain('evil.example'); // … but never as markdown
    }
  });

  it('approval cards in every state, their summaries, lists, lines and alerts fit a Teams message', () => {
    for (const state of STATES) {
      const facts = hostileFacts(state);
      expect(bytes(approvalCard(facts))).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
      expect(approvalSummary(facts).length).toBeLessThanOrEqual(1000);
    }
    expect(bytes(listCard(atMost(HOSTILE, 500), ROWS, 'x'.repeat(100)))).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
    expect(bytes(lineCard(atMost(HOSTILE, 20_000)))).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
    for (const state of ['fired', 'acknowledged'] as const) {
      const alert = {
        subject: atMost(HOSTILE, 20_000),
        message: atMost(HOSTILE, 20_000),
        severity: 'critical',
        source: atMost(HOSTILE, 500),
        alertId: '1',
        state,
        outcome: null,
      } as const;
      expect(bytes(alertCard(alert))).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
    }
  });
});
