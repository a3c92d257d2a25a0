/**
 * Extending access from Slack, end to end over HTTP: the requester's news of granted access comes
 * with "Extend 30 min" and "Extend…"; a click (signed, to /slack/events) asks for the extension as
 * them; under a policy that holds extensions to its approval rules, approvers get the extension
 * like any request and approve it in Slack, and the session's end (read back through GraphQL)
 * moves; under a policy that needs no approval, the modal's length moves it at once. Refusals:
 * someone else's session, beyond the policy's total, an ended session, a bad length in the modal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApprovalsFixture, decideAs, requestAccessAs, type ApprovalsFixture } from '../support/approvals-fixture.js';
import { bindSlackWorkspace } from '../support/chat-binding.js';
import { buildExtensionLanes, sessionOf } from '../support/extensions.js';
import { buttonClick, postToSlackEndpoint, startFakeSlack, viewSubmission, type FakeSlack, type SlackCall } from '../support/fake-slack.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

const SECRET = 'slack-signing-secret-for-tests';
const TEAM = 'T1';
const APPROVERS = 'C0APPROVERS';
const WAIT_MS = 10_000;
const MINUTE = 60_000;

let slack: FakeSlack;
let t: TestVigil;
let f: ApprovalsFixture;

const as = (userId: string) => ({ teamId: TEAM, userId });
const json = (value: unknown) => JSON.stringify(value ?? null);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  slack = await startFakeSlack();
  t = await startTestVigil({ env: { SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: 'xoxb-test', SLACK_API_URL: slack.apiUrl } });
  f = await buildApprovalsFixture(t);
  // Servers self-01 (extensions need no approval) and ask-01 (an sre approves them), with their policies.
  await buildExtensionLanes(t);
  const people: [string, TestUser][] = [
    ['UALICE', f.alice],
    ['UDAVE', f.dave],
    ['UBOB', f.bob],
    ['UCAROL', f.carol],
  ];
  for (const [slackId, user] of people) slack.users.set(slackId, { email: user.email });
  await bindSlackWorkspace(t, { slack, base: t.url.replace(/\/graphql$/, ''), secret: SECRET }, TEAM, APPROVERS);
});
afterAll(async () => {
  await t?.close();
  await slack?.close();
});

interface Button {
  readonly action_id: string;
  readonly value: string;
  readonly text: { text: string };
}
const buttonsOf = (call: SlackCall): Button[] =>
  ((call.args.blocks ?? []) as { type: string; elements?: Button[] }[]).flatMap((block) => (block.type === 'actions' ? (block.elements ?? []) : []));

/** The Extend offers DMed to `slackUserId`, oldest first. */
const offersTo = (slackUserId: string) =>
  slack.callsOf('chat.postMessage').filter((call) => call.args.channel === slackUserId && buttonsOf(call).some((b) => b.action_id === 'access_extend'));
/** Top-level messages announcing approval `id` to approvers. */
const announcements = (id: string) =>
  slack.callsOf('chat.postMessage').filter((call) => !call.args.thread_ts && buttonsOf(call).some((b) => b.action_id === 'approval_approve' && b.value === id));

const click = (actionId: string, value: string, slackUserId: string) =>
  postToSlackEndpoint(t.vigil.baseUrl, buttonClick(actionId, value, as(slackUserId), slack.responseUrl), { secret: SECRET });

/** A click answered through response_url; returns the answer's text. */
async function answerTo(actionId: string, value: string, slackUserId: string): Promise<string> {
  const before = slack.callsOf('response_url').length;
  expect((await click(actionId, value, slackUserId)).status).toBe(200);
  await slack.waitFor(() => slack.callsOf('response_url').length > before, WAIT_MS);
  const reply = slack.callsOf('response_url').at(-1)!.args;
  expect(reply.response_type).toBe('ephemeral');
  return String(reply.text);
}

/** Alice's access to `server`, approved by bob through the API; waits for her offer to extend it. */
async function grantedAccess(server: string, extra: Record<string, unknown> = {}): Promise<{ sessionId: string; expiresAt: number; offer: SlackCall }> {
  const offersBefore = offersTo('UALICE').length;
  const requested = await requestAccessAs(t, f.alice, { servers: [server], durationMinutes: 30, ...extra });
  expect(requested.errors).toBeUndefined();
  expect((await decideAs(t, f.bob, requested.data!.requestAccess.id, 'APPROVE')).errors).toBeUndefined();
  await slack.waitFor(() => offersTo('UALICE').length > offersBefore, WAIT_MS);
  const offer = offersTo('UALICE').at(-1)!;
  const quick = JSON.parse(buttonsOf(offer).find((button) => button.action_id === 'access_extend')!.value) as { accessSessionId: string; minutes: number };
  const session = await sessionOf(t, quick.accessSessionId);
  expect(session.status).toBe('ACTIVE');
  return { sessionId: session.id, expiresAt: Date.parse(session.expiresAt), offer };
}

describe('an extension that needs an approver', () => {
  let sessionId: string;
  let firstEnd: number;
  let quickValue: string;

  it('offers Extend 30 min and Extend… with the news that access was granted', async () => {
    const granted = await grantedAccess('ask-01', { isSudoRequested: true });
    sessionId = granted.sessionId;
    firstEnd = granted.expiresAt;
    const buttons = buttonsOf(granted.offer);
    expect(buttons.map((button) => [button.action_id, button.text.text])).toEqual([
      ['access_extend', 'Extend 30 min'],
      ['access_extend_choose', 'Extend…'],
    ]);
    quickValue = buttons[0]!.value;
    expect(JSON.parse(quickValue)).toEqual({ accessSessionId: sessionId, minutes: 30 });
    expect(buttons[1]!.value).toBe(sessionId);
    expect(json(granted.offer.args.blocks)).toContain('Your access to ask-01 ends');
    // The policy allows 60 minutes in all: 30 are left.
    expect(json(granted.offer.args.blocks)).toContain('(Up to 30 more minutes.)');
  });

  it('refuses a click by someone else on alice’s button, and changes nothing', async () => {
    const text = await answerTo('access_extend', quickValue, 'UDAVE');
    expect(text).toMatch(/^Not extended: Access session .* was not found/);
    expect(Date.parse((await sessionOf(t, sessionId)).expiresAt)).toBe(firstEnd);
  });

  it('asks approvers when alice clicks Extend 30 min; bob approves in Slack and the session’s end moves', async () => {
    const text = await answerTo('access_extend', quickValue, 'UALICE');
    expect(text).toContain('Asked for 30 more minutes of access to ask-01 with sudo (any command, as root): waiting for 1 approval.');
    // Not moved yet.
    expect(Date.parse((await sessionOf(t, sessionId)).expiresAt)).toBe(firstEnd);

    const waiting = await t.gql(
      `query($id: ID!) { approvals(filter: { accessSessionId: $id, kind: [EXTENSION] }) { nodes { id status reason durationMinutes } } }`,
      f.alice.token,
      { id: sessionId },
    );
    expect(waiting.errors).toBeUndefined();
    const [extension] = waiting.data!.approvals.nodes;
    expect(extension).toMatchObject({ status: 'PENDING', durationMinutes: 30, reason: 'More time for: deploy the hotfix' });

    // Approvers see it like any request: the approver channel and bob's and carol's DMs, with Approve / Deny.
    await slack.waitFor(() => announcements(extension.id).length >= 3, WAIT_MS);
    const copies = announcements(extension.id);
    expect(copies.map((copy) => String(copy.args.channel)).sort()).toEqual([APPROVERS, 'UBOB', 'UCAROL']);
    const shown = json(copies[0]!.args.blocks);
    expect(shown).toContain('Access extension');
    expect(shown).toContain('30 more minutes');
    expect(shown).toContain('alice@example.test');
    expect(shown).toContain('ask-01');
    // The session has sudo: approving keeps it longer, and the message says so first.
    expect(shown).toContain('Approving also extends sudo:* any command, as root, on ask-01.');
    expect(copies[0]!.args.blocks[0].text.text).toContain('Access extension with sudo');

    const offersBefore = offersTo('UALICE').length;
    const decided = await answerTo('approval_approve', extension.id, 'UBOB');
    expect(decided).toContain('You approved alice@example.test’s 30 more minutes of access to ask-01 with sudo (any command, as root).');
    const after = await sessionOf(t, sessionId);
    expect(Date.parse(after.expiresAt)).toBe(firstEnd + 30 * MINUTE);
    expect(after.status).toBe('ACTIVE');
    expect(after.sudoAuthorizations.nodes.map((grant) => Date.parse(grant.expiresAt!))).toEqual([firstEnd + 30 * MINUTE]);

    // Alice hears it; with the policy's 60 minutes used up, no offer to extend again comes with it.
    const news = () => slack.callsOf('chat.postMessage').filter((call) => call.args.channel === 'UALICE' && !call.args.blocks);
    await slack.waitFor(() => news().some((call) => String(call.args.text).includes('is approved')), WAIT_MS);
    await sleep(300);
    expect(offersTo('UALICE')).toHaveLength(offersBefore);
    expect(String(news().at(-1)!.args.text)).toContain('Your request for 30 more minutes of access to ask-01 with sudo (any command, as root) is approved.');
  });

  it('refuses going past the policy’s total, then an ended session', async () => {
    // 30 + 30 minutes: the policy's 60 in all are used up.
    const tooLong = await answerTo('access_extend', quickValue, 'UALICE');
    expect(tooLong).toContain('Not extended: The policy Extensions approved allows sessions of at most 60 minutes in all');
    expect(Date.parse((await sessionOf(t, sessionId)).expiresAt)).toBe(firstEnd + 30 * MINUTE);

    const ended = await t.gql(`mutation($id: ID!) { endAccessSession(id: $id) { status } }`, f.alice.token, { id: sessionId });
    expect(ended.errors).toBeUndefined();
    expect(await answerTo('access_extend', quickValue, 'UALICE')).toContain('Not extended: This access session is ended');
    expect(await answerTo('access_extend_choose', sessionId, 'UALICE')).toBe('Not extended: this access session is ended.');
  });
});

describe('where the policy allows no extension', () => {
  it('offers none with the news', async () => {
    const offersBefore = offersTo('UALICE').length;
    const requested = await requestAccessAs(t, f.alice, { servers: ['never-01'], durationMinutes: 30 });
    expect((await decideAs(t, f.bob, requested.data!.requestAccess.id, 'APPROVE')).errors).toBeUndefined();
    const news = () => slack.callsOf('chat.postMessage').filter((call) => call.args.channel === 'UALICE' && String(call.args.text).includes('never-01'));
    await slack.waitFor(() => news().length > 0, WAIT_MS);
    await sleep(300);
    expect(offersTo('UALICE')).toHaveLength(offersBefore);
  });
});

describe('an extension the policy allows without approval', () => {
  it('moves the end at once by the length chosen in the modal, after refusing a length past the total', async () => {
    const granted = await grantedAccess('self-01');
    const opened = slack.callsOf('views.open').length;
    expect((await click('access_extend_choose', granted.sessionId, 'UALICE')).status).toBe(200);
    await slack.waitFor(() => slack.callsOf('views.open').length > opened, WAIT_MS);
    const view = slack.callsOf('views.open').at(-1)!.args.view as { callback_id: string; private_metadata: string; blocks: unknown[] };
    expect(view.callback_id).toBe('access_extension');
    expect(JSON.parse(view.private_metadata)).toEqual({ accessSessionId: granted.sessionId });
    expect(json(view.blocks)).toContain('self-01');

    const submit = (values: Record<string, string>) =>
      postToSlackEndpoint(t.vigil.baseUrl, viewSubmission('access_extension', view.private_metadata, values, as('UALICE')), { secret: SECRET });

    const notALength = await submit({ minutes: 'soon', reason: 'the restore is slow' });
    expect(notALength.body).toMatchObject({ response_action: 'errors', errors: { minutes: expect.stringContaining('90m or 2h') } });
    // 30 + 100 > 120 minutes in all: refused on the length, with the room left.
    const pastTotal = await submit({ minutes: '100', reason: 'the restore is slow' });
    expect(pastTotal.body).toMatchObject({ response_action: 'errors', errors: { minutes: expect.stringContaining('at most 90 more') } });
    expect(Date.parse((await sessionOf(t, granted.sessionId)).expiresAt)).toBe(granted.expiresAt);

    const dms = slack.callsOf('chat.postMessage').filter((call) => call.args.channel === 'UALICE').length;
    const accepted = await submit({ minutes: '1h', reason: 'the restore is slow' });
    expect(accepted.status).toBe(200);
    expect(accepted.body?.response_action).toBeUndefined();
    expect(Date.parse((await sessionOf(t, granted.sessionId)).expiresAt)).toBe(granted.expiresAt + 60 * MINUTE);
    await slack.waitFor(() => slack.callsOf('chat.postMessage').filter((call) => call.args.channel === 'UALICE').length > dms, WAIT_MS);
    const told = slack.callsOf('chat.postMessage').filter((call) => call.args.channel === 'UALICE');
    expect(told.some((call) => String(call.args.text).startsWith('Extended by the policy Self-service extensions, 60 more minutes of access to self-01'))).toBe(
      true,
    );
    // No approver was asked.
    const audit = await t.gql(
      `query($id: ID!) { approvals(filter: { accessSessionId: $id, kind: [EXTENSION] }) { nodes { status isAutoApproved reason } } }`,
      t.admin.token,
      { id: granted.sessionId },
    );
    expect(audit.data!.approvals.nodes).toEqual([{ status: 'APPROVED', isAutoApproved: true, reason: 'the restore is slow' }]);
  });
});
