/**
 * The Slack App Home, threads and ephemeral answers, end to end: Events API requests (app_home_opened)
 * and clicks on the home arrive signed at /slack/events, Vigil publishes homes to the fake Slack
 * (views.publish, recorded), read as the person through the schema. An approver sees what waits for
 * them and decides it there with the same buttons and checks as on a request message; everyone sees
 * their own requests (with Cancel), access, sudo and commands and nobody else's; a change republishes
 * the homes it concerns once per burst, claimed once across instances; each decision and
 * cancellation is a reply in the request message's thread; /audit in a channel answers only the asker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimStaleHomes, markHomesStale, recordHomeOpened } from '../../server/chat/home-views.js';
import {
  advance,
  APPROVAL,
  buildApprovalsFixture,
  createPolicy,
  decideAs,
  requestAccessAs,
  requestSudoAs,
  sweep,
  type ApprovalsFixture,
} from '../support/approvals-fixture.js';
import { bindSlackWorkspace } from '../support/chat-binding.js';
import {
  appHomeOpened,
  homeButtonClick,
  postEventToSlackEndpoint,
  postToSlackEndpoint,
  slashCommand,
  startFakeSlack,
  viewSubmission,
  type FakeSlack,
  type SlackCall,
} from '../support/fake-slack.js';
import { reportCommands } from '../support/records-fixture.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

const SECRET = 'slack-signing-secret-for-home-tests';
const TEAM = 'T1';
const APPROVERS = 'C0APPROVERS';
const WAIT_MS = 10_000;

let slack: FakeSlack;
let t: TestVigil;
let f: ApprovalsFixture;

const as = (userId: string, teamId = TEAM) => ({ teamId, userId });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const openHome = async (slackUserId: string, teamId = TEAM) =>
  (await postEventToSlackEndpoint(t.vigil.baseUrl, appHomeOpened(as(slackUserId, teamId)), { secret: SECRET })).status;
const homeClick = (actionId: string, value: string, slackUserId: string) =>
  postToSlackEndpoint(t.vigil.baseUrl, homeButtonClick(actionId, value, as(slackUserId)), { secret: SECRET });

/** Every home published to a Slack user, oldest first. */
const homesOf = (slackUserId: string) => slack.callsOf('views.publish').filter((call) => call.args.user_id === slackUserId);
const text = (call: SlackCall) => JSON.stringify(call.args.view);
/** Waits for a home published to the user after `since` (a count of their homes) that satisfies `check`; returns it. */
async function homeAfter(slackUserId: string, since: number, check: (home: string) => boolean = () => true): Promise<SlackCall> {
  await slack.waitFor(
    () =>
      homesOf(slackUserId)
        .slice(since)
        .some((call) => check(text(call))),
    WAIT_MS,
  );
  return homesOf(slackUserId)
    .slice(since)
    .find((call) => check(text(call)))!;
}

/** The buttons of a home view, as action_id:value. */
function buttonsOf(call: SlackCall): string[] {
  const blocks = call.args.view.blocks as {
    type: string;
    elements?: { action_id?: string; value?: string }[];
    accessory?: { action_id?: string; value?: string };
  }[];
  const buttons: string[] = [];
  for (const block of blocks) {
    for (const element of [...(block.elements ?? []), ...(block.accessory ? [block.accessory] : [])]) {
      if (element.action_id?.startsWith('approval_')) buttons.push(`${element.action_id}:${element.value ?? ''}`);
    }
  }
  return buttons;
}
const headersOf = (call: SlackCall) =>
  (call.args.view.blocks as { type: string; text?: { text: string } }[]).filter((block) => block.type === 'header').map((block) => block.text!.text);

const threadRepliesTo = (channel: string, ts: string) =>
  slack.callsOf('chat.postMessage').filter((call) => call.args.channel === channel && call.args.thread_ts === ts);

/** The approver channel's copy of a request: the fake answers ts in call order (1700000001…). */
function approverCopy(id: string): { channel: string; ts: string } | undefined {
  const index = slack
    .callsOf('chat.postMessage')
    .findIndex((call) => call.args.channel === APPROVERS && !call.args.thread_ts && JSON.stringify(call.args.blocks ?? null).includes(id));
  return index < 0 ? undefined : { channel: APPROVERS, ts: `${1_700_000_001 + index}.000100` };
}

async function approvalOf(id: string) {
  const response = await t.gql(APPROVAL, t.admin.token, { id });
  expect(response.errors).toBeUndefined();
  return response.data!.approval;
}

async function requestAccess(who: TestUser, server: string): Promise<string> {
  const response = await requestAccessAs(t, who, { servers: [server] });
  expect(response.errors).toBeUndefined();
  const id = response.data!.requestAccess.id as string;
  // Announced (the notifier's posts are done): the copy's ts is known from here on.
  await slack.waitFor(() => approverCopy(id) !== undefined, WAIT_MS);
  return id;
}

beforeAll(async () => {
  slack = await startFakeSlack();
  t = await startTestVigil({ env: { SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: 'xoxb-test', SLACK_API_URL: slack.apiUrl } });
  f = await buildApprovalsFixture(t);
  for (const [slackId, user] of [
    ['UALICE', f.alice],
    ['UDAVE', f.dave],
    ['UBOB', f.bob],
    ['UCAROL', f.carol],
  ] as const)
    slack.users.set(slackId, { email: user.email });
  slack.users.set('UEVE', { email: 'eve@elsewhere.test' });
  await bindSlackWorkspace(t, { slack, base: t.vigil.baseUrl, secret: SECRET }, TEAM, APPROVERS);
  const created = await createPolicy(t, {
    name: 'SRE prod',
    requestKinds: ['ACCESS', 'SUDO'],
    approverGroups: ['sre'],
    isAdminApprover: false,
    serverLabels: [{ key: 'env', value: 'prod' }],
    requiredApprovals: 1,
  });
  expect(created.errors).toBeUndefined();
});
afterAll(async () => {
  await t?.close();
  await slack?.close();
});

describe('an approver’s App Home', () => {
  let id: string;
  let copy: { channel: string; ts: string };

  it('shows the request waiting for their decision, with the Approve and Deny buttons of request messages', async () => {
    id = await requestAccess(f.alice, 'web-01');
    copy = approverCopy(id)!;
    const before = homesOf('UBOB').length;
    expect(await openHome('UBOB')).toBe(200);
    const home = await homeAfter('UBOB', before);
    expect(home.args.view.type).toBe('home');
    expect(headersOf(home)).toEqual(['Vigil', 'Waiting for your decision', 'Your open requests', 'Your access', 'Your sudo grants', 'Your recent commands']);
    expect(text(home)).toContain('*Access request* from alice@example.test: access to web-01, for 60 minutes');
    expect(text(home)).toContain('Reason: deploy the hotfix');
    expect(buttonsOf(home)).toEqual([`approval_approve:${id}`, `approval_deny:${id}`]);
  });

  it('approving there decides the request (as bob, in Slack), republishes the home without it and replies in the message’s thread', async () => {
    const before = homesOf('UBOB').length;
    const click = await homeClick('approval_approve', id, 'UBOB');
    expect(click.status).toBe(200);
    await expect.poll(async () => (await approvalOf(id)).status, { timeout: WAIT_MS }).toBe('APPROVED');
    const decided = await approvalOf(id);
    expect(decided.decisions).toEqual([
      expect.objectContaining({ decision: 'APPROVE', channel: 'SLACK', chatUserId: 'UBOB', approver: { email: 'bob@example.test' } }),
    ]);
    // The click's answer tops the home, which no longer offers the request.
    const answered = await homeAfter('UBOB', before, (home) => home.includes('You approved alice@example.test’s access to web-01, for 60 minutes.'));
    expect(buttonsOf(answered)).toEqual([]);
    expect(text(answered)).toContain('Nothing waits for your decision.');
    // The change republishes it too (claimed from the database), still with the answer on top.
    await slack.waitFor(() => homesOf('UBOB').length >= before + 2, WAIT_MS);
    const republished = homesOf('UBOB').at(-1)!;
    expect(buttonsOf(republished)).toEqual([]);
    expect(text(republished)).toContain('You approved alice@example.test’s access');
    // The request message: updated in place, and the decision replied in its thread.
    await slack.waitFor(() => threadRepliesTo(copy.channel, copy.ts).length >= 1, WAIT_MS);
    expect(threadRepliesTo(copy.channel, copy.ts).map((call) => call.args.text)).toEqual(['Approved by bob@example.test (slack)']);
    expect(slack.callsOf('chat.update').filter((call) => call.args.channel === copy.channel && call.args.ts === copy.ts)).toHaveLength(1);
    // Alice never opened her home: nothing is published to her.
    expect(homesOf('UALICE')).toEqual([]);
  });

  it('the same checks as on a message: a request already decided is refused on the home, nothing changes', async () => {
    const before = homesOf('UCAROL').length;
    expect((await homeClick('approval_approve', id, 'UCAROL')).status).toBe(200);
    const home = await homeAfter('UCAROL', before, (view) => view.includes('You cannot decide this request'));
    expect(text(home)).toContain('You cannot decide this request: it is approved. Nothing changed.');
    expect((await approvalOf(id)).decisions).toHaveLength(1);
  });

  it('Deny opens the justification modal; submitted, the request is denied and the answer tops the home', async () => {
    const denied = await requestAccess(f.dave, 'db-01');
    const opened = slack.callsOf('views.open').length;
    expect((await homeClick('approval_deny', denied, 'UBOB')).status).toBe(200);
    await slack.waitFor(() => slack.callsOf('views.open').length > opened, WAIT_MS);
    const modal = slack.callsOf('views.open').at(-1)!.args.view;
    expect(JSON.parse(modal.private_metadata)).toEqual({ approvalId: denied, decision: 'deny', fromHome: true });
    const before = homesOf('UBOB').length;
    const submitted = await postToSlackEndpoint(
      t.vigil.baseUrl,
      viewSubmission('approval_decision', modal.private_metadata, { justification: 'not during the freeze' }, as('UBOB')),
      { secret: SECRET },
    );
    expect(submitted.status).toBe(200);
    expect((await approvalOf(denied)).status).toBe('DENIED');
    await homeAfter('UBOB', before, (home) => home.includes('You denied dave@example.test’s access to db-01'));
  });
});

describe('a regular user’s App Home', () => {
  let pending: string;

  beforeAll(async () => {
    // Alice: web-01 access (approved above), a sudo grant in it, a request pending, two commands. Dave: the same kinds of things.
    const sudo = await requestSudoAs(t, f.alice, { server: 'web-01', command: 'systemctl restart nginx' });
    expect(sudo.errors).toBeUndefined();
    expect((await decideAs(t, f.bob, sudo.data!.requestSudo.id, 'APPROVE')).errors).toBeUndefined();
    pending = await requestAccess(f.alice, 'db-01');
    await requestAccess(f.dave, 'web-01');
    await reportCommands(t, f, f.alice.email, [
      { line: 'echo alice-home-1', server: 'web', status: 'SUCCESS', minutes: 5 },
      { line: 'echo alice-home-2', server: 'web', status: 'FAILED', minutes: 4 },
    ]);
    await reportCommands(t, f, f.dave.email, [{ line: 'echo dave-home-1', server: 'web', status: 'SUCCESS', minutes: 3 }]);
  });

  it('shows their own requests (with Cancel), access, sudo and commands, no one else’s, and nothing to decide', async () => {
    expect(await openHome('UALICE')).toBe(200);
    const home = await homeAfter('UALICE', 0);
    const shown = text(home);
    expect(headersOf(home)).toEqual(['Vigil', 'Your open requests', 'Your access', 'Your sudo grants', 'Your recent commands']);
    expect(buttonsOf(home)).toEqual([`approval_cancel:${pending}`]);
    expect(shown).toContain('*Access request*: access to db-01, for 60 minutes');
    expect(shown).toContain('*web-01*');
    expect(shown).toContain('`systemctl restart nginx` on web-01');
    expect(shown).toContain('echo alice-home-1');
    expect(shown).toContain('echo alice-home-2');
    expect(shown).not.toContain('dave');
    expect(shown).not.toContain('approval_approve');
  });

  it('Cancel withdraws the request: cancelled in Vigil, gone from the home, replied in the message’s thread', async () => {
    const copy = approverCopy(pending)!;
    const before = homesOf('UALICE').length;
    expect((await homeClick('approval_cancel', pending, 'UALICE')).status).toBe(200);
    await expect.poll(async () => (await approvalOf(pending)).status, { timeout: WAIT_MS }).toBe('CANCELLED');
    const home = await homeAfter('UALICE', before, (view) => view.includes('You cancelled your request for access to db-01.'));
    expect(buttonsOf(home)).toEqual([]);
    await slack.waitFor(() => threadRepliesTo(copy.channel, copy.ts).length >= 1, WAIT_MS);
    expect(threadRepliesTo(copy.channel, copy.ts).map((call) => call.args.text)).toEqual(['Cancelled by alice@example.test']);
  });

  it('someone else cannot cancel it from a forged click: refused on their home, nothing changes', async () => {
    const other = await requestAccess(f.dave, 'db-01');
    await openHome('UALICE');
    const before = homesOf('UALICE').length;
    expect((await homeClick('approval_cancel', other, 'UALICE')).status).toBe(200);
    await homeAfter('UALICE', before, (view) => view.includes('Not cancelled:'));
    expect((await approvalOf(other)).status).toBe('PENDING');
  });
});

describe('refreshed on change', () => {
  it('a burst of requests republishes an approver’s opened home fewer times than there were changes, ending with all of them', async () => {
    await openHome('UCAROL');
    await slack.waitFor(() => homesOf('UCAROL').length > 0, WAIT_MS);
    await sleep(1500); // earlier changes' republishing is over
    const before = homesOf('UCAROL').length;
    const responses = await Promise.all(
      ['web-01', 'db-01', 'web-01', 'db-01', 'web-01', 'db-01'].map((server) => requestAccessAs(t, f.dave, { servers: [server] })),
    );
    const ids = responses.map((response) => response.data!.requestAccess.id as string);
    await slack.waitFor(() => {
      const last = homesOf('UCAROL').at(-1);
      return last !== undefined && ids.every((id) => text(last).includes(id));
    }, WAIT_MS);
    await sleep(1500);
    const published = homesOf('UCAROL').length - before;
    expect(published).toBeGreaterThanOrEqual(1);
    expect(published).toBeLessThan(ids.length);
  });

  it('a stale home is claimed by exactly one of several claimants at once', async () => {
    const db = t.vigil.database.db;
    const tenantId = t.admin.tenantId;
    // Bob's and Carol's homes are recorded (they opened them above); mark both stale, then claim from four "instances" at once.
    await recordHomeOpened(db, t.clock, { tenantId, provider: 'slack', externalUserId: 'UBOB' });
    expect(await markHomesStale(db, t.clock, tenantId, 'slack', [f.bob.id, f.carol.id, f.erin.id])).toBe(2);
    const claims = await Promise.all([1, 2, 3, 4].map(() => claimStaleHomes(db, tenantId, 'slack', 10)));
    expect(
      claims
        .flat()
        .map((home) => home.externalUserId)
        .sort(),
    ).toEqual(['UBOB', 'UCAROL']);
    expect(await claimStaleHomes(db, tenantId, 'slack', 10)).toEqual([]);
  });
});

describe('a home for someone Vigil cannot serve yet', () => {
  it('an unlinked Slack user is told how to link; a workspace not connected is told how to connect', async () => {
    await openHome('UEVE');
    const unlinked = await homeAfter('UEVE', 0);
    expect(text(unlinked)).toContain('I do not know you in Vigil');
    expect(buttonsOf(unlinked)).toEqual([]);
    await openHome('USTRANGER', 'T9');
    const unbound = await homeAfter('USTRANGER', 0);
    expect(text(unbound)).toContain('This Slack workspace is not connected to Vigil');
    expect(text(unbound)).toContain('externalId: \\"T9\\"');
  });

  it('the Messages tab opening publishes nothing', async () => {
    const before = slack.callsOf('views.publish').length;
    await postEventToSlackEndpoint(t.vigil.baseUrl, appHomeOpened(as('UDAVE'), 'messages'), { secret: SECRET });
    await openHome('UEVE'); // handled after the one above: once its home shows, the messages tab was handled too
    await slack.waitFor(() => slack.callsOf('views.publish').length > before, WAIT_MS);
    expect(
      slack
        .callsOf('views.publish')
        .slice(before)
        .map((call) => call.args.user_id),
    ).toEqual(['UEVE']);
  });
});

describe('/audit asked in a channel', () => {
  it('is answered to the asker only (ephemeral), a list and an error alike; nothing is posted to the channel', async () => {
    const list = await postToSlackEndpoint(t.vigil.baseUrl, slashCommand('/audit', 'my-commands', as('UALICE'), slack.responseUrl), { secret: SECRET });
    expect(list.status).toBe(200);
    expect(list.body.response_type).toBe('ephemeral');
    expect(JSON.stringify(list.body.blocks)).toContain('echo alice-home-1');
    const error = await postToSlackEndpoint(t.vigil.baseUrl, slashCommand('/audit', 'nonsense', as('UALICE'), slack.responseUrl), { secret: SECRET });
    expect(error.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('Unknown subcommand `nonsense`') });
    const unlinked = await postToSlackEndpoint(t.vigil.baseUrl, slashCommand('/audit', 'my-commands', as('UEVE'), slack.responseUrl), { secret: SECRET });
    expect(unlinked.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('I do not know you in Vigil') });
    const channel = slashCommand('/audit', '', as('UALICE'), slack.responseUrl).channel_id;
    expect(slack.calls.filter((call) => call.args.channel === channel)).toEqual([]);
  });
});

describe('an expiry', () => {
  it('republishes the homes of those who could decide it without the request, and is replied in its message’s thread', async () => {
    const id = await requestAccess(f.dave, 'web-01');
    const copy = approverCopy(id)!;
    await slack.waitFor(() => text(homesOf('UBOB').at(-1)!).includes(id), WAIT_MS);
    advance(t, 3 * 24 * 60);
    await sweep(t);
    expect((await approvalOf(id)).status).toBe('EXPIRED');
    await slack.waitFor(() => !text(homesOf('UBOB').at(-1)!).includes(id), WAIT_MS);
    await slack.waitFor(() => threadRepliesTo(copy.channel, copy.ts).length >= 1, WAIT_MS);
    expect(threadRepliesTo(copy.channel, copy.ts).map((call) => call.args.text)).toEqual([expect.stringMatching(/^Expired undecided at /)]);
  });
});
