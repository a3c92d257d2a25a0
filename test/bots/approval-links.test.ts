/**
 * Links from chat to where a request is decided outside chat: VIGIL_APPROVAL_URL (the web app of
 * the platform that uses Vigil), with the request's id. Vigil serves no approval page of its own,
 * so without it no message carries a link that would lead nowhere, and a request chat may not
 * decide says where it is decided instead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECIDE_ELSEWHERE } from '../../bot/shared/approval-facts.js';
import { approvalMessage } from '../../bot/slack/blocks.js';
import { approvalCard } from '../../bot/teams/cards.js';
import { ConfigError, loadConfig } from '../../server/config.js';
import { approvalFacts } from '../support/approval-facts.js';
import { buildApprovalsFixture, requestAccessAs, type ApprovalsFixture } from '../support/approvals-fixture.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

const facts = approvalFacts;
const DISABLED = { chatApproval: 'DISABLED', chatDecisionRefusal: 'The policy Prod does not allow deciding this request in chat' } as const;
/** Every link a message or card carries (a card's $schema is not one). */
const urlsIn = (value: unknown) =>
  (JSON.stringify(value).match(/https?:\/\/[^"|>\\]+/g) ?? []).filter((url) => !url.startsWith('http://adaptivecards.io/schemas/'));

describe('approval links in chat', () => {
  it('without VIGIL_APPROVAL_URL: no link at all, and a request chat may not decide says where it is decided', () => {
    for (const state of [{}, DISABLED]) {
      expect(urlsIn(approvalMessage(facts(state)))).toEqual([]);
      expect(urlsIn(approvalCard(facts(state)))).toEqual([]);
    }
    expect(JSON.stringify(approvalMessage(facts(DISABLED)))).toContain(`does not allow deciding this request in chat. ${DECIDE_ELSEWHERE}`);
    expect(JSON.stringify(approvalCard(facts(DISABLED)))).toContain(`does not allow deciding this request in chat. ${DECIDE_ELSEWHERE}`);
  });

  it('with it: every message links to the request there', () => {
    const url = 'https://console.example.test/approvals/01a24919-9c23-70ce-a038-05981261a96d';
    for (const state of [{ url }, { ...DISABLED, url }]) {
      expect(urlsIn(approvalMessage(facts(state)))).toEqual([url]);
      expect(urlsIn(approvalCard(facts(state)))).toEqual([url]);
    }
  });

  it('VIGIL_APPROVAL_URL must be an http(s) URL with {id} in it', () => {
    expect(loadConfig({ VIGIL_APPROVAL_URL: 'https://console.example.test/access/{id}/review' }).http.approvalUrlTemplate).toBe(
      'https://console.example.test/access/{id}/review',
    );
    for (const bad of ['https://console.example.test/approvals', 'console.example.test/{id}']) {
      let caught: unknown;
      try {
        loadConfig({ VIGIL_APPROVAL_URL: bad });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).problems[0]).toMatch(/^VIGIL_APPROVAL_URL: /);
    }
  });
});

describe('Approval.url', () => {
  let plain: TestVigil;
  let linked: TestVigil;
  let fixtures: [ApprovalsFixture, ApprovalsFixture];
  beforeAll(async () => {
    plain = await startTestVigil();
    linked = await startTestVigil({ env: { VIGIL_APPROVAL_URL: 'https://console.example.test/access/{id}/review' } });
    fixtures = [await buildApprovalsFixture(plain), await buildApprovalsFixture(linked)];
  });
  afterAll(async () => Promise.all([plain?.close(), linked?.close()]));

  it('is the configured page of the request, or null when none is configured', async () => {
    const [onPlain, onLinked] = await Promise.all([
      requestAccessAs(plain, fixtures[0].alice, { servers: ['web-01'], durationMinutes: 30, reason: 'deploy' }),
      requestAccessAs(linked, fixtures[1].alice, { servers: ['web-01'], durationMinutes: 30, reason: 'deploy' }),
    ]);
    const urlOf = async (t: TestVigil, token: string, id: string) => (await t.gql<any>(`{ approval(id: "${id}") { url } }`, token)).data!.approval.url;
    expect(await urlOf(plain, fixtures[0].alice.token, onPlain.data.requestAccess.id)).toBeNull();
    const id = onLinked.data.requestAccess.id;
    expect(await urlOf(linked, fixtures[1].alice.token, id)).toBe(`https://console.example.test/access/${id}/review`);
  });
});
