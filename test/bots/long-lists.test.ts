/**
 * A request for many servers: every message names as many as fit and says how many more there
 * are, never a bare ellipsis (a 40-server request once showed 26 and "…").
 */
import { describe, expect, it } from 'vitest';
import { describeRequest } from '../../bot/shared/approval-facts.js';
import { listWithin } from '../../bot/shared/clip.js';
import { approvalMessage } from '../../bot/slack/blocks.js';
import { approvalCard } from '../../bot/teams/cards.js';
import { approvalFacts } from '../support/approval-facts.js';

const names = (count: number, length = 60) =>
  Array.from({ length: count }, (_, index) => `srv-${String(index + 1).padStart(3, '0')}-${'x'.repeat(length - 8)}`);

describe('long lists', () => {
  it('name what fits and count the rest', () => {
    expect(listWithin(['a', 'b', 'c'], 100)).toBe('a, b, c');
    expect(listWithin(['alpha', 'beta', 'gamma', 'delta'], 24)).toBe('alpha, beta, and 2 more');
    expect(listWithin(['x'.repeat(50), 'b'], 20)).toBe(`${'x'.repeat(7)}…, and 1 more`);
    expect(listWithin([], 10)).toBe('');
  });

  it('a 40-server request says how many servers it leaves out, in Slack, Teams and every sentence naming it', () => {
    const servers = names(40, 200).map((name) => ({ name, labels: [{ key: 'env', value: 'prod' }] }));
    const facts = approvalFacts({ sudoScope: '*', servers });
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
