/**
 * An access review's reminder reaches a reviewer in Slack: Vigil's own periodic job (on this
 * instance's interval), through the Slack bot of the tenant's proven workspace, as a direct message
 * to the reviewer's linked Slack account; a reviewer with no linked account gets none, and the
 * reminder is not sent twice the same day.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { linkByVerifiedEmail } from '../../server/chat/identities.js';
import { bindSlackWorkspace } from '../support/chat-binding.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { bellOf, PERMISSIONS_REVIEW, startPermissionsReview } from '../support/reviews-fixture.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

const SECRET = 'slack-signing-secret-for-tests';
const TEAM = 'T1';
const RITA_SLACK = 'URITA';

let slack: FakeSlack;
let t: TestVigil;
let rita: TestUser;
let ray: TestUser;

beforeAll(async () => {
  slack = await startFakeSlack();
  t = await startTestVigil({
    env: { SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: 'xoxb-test', SLACK_API_URL: slack.apiUrl, VIGIL_ACCESS_REVIEW_JOB_SECONDS: '1' },
  });
  await bindSlackWorkspace(t, { slack, base: t.url.replace(/\/graphql$/, ''), secret: SECRET }, TEAM);
  const tenantId = t.admin.tenantId;
  rita = await t.createUser(tenantId, { email: 'rita@example.test', permissions: ['monitoring.view'] });
  ray = await t.createUser(tenantId, { email: 'ray@example.test', permissions: ['audit_logs.view'] });
  expect(await linkByVerifiedEmail(t.systemContext(tenantId), 'slack', RITA_SLACK, rita.email)).toBeDefined();
});

afterAll(async () => {
  await t?.close();
  await slack?.close();
});

it('sends the reminder as a Slack DM to the linked reviewer, once', async () => {
  await startPermissionsReview(t, [rita.id, ray.id]);
  const remindersTo = (channel: string) =>
    slack.callsOf('chat.postMessage').filter((call) => call.args.channel === channel && String(call.args.text).includes('waiting for your decision'));
  await slack.waitFor(() => remindersTo(RITA_SLACK).length > 0, 10_000);
  expect(remindersTo(RITA_SLACK)).toHaveLength(1);
  expect(JSON.stringify(remindersTo(RITA_SLACK)[0]!.args)).toContain(PERMISSIONS_REVIEW);
  // ray is reminded in the bell (his item is rita's grant), and has no Slack account to reach.
  // (The job may reach him after rita, within the same run.)
  await expect.poll(() => bellOf(t, ray.token)).toEqual([{ title: '1 access review item waiting for your decision' }]);
  // A few more runs of the job on the same day send nothing more.
  await new Promise((resolve) => setTimeout(resolve, 2500));
  expect(remindersTo(RITA_SLACK)).toHaveLength(1);
  expect(slack.callsOf('chat.postMessage').filter((call) => String(call.args.text).includes('waiting for your decision'))).toHaveLength(1);
});
