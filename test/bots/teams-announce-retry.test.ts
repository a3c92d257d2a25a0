/**
 * The Teams side of announcing a request later (slack-announce-retry.test.ts is Slack's): the Bot
 * Connector refuses the card for the approver channel, nothing shows the request, and a
 * minute on the bot's sweep sends it there once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { advance, buildApprovalsFixture, chatCopiesOf, createSreProdPolicy, requestAccessAs, type ApprovalsFixture } from '../support/approvals-fixture.js';
import { bindTeamsTenant } from '../support/chat-binding.js';
import { startFakeTeams, type FakeTeams } from '../support/fake-teams.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

const AAD_TENANT = 'aad-tenant-announce';
const APPROVERS = '19:approvers@thread.tacv2';

let teams: FakeTeams;
let t: TestVigil;
let f: ApprovalsFixture;

beforeAll(async () => {
  teams = await startFakeTeams();
  t = await startTestVigil({ env: { TEAMS_BOT_ENABLED: 'true', TEAMS_SERVICE_URL: teams.serviceUrl, VIGIL_WEBHOOK_POLL_MS: '100' } });
  f = await buildApprovalsFixture(t);
  await bindTeamsTenant(t, teams, t.vigil.baseUrl, AAD_TENANT, APPROVERS);
  await createSreProdPolicy(t);
});
afterAll(async () => {
  await t?.close();
  await teams?.close();
});

const cardsTo = (conversation: string) => teams.sent(conversation);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('sends the card of a request the Bot Connector refused a minute later, once', async () => {
  // Refused outright (a 5xx the connector client would retry by itself).
  teams.failNext(1, 403);
  const response = await requestAccessAs(t, f.alice, { servers: ['web-01'] });
  expect(response.errors).toBeUndefined();
  const id = response.data!.requestAccess.id as string;
  await teams.waitFor(() => cardsTo(APPROVERS).length >= 1, 10_000);
  await pause(300);
  const copies = () => chatCopiesOf(t, id);
  expect(await copies()).toEqual([]);
  expect(cardsTo(APPROVERS)).toHaveLength(1);

  advance(t, 2);
  await teams.waitFor(() => cardsTo(APPROVERS).length >= 2, 10_000);
  expect(JSON.stringify(cardsTo(APPROVERS)[1]!.body)).toContain('web-01');
  await expect.poll(copies).toEqual([APPROVERS]);
  await pause(300);
  advance(t, 10);
  await pause(300);
  expect(cardsTo(APPROVERS)).toHaveLength(2);
});
