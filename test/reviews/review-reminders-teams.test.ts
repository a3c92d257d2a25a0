/**
 * An access review's reminder reaches a reviewer in Teams: Vigil's own periodic job, through the
 * Teams bot of the tenant's proven AAD tenant, as a card in the reviewer's saved personal
 * conversation (the reference the bot keeps once the person has talked to it); a reviewer whose
 * Teams account has no saved conversation gets none, and the reminder is not sent twice the same
 * day. (review-reminders-chat.test.ts is the same for Slack.)
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { linkByVerifiedEmail, saveConversation } from '../../server/chat/identities.js';
import { bindTeamsTenant } from '../support/chat-binding.js';
import { startFakeTeams, type FakeTeams } from '../support/fake-teams.js';
import { bellOf, PERMISSIONS_REVIEW, startPermissionsReview } from '../support/reviews-fixture.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

const AAD_TENANT = 'aad-tenant-reviews';
const RITA_TEAMS = '29:rita';
const RITA_DM = 'a:rita-personal-chat';
const RAY_TEAMS = '29:ray';

let teams: FakeTeams;
let t: TestVigil;
let rita: TestUser;
let ray: TestUser;

beforeAll(async () => {
  teams = await startFakeTeams();
  t = await startTestVigil({ env: { TEAMS_BOT_ENABLED: 'true', TEAMS_SERVICE_URL: teams.serviceUrl, VIGIL_ACCESS_REVIEW_JOB_SECONDS: '1' } });
  await bindTeamsTenant(t, teams, t.url.replace(/\/graphql$/, ''), AAD_TENANT);
  const tenantId = t.admin.tenantId;
  rita = await t.createUser(tenantId, { email: 'rita@example.test', permissions: ['monitoring.view'] });
  ray = await t.createUser(tenantId, { email: 'ray@example.test', permissions: ['audit_logs.view'] });
  const ctx = t.systemContext(tenantId);
  expect(await linkByVerifiedEmail(ctx, 'teams', RITA_TEAMS, rita.email)).toBeDefined();
  await saveConversation(ctx, 'teams', RITA_TEAMS, { serviceUrl: teams.serviceUrl, conversation: { id: RITA_DM }, user: { id: RITA_TEAMS } });
  // Linked, but the bot has no conversation with him to write into.
  expect(await linkByVerifiedEmail(ctx, 'teams', RAY_TEAMS, ray.email)).toBeDefined();
});

afterAll(async () => {
  await t?.close();
  await teams?.close();
});

it('sends the reminder as a card in the linked reviewer’s Teams conversation, once', async () => {
  await startPermissionsReview(t, [rita.id, ray.id]);
  const reminders = () => teams.sent().filter((call) => JSON.stringify(call.body).includes('waiting for your decision'));
  await teams.waitFor(() => reminders().length > 0, 10_000);
  expect(reminders().map((call) => call.conversation)).toEqual([RITA_DM]);
  expect(JSON.stringify(reminders()[0]!.body)).toContain(PERMISSIONS_REVIEW);
  // ray is reminded in the bell only: his Teams account has no conversation saved.
  await expect.poll(() => bellOf(t, ray.token)).toEqual([{ title: '1 access review item waiting for your decision' }]);
  // A few more runs of the job on the same day send nothing more.
  await new Promise((resolve) => setTimeout(resolve, 2500));
  expect(reminders().map((call) => call.conversation)).toEqual([RITA_DM]);
});
