/**
 * On-call approvers through the Slack bot: a request under a policy naming a PagerDuty schedule is
 * DMed to the person on call (per the fake PagerDuty) and to nobody else of their group, and the
 * person on call decides it with the button, while a click by someone not on call is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVAL, buildApprovalsFixture, requestAccessAs, type ApprovalsFixture } from '../support/approvals-fixture.js';
import { bindSlackWorkspace } from '../support/chat-binding.js';
import { startFakePagerDuty, type FakeOnCall } from '../support/fake-on-call.js';
import { buttonClick, startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

const SECRET = 'slack-signing-secret-for-tests';
const TEAM = 'T1';
const PD_KEY = 'pd-rest-key-slack-0042abc';
const WAIT_MS = 10_000;

let slack: FakeSlack;
let pd: FakeOnCall;
let t: TestVigil;
let f: ApprovalsFixture;

const as = (userId: string) => ({ teamId: TEAM, userId });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The top-level posts whose blocks name approval `id`, by where they went. */
const announcedTo = (id: string) =>
  slack
    .callsOf('chat.postMessage')
    .filter((call) => !call.args.thread_ts && Array.isArray(call.args.blocks) && JSON.stringify(call.args.blocks).includes(id))
    .map((call) => String(call.args.channel));

beforeAll(async () => {
  slack = await startFakeSlack();
  pd = await startFakePagerDuty(PD_KEY);
  t = await startTestVigil({
    env: { SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: 'xoxb-test', SLACK_API_URL: slack.apiUrl, PAGERDUTY_API_URL: pd.url },
  });
  f = await buildApprovalsFixture(t);
  for (const [slackId, user] of [
    ['UALICE', f.alice],
    ['UBOB', f.bob],
    ['UCAROL', f.carol],
    ['UERIN', f.erin],
    ['UADMIN', f.admin],
  ] as const)
    slack.users.set(slackId, { email: user.email });
  // No approver channel: the eligible approvers hear of a request in their DMs alone.
  await bindSlackWorkspace(t, { slack, base: t.url.replace(/\/graphql$/, ''), secret: SECRET }, TEAM);
  const integration = await t.gql(
    'mutation { createOnCallIntegration(input: { provider: PAGERDUTY, name: "PagerDuty", apiKey: "' + PD_KEY + '" }) { id } }',
    t.admin.token,
  );
  const policy = await t.gql('mutation($input: CreateApprovalPolicyInput!) { createApprovalPolicy(input: $input) { id } }', t.admin.token, {
    input: {
      name: 'prod on call',
      requestKinds: ['ACCESS'],
      serverLabels: [{ key: 'env', value: 'prod' }],
      isAdminApprover: false,
      onCallSchedules: [{ integrationId: integration.data!.createOnCallIntegration.id, scheduleId: 'PSRE001' }],
    },
  });
  expect(policy.errors).toBeUndefined();
});

afterAll(async () => {
  await t?.close();
  await slack?.close();
  await pd?.close();
});

describe('an on-call schedule as approvers in Slack', () => {
  it('DMs the person on call alone, refuses a click by a group member not on call, and takes the on-call approver’s', async () => {
    pd.onCall.set('PSRE001', ['carol@example.test']);
    const requested = await requestAccessAs(t, f.alice, { servers: ['web-01'] });
    expect(requested.errors).toBeUndefined();
    const id = requested.data!.requestAccess.id as string;
    await slack.waitFor(() => announcedTo(id).length >= 1, WAIT_MS);
    await sleep(300); // no late extra DM either
    expect(announcedTo(id)).toEqual(['UCAROL']);
    expect(pd.requests.some((request) => request.path === '/oncalls' && request.headers.authorization === `Token token=${PD_KEY}`)).toBe(true);

    const before = slack.callsOf('response_url').length;
    const byBob = await slack.deliver(t.vigil.baseUrl, buttonClick('approval_approve', id, as('UBOB'), slack.responseUrl), { secret: SECRET });
    expect(byBob.status).toBe(200);
    await slack.waitFor(() => slack.callsOf('response_url').length > before, WAIT_MS);
    const refusal = slack.callsOf('response_url').at(-1)!.args;
    expect(refusal.response_type).toBe('ephemeral');
    // Not his to decide, so not his to see: the bot answers as the API answers him.
    expect(refusal.text).toBe(`You cannot decide this request: Approval ${id} was not found. Nothing changed.`);
    expect((await t.gql(APPROVAL, t.admin.token, { id })).data!.approval).toMatchObject({ status: 'PENDING', decisions: [] });

    const byCarol = await slack.deliver(t.vigil.baseUrl, buttonClick('approval_approve', id, as('UCAROL'), slack.responseUrl), { secret: SECRET });
    expect(byCarol.status).toBe(200);
    let approval: any;
    for (const deadline = Date.now() + WAIT_MS; Date.now() < deadline; await sleep(100)) {
      approval = (await t.gql(APPROVAL, t.admin.token, { id })).data!.approval;
      if (approval.status !== 'PENDING') break;
    }
    expect(approval).toMatchObject({ status: 'APPROVED', closedBy: { email: 'carol@example.test' } });
    expect(approval.decisions).toEqual([
      { decision: 'APPROVE', justification: null, channel: 'SLACK', chatUserId: 'UCAROL', approver: { email: 'carol@example.test' } },
    ]);
  });
});
