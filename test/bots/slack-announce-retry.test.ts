/**
 * A request Slack could not take when it was made is announced later: every post of its
 * announcement fails (Slack answering service_unavailable), nothing shows it, and a minute on the
 * bot's sweep posts it to the approver channel and the approvers, once; when only the channel's
 * post failed, the sweep posts there alone; a request the channel shows is left alone. Over
 * signed HTTP against a recording fake of the Slack Web API.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { advance, buildApprovalsFixture, chatCopiesOf, createSreProdPolicy, requestAccessAs, type ApprovalsFixture } from '../support/approvals-fixture.js';
import { bindSlackWorkspace } from '../support/chat-binding.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

const SECRET = 'slack-signing-secret-for-tests';
const APPROVERS = 'C0APPROVERS';

let slack: FakeSlack;
let t: TestVigil;
let f: ApprovalsFixture;

beforeAll(async () => {
  slack = await startFakeSlack();
  // The sweep runs at the outboxes' poll interval: often, so the test need not wait for it.
  t = await startTestVigil({ env: { SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: 'xoxb-test', SLACK_API_URL: slack.apiUrl, VIGIL_WEBHOOK_POLL_MS: '100' } });
  f = await buildApprovalsFixture(t);
  for (const [slackId, user] of [
    ['UALICE', f.alice],
    ['UBOB', f.bob],
    ['UCAROL', f.carol],
  ] as const)
    slack.users.set(slackId, { email: user.email });
  await bindSlackWorkspace(t, { slack, base: t.vigil.baseUrl, secret: SECRET }, 'T1', APPROVERS);
  await createSreProdPolicy(t);
});
afterAll(async () => {
  await t?.close();
  await slack?.close();
});

const postsAbout = (id: string) => slack.callsOf('chat.postMessage').filter((call) => JSON.stringify(call.args).includes(id));
const copiesOf = (id: string) => chatCopiesOf(t, id);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('announces a request whose every post failed a minute later, once, and then leaves it alone', async () => {
  // The approver channel and the DMs to bob and carol all fail.
  slack.failNext('chat.postMessage', 'service_unavailable', 3);
  const response = await requestAccessAs(t, f.alice, { servers: ['web-01'] });
  expect(response.errors).toBeUndefined();
  const id = response.data!.requestAccess.id as string;
  await slack.waitFor(() => slack.callsOf('chat.postMessage').length >= 3, 10_000);
  expect(await copiesOf(id)).toEqual([]);

  // Younger than a minute: the sweep leaves it to the event's announcement.
  await pause(500);
  expect(slack.callsOf('chat.postMessage')).toHaveLength(3);

  advance(t, 2);
  await slack.waitFor(() => slack.callsOf('chat.postMessage').length >= 6, 10_000);
  const retried = slack.callsOf('chat.postMessage').slice(3);
  expect(retried.map((call) => String(call.args.channel)).sort()).toEqual([APPROVERS, 'UBOB', 'UCAROL']);
  expect(postsAbout(id)).toHaveLength(6);
  await expect.poll(() => copiesOf(id)).toEqual([APPROVERS, 'DBOB', 'DCAROL']);

  // Shown now: later sweeps, in this period and the next ones, post nothing more.
  await pause(500);
  advance(t, 10);
  await pause(500);
  expect(slack.callsOf('chat.postMessage')).toHaveLength(6);
});

it('posts to the approver channel alone when only its post failed: the approvers’ direct messages went out', async () => {
  slack.failNext('chat.postMessage', 'service_unavailable', 1);
  const before = slack.callsOf('chat.postMessage').length;
  const response = await requestAccessAs(t, f.alice, { servers: ['web-01'] });
  expect(response.errors).toBeUndefined();
  const id = response.data!.requestAccess.id as string;
  await expect.poll(() => copiesOf(id)).toEqual(['DBOB', 'DCAROL']);
  expect(slack.callsOf('chat.postMessage')).toHaveLength(before + 3);

  advance(t, 2);
  await expect.poll(() => copiesOf(id), { timeout: 10_000 }).toEqual([APPROVERS, 'DBOB', 'DCAROL']);
  const retried = slack.callsOf('chat.postMessage').slice(before + 3);
  expect(retried.map((call) => String(call.args.channel))).toEqual([APPROVERS]);
  await pause(500);
  expect(slack.callsOf('chat.postMessage')).toHaveLength(before + 4);
});
