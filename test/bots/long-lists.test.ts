/**
 * A request for many servers: every message names as many as fit and says how many more there
 * are, never a bare ellipsis (a 40-server request once showed 26 and "…").
 */
import { describe, expect, it } from 'vitest';
import { describeRequest, type ApprovalFacts } from '../../bot/shared/approval-facts.js';
import { listWithin } from '../../bot/shared/clip.js';
import { approvalMessage } from '../../bot/slack/blocks.js';
import { approvalCard } from '../../bot/teams/cards.js';

const names = (count: number, length = 60) => Array.from({ length: count }, (_, index) => `srv-${String(index + 1).padStart(3, '0')}-${'x'.repeat(length - 8)}`);

describe('long lists', () => {
  it('name what fits and count the rest', () => {
    expect(listWithin(['a', 'b', 'c'], 100)).toBe('a, b, c');
    expect(listWithin(['alpha', 'beta', 'gamma', 'delta'], 24)).toBe('alpha, beta, and 2 more');
    expect(listWithin(['x'.repeat(50), 'b'], 20)).toBe(`${'x'.repeat(7)}…, and 1 more`);
    expect(listWithin([], 10)).toBe('');
  });

  it('a 40-server request says how many servers it leaves out, in Slack, Teams and every sentence naming it', () => {
    const servers = names(40, 200).map((name) => ({ name, labels: [{ key: 'env', value: 'prod' }] }));
    const facts: ApprovalFacts = {
      id: '01a24919-9c23-70ce-a038-05981261a96d',
      kind: 'ACCESS',
      status: 'PENDING',
      reason: 'migrate the fleet',
      command: null,
      isPattern: false,
      sudoScope: '*',
      durationMinutes: 60,
      requestedAt: '2026-12-06T09:00:00.000Z',
      decideBy: '2026-12-06T10:00:00.000Z',
      policyName: 'Prod',
      requiredApprovals: 1,
      approvalsReceived: 0,
      approvalsStillNeeded: 1,
      chatApproval: 'ALLOWED',
      chatMaxDurationMinutes: null,
      chatDecisionRefusal: null,
      isApprovalJustificationRequired: false,
      cancelReason: null,
      url: null,
      requester: { id: 'u1', email: 'alice@example.test', name: 'Alice' },
      servers,
      decisions: [],
      closedBy: null,
    };
    const counted = (text: string) => {
      const shown = names(40, 200).filter((name) => text.includes(name)).length;
      const more = Number(/and (\d+) more/.exec(text)?.[1] ?? 0);
      return { shown, more, total: shown + more };
    };
    const slack = JSON.stringify(approvalMessage(facts));
    const serversField = /\*Servers\*\\n([^"]*)/.exec(slack)![1]!;
    const card = approvalCard(facts) as { body: { type: string; facts?: { title: string; value: string }[] }[] };
    const serversFact = card.body.find((element) => element.type === 'FactSet')!.facts!.find((fact) => fact.title === 'Servers')!.value;
    for (const text of [serversField, serversFact, describeRequest(facts)]) {
      const { shown, more, total } = counted(text);
      expect(shown).toBeGreaterThan(0);
      expect(more, text.slice(0, 300)).toBeGreaterThan(0);
      expect(total).toBe(40);
    }
  });
});
