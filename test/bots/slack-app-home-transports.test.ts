/**
 * The App Home where more than one thing could go wrong at once: two instances on one PostgreSQL
 * database, both running the Slack bot and both hearing every change, publish a home once per
 * change, whichever instance the person opened it through; and over Socket Mode the home opens
 * and decides as it does over HTTP (the Events API and the click arrive as envelopes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVAL, buildApprovalsFixture, createPolicy, requestAccessAs, type ApprovalsFixture } from '../support/approvals-fixture.js';
import { bindSlackWorkspace } from '../support/chat-binding.js';
import { appHomeOpened, homeButtonClick, startFakeSlack, type FakeSlack, type SlackCall } from '../support/fake-slack.js';
import { createTestDatabase, isPostgres, type TestDatabase } from '../support/test-database.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

const SECRET = 'slack-signing-secret-for-home-transports';
const TEAM = 'T1';
const WAIT_MS = 10_000;
const as = (userId: string) => ({ teamId: TEAM, userId });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const homesOf = (slack: FakeSlack, slackUserId: string) => slack.callsOf('views.publish').filter((call) => call.args.user_id === slackUserId);
const shows = (call: SlackCall | undefined, text: string) => call !== undefined && JSON.stringify(call.args.view).includes(text);

/** One approval from group sre on env=prod, and bob and alice known in Slack. */
async function setUp(t: TestVigil, slack: FakeSlack): Promise<ApprovalsFixture> {
  const f = await buildApprovalsFixture(t);
  slack.users.set('UALICE', { email: f.alice.email });
  slack.users.set('UBOB', { email: f.bob.email });
  await bindSlackWorkspace(t, { slack, base: t.vigil.baseUrl, secret: SECRET }, TEAM, 'C0APPROVERS');
  const policy = await createPolicy(t, {
    name: 'SRE prod',
    requestKinds: ['ACCESS'],
    approverGroups: ['sre'],
    isAdminApprover: false,
    serverLabels: [{ key: 'env', value: 'prod' }],
    requiredApprovals: 1,
  });
  expect(policy.errors).toBeUndefined();
  return f;
}

describe.runIf(isPostgres)('two instances on one database', () => {
  let database: TestDatabase;
  let slack: FakeSlack;
  let a: TestVigil;
  let b: TestVigil;
  let f: ApprovalsFixture;

  beforeAll(async () => {
    slack = await startFakeSlack();
    database = await createTestDatabase();
    const env = { SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: 'xoxb-test', SLACK_API_URL: slack.apiUrl };
    a = await startTestVigil({ database, env });
    b = await startTestVigil({ database, env });
    f = await setUp(a, slack);
  });
  afterAll(async () => {
    await b?.vigil.dispose();
    await a?.close();
    await slack?.close();
  });

  it('each change republishes an opened home once, though both instances hear it', async () => {
    // Opened through instance b; the requests go through instance a.
    expect((await slack.deliver(b.vigil.baseUrl, appHomeOpened(as('UBOB')), { secret: SECRET })).status).toBe(200);
    await slack.waitFor(() => homesOf(slack, 'UBOB').length === 1, WAIT_MS);
    for (const server of ['web-01', 'db-01']) {
      const before = homesOf(slack, 'UBOB').length;
      const response = await requestAccessAs(a, f.alice, { servers: [server] });
      expect(response.errors).toBeUndefined();
      const id = response.data!.requestAccess.id as string;
      await slack.waitFor(() => shows(homesOf(slack, 'UBOB').at(-1), id), WAIT_MS);
      await sleep(2000); // both instances' second has passed
      expect(homesOf(slack, 'UBOB').length - before).toBe(1);
    }
  });
});

describe('over Socket Mode', () => {
  let slack: FakeSlack;
  let t: TestVigil;
  let f: ApprovalsFixture;

  beforeAll(async () => {
    slack = await startFakeSlack();
    slack.transport = 'socket';
    t = await startTestVigil({ env: { SLACK_APP_TOKEN: slack.appToken, SLACK_BOT_TOKEN: 'xoxb-test', SLACK_API_URL: slack.apiUrl } });
    await slack.waitFor(() => slack.openSockets() === 1, WAIT_MS);
    f = await setUp(t, slack);
  });
  afterAll(async () => {
    await t?.close();
    await slack?.close();
  });

  it('opening the Home publishes it, and Approve there decides the request', async () => {
    const response = await requestAccessAs(t, f.alice, { servers: ['web-01'] });
    expect(response.errors).toBeUndefined();
    const id = response.data!.requestAccess.id as string;
    expect((await slack.deliver(t.vigil.baseUrl, appHomeOpened(as('UBOB')), { secret: SECRET })).status).toBe(200);
    await slack.waitFor(() => shows(homesOf(slack, 'UBOB').at(-1), `"value":"${id}"`), WAIT_MS);
    expect((await slack.deliver(t.vigil.baseUrl, homeButtonClick('approval_approve', id, as('UBOB')), { secret: SECRET })).status).toBe(200);
    await expect.poll(async () => (await t.gql(APPROVAL, t.admin.token, { id })).data?.approval.status, { timeout: WAIT_MS }).toBe('APPROVED');
    await slack.waitFor(() => shows(homesOf(slack, 'UBOB').at(-1), 'You approved alice@example.test’s access to web-01'), WAIT_MS);
  });
});
