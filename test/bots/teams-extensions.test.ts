/**
 * Extending access from Teams, end to end over HTTP: the requester's news of granted access comes
 * with a card offering "Extend 30 min" and "Extend…" (Action.Execute, answered to the clicker);
 * under a policy that holds extensions to its approval rules, approvers get the extension's card
 * and approve it in Teams, and the session's end (read back through GraphQL) moves; under a policy
 * that needs none, the typed length moves it at once. Refusals: someone else's session, a length
 * past the policy's total, one that is no length.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApprovalsFixture, decideAs, requestAccessAs, type ApprovalsFixture } from '../support/approvals-fixture.js';
import { bindTeamsTenant } from '../support/chat-binding.js';
import { buildExtensionLanes, sessionOf } from '../support/extensions.js';
import {
  postActivity,
  postInvoke,
  startFakeTeams,
  teamsExecute,
  teamsMessage,
  type ConnectorCall,
  type FakeTeams,
  type TeamsUser,
} from '../support/fake-teams.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

const AAD_TENANT = '6f1e0c5a-0000-4000-8000-0000000e7e1d';
const APPROVERS = '19:approvers@thread.tacv2';
const WAIT_MS = 10_000;
const MINUTE = 60_000;

const ALICE: TeamsUser = { id: '29:alice', aadObjectId: 'aad-alice' };
const BOB: TeamsUser = { id: '29:bob', aadObjectId: 'aad-bob' };
const CAROL: TeamsUser = { id: '29:carol', aadObjectId: 'aad-carol' };
const DAVE: TeamsUser = { id: '29:dave', aadObjectId: 'aad-dave' };
const personal = (user: TeamsUser) => `a:personal-${user.aadObjectId}`;

let teams: FakeTeams;
let t: TestVigil;
let f: ApprovalsFixture;
let base: string;

type Node = Record<string, any>;
/** Every element and action of a card, depth first (ShowCard cards included). */
function walk(node: Node): Node[] {
  const children = [...(node.body ?? []), ...(node.actions ?? []), ...(node.items ?? []), ...(node.card ? [node.card] : [])] as Node[];
  return [node, ...children.flatMap(walk)];
}
const cardOf = (call: ConnectorCall): Node | undefined => call.body?.attachments?.[0]?.content;
const executes = (call: ConnectorCall) => walk(cardOf(call) ?? {}).filter((node) => node.type === 'Action.Execute');

/** Offer cards sent to alice's personal chat, oldest first. */
const offers = () => teams.sent(personal(ALICE)).filter((call) => executes(call).some((action) => action.verb === 'extend'));
/** Cards for approval `id` (its Approve action). */
const cardsFor = (id: string) =>
  teams.calls.filter((call) => call.method === 'POST' && executes(call).some((action) => action.verb === 'approve' && action.data?.approvalId === id));

const execute = (user: TeamsUser, data: Record<string, unknown>) =>
  postInvoke(base, teamsExecute(teams, AAD_TENANT, user, { verb: String(data.vigil), data }, { id: personal(user), type: 'personal' }));

async function answer(user: TeamsUser, data: Record<string, unknown>): Promise<string> {
  const response = await execute(user, data);
  expect(response.status).toBe(200);
  expect(response.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
  return String(response.body.value);
}

beforeAll(async () => {
  teams = await startFakeTeams();
  t = await startTestVigil({ env: { TEAMS_BOT_ENABLED: 'true', TEAMS_SERVICE_URL: teams.serviceUrl } });
  base = t.url.replace(/\/graphql$/, '');
  f = await buildApprovalsFixture(t);
  await buildExtensionLanes(t);
  for (const [user, vigilUser] of [
    [ALICE, f.alice],
    [BOB, f.bob],
    [CAROL, f.carol],
    [DAVE, f.dave],
  ] as const) {
    teams.members.set(user.id, { aadObjectId: user.aadObjectId, email: vigilUser.email });
  }
  await bindTeamsTenant(t, teams, base, AAD_TENANT, APPROVERS);
  // Each has talked to the bot in personal chat: Vigil may write to them there.
  for (const user of [ALICE, BOB, CAROL, DAVE]) expect(await postActivity(base, teamsMessage(teams, AAD_TENANT, user, { text: 'help' }))).toBe(200);
});
afterAll(async () => {
  await t?.close();
  await teams?.close();
});

/** Alice's access to `server`, approved by bob through the API; waits for her offer card. */
async function grantedAccess(server: string, extra: Record<string, unknown> = {}): Promise<{ sessionId: string; expiresAt: number; offer: ConnectorCall }> {
  const before = offers().length;
  const requested = await requestAccessAs(t, f.alice, { servers: [server], durationMinutes: 30, ...extra });
  expect(requested.errors).toBeUndefined();
  expect((await decideAs(t, f.bob, requested.data!.requestAccess.id, 'APPROVE')).errors).toBeUndefined();
  await teams.waitFor(() => offers().length > before, WAIT_MS);
  const offer = offers().at(-1)!;
  const quick = executes(offer).find((action) => action.data?.minutes === 30)!;
  const session = await sessionOf(t, quick.data.accessSessionId);
  expect(session.status).toBe('ACTIVE');
  return { sessionId: session.id, expiresAt: Date.parse(session.expiresAt), offer };
}

describe('extending access from Teams', () => {
  it('asks approvers for an extension; bob approves on its card and the session’s end moves', async () => {
    const granted = await grantedAccess('ask-01', { isSudoRequested: true });
    const card = cardOf(granted.offer)!;
    expect(JSON.stringify(card.body)).toContain('Your access to ask-01 ends');
    expect(
      walk(card)
        .filter((node) => node.type.startsWith('Action.'))
        .map((node) => [node.type, node.title]),
    ).toEqual([
      ['Action.Execute', 'Extend 30 min'],
      ['Action.ShowCard', 'Extend…'],
      ['Action.Execute', 'Extend'],
    ]);
    const quick = { vigil: 'extend', accessSessionId: granted.sessionId, minutes: 30 };

    // Dave clicking alice's card gets nowhere.
    expect(await answer(DAVE, quick)).toMatch(/^Not extended: Access session .* was not found/);

    expect(await answer(ALICE, quick)).toBe(
      'Asked for 30 more minutes of access to ask-01 with sudo (any command, as root): waiting for 1 approval. You will hear back here.',
    );
    const listed = await t.gql(`query($id: ID!) { approvals(filter: { accessSessionId: $id, kind: [EXTENSION] }) { nodes { id status } } }`, f.alice.token, {
      id: granted.sessionId,
    });
    const [extension] = listed.data!.approvals.nodes;
    expect(extension.status).toBe('PENDING');
    // Approvers get its card like any request's: the approver channel, and bob's and carol's personal chats.
    await teams.waitFor(() => cardsFor(extension.id).length >= 3, WAIT_MS);
    expect(
      cardsFor(extension.id)
        .map((call) => call.conversation)
        .sort(),
    ).toEqual([APPROVERS, personal(BOB), personal(CAROL)].sort());
    const shown = JSON.stringify(cardOf(cardsFor(extension.id)[0]!));
    expect(shown).toContain('Access extension with sudo: pending');
    expect(shown).toContain('Approving also extends sudo: any command, as root, on ask-01.');
    expect(shown).toContain('30 more minutes');

    // The policy allows 60 minutes in all: the offer said 30 were left.
    expect(JSON.stringify(card.body)).toContain('(Up to 30 more minutes.)');
    const offersBefore = offers().length;
    const approved = await execute(BOB, { vigil: 'approve', approvalId: extension.id });
    expect(approved.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(Date.parse((await sessionOf(t, granted.sessionId)).expiresAt)).toBe(granted.expiresAt + 30 * MINUTE);
    // Alice is told; with the policy's 60 minutes used up, no offer comes with it this time.
    await teams.waitFor(() => teams.sent(personal(ALICE)).some((call) => String(call.body?.text).includes('is approved.')), WAIT_MS);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(offers()).toHaveLength(offersBefore);
    expect(
      teams
        .sent(personal(ALICE))
        .some((call) =>
          String(call.body?.text).startsWith('Your request for 30 more minutes of access to ask-01 with sudo (any command, as root) is approved.'),
        ),
    ).toBe(true);

    // The policy's 60 minutes in all are used up.
    expect(await answer(ALICE, quick)).toContain('Not extended: The policy Extensions approved allows sessions of at most 60 minutes in all');
  });

  it('extends at once by a typed length where the policy needs no approval, after refusing bad lengths', async () => {
    const granted = await grantedAccess('self-01');
    const typed = (minutes: string) => ({ vigil: 'extend', accessSessionId: granted.sessionId, minutes, reason: 'the restore is slow' });
    expect(await answer(ALICE, typed('soon'))).toContain('Not extended: the length is minutes');
    expect(await answer(ALICE, typed('100'))).toContain('at most 90 more');
    expect(Date.parse((await sessionOf(t, granted.sessionId)).expiresAt)).toBe(granted.expiresAt);

    const done = await answer(ALICE, typed('1h'));
    expect(done).toMatch(
      /^Extended by the policy Self-service extensions, 60 more minutes of access to self-01: your access now ends \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\.$/,
    );
    expect(Date.parse((await sessionOf(t, granted.sessionId)).expiresAt)).toBe(granted.expiresAt + 60 * MINUTE);
  });
});
