/**
 * The Teams bot's dialog and message extension, over real HTTP: an approval card's "Decide in a
 * dialog" opens a task module (`task/fetch`) whose form decides through `task/submit` with the same
 * checks as the card (a wrong authenticator code keeps the dialog open and changes nothing; a right
 * one decides); a client without dialogs gets the card back instead. The "Pending approvals"
 * message extension (`composeExtension/query`) lists, for whoever asks, exactly the requests
 * `approvalsToReview` gives them, narrowed by the words typed.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advance, APPROVAL, buildApprovalsFixture, createPolicy, requestAccessAs, type ApprovalsFixture } from '../support/approvals-fixture.js';
import { bindTeamsTenant } from '../support/chat-binding.js';
import { postActivity, postInvoke, startFakeTeams, teamsInvoke, teamsMessage, type FakeTeams, type TeamsUser } from '../support/fake-teams.js';
import { addServer } from '../support/records-fixture.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

const AC = createRequire(import.meta.url)('adaptivecards/dist/adaptivecards.js') as typeof import('adaptivecards');

const AAD_TENANT = '8b3e0c5a-0000-4000-8000-00000000c0de';
const APPROVERS = '19:dialog-approvers@thread.tacv2';
const ADAPTIVE = 'application/vnd.microsoft.card.adaptive';

const ALICE: TeamsUser = { id: '29:alice', aadObjectId: 'aad-alice' };
const BOB: TeamsUser = { id: '29:bob', aadObjectId: 'aad-bob' };
const CAROL: TeamsUser = { id: '29:carol', aadObjectId: 'aad-carol' };
const DAVE: TeamsUser = { id: '29:dave', aadObjectId: 'aad-dave' };
const ERIN: TeamsUser = { id: '29:erin', aadObjectId: 'aad-erin' };
const MALLORY: TeamsUser = { id: '29:mallory', aadObjectId: 'aad-mallory' };

let teams: FakeTeams;
let t: TestVigil;
let f: ApprovalsFixture;
let base: string;

beforeAll(async () => {
  teams = await startFakeTeams();
  t = await startTestVigil({ env: { TEAMS_BOT_ENABLED: 'true', TEAMS_SERVICE_URL: teams.serviceUrl } });
  base = t.url.replace(/\/graphql$/, '');
  f = await buildApprovalsFixture(t);
  for (const [user, vigilUser] of [
    [ALICE, f.alice],
    [BOB, f.bob],
    [CAROL, f.carol],
    [DAVE, f.dave],
    [ERIN, f.erin],
  ] as const) {
    teams.members.set(user.id, { aadObjectId: user.aadObjectId, email: vigilUser.email });
  }
  teams.members.set(MALLORY.id, { aadObjectId: MALLORY.aadObjectId, email: 'mallory@elsewhere.test' });
  await bindTeamsTenant(t, teams, base, AAD_TENANT, APPROVERS);
  await addServer(t, t.admin.tenantId, 'vault-01', [{ key: 'lane', value: 'stepup' }]);
  await addServer(t, t.admin.tenantId, 'data-01', [{ key: 'lane', value: 'dba' }]);
  const policy = { requestKinds: ['ACCESS', 'SUDO'], isAdminApprover: false, requiredApprovals: 1 };
  for (const input of [
    { ...policy, name: 'SRE prod', approverGroups: ['sre'], serverLabels: [{ key: 'env', value: 'prod' }] },
    { ...policy, name: 'Vault step-up', approverGroups: ['sre'], serverLabels: [{ key: 'lane', value: 'stepup' }], chatApproval: 'STEP_UP' },
    { ...policy, name: 'DBA', approverGroups: ['dba'], serverLabels: [{ key: 'lane', value: 'dba' }] },
  ]) {
    expect((await createPolicy(t, input)).errors).toBeUndefined();
  }
});
afterAll(async () => {
  await t?.close();
  await teams?.close();
});

type Card = Record<string, any>;

/** Every element and action of a card, depth first. */
function walk(card: Card): Card[] {
  const out: Card[] = [];
  const visit = (node: any) => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node.type === 'string') out.push(node);
    for (const key of ['body', 'items', 'actions', 'columns']) if (key in node) visit(node[key]);
  };
  visit(card.body);
  visit(card.actions);
  return out;
}
const inputsOf = (card: Card) =>
  walk(card)
    .filter((node) => String(node.type).startsWith('Input.'))
    .map((node) => node.id);
const actionsOf = (card: Card) =>
  walk(card)
    .filter((node) => String(node.type).startsWith('Action.'))
    .map((node) => ({ type: node.type, title: node.title, data: node.data }));
const textsOf = (card: Card) =>
  walk(card)
    .filter((node) => node.type === 'TextBlock' || node.type === 'RichTextBlock')
    .map((node) => (node.type === 'RichTextBlock' ? node.inlines.map((inline: any) => inline.text).join('') : String(node.text)));

/** Validates a card against the Adaptive Cards version it declares, as teams.test.ts does for every card the bot sent. */
function problemsOf(card: Card): string[] {
  expect(card.version).toBe('1.5');
  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  parsed.parse(card, context);
  const parseProblems = Array.from({ length: context.eventCount }, (_, index) => context.getEventAt(index).message);
  return [...parseProblems, ...parsed.validateProperties().validationEvents.map((event) => event.message)];
}

const approval = async (id: string) => {
  const response = await t.gql(APPROVAL, t.admin.token, { id });
  expect(response.errors).toBeUndefined();
  return response.data!.approval;
};

/** A request by alice through the API, and its card as posted to the approver channel. */
async function requested(server: string): Promise<{ id: string; card: Card }> {
  const response = await requestAccessAs(t, f.alice, { servers: [server], durationMinutes: 30, reason: `work on ${server}` });
  expect(response.errors).toBeUndefined();
  const id = response.data!.requestAccess.id as string;
  const posted = () => teams.sent(APPROVERS).find((call) => call.body?.attachments?.[0]?.content?.refresh?.action?.data?.approvalId === id);
  await teams.waitFor(() => posted() !== undefined, 10_000);
  const [attachment] = posted()!.body.attachments;
  expect(attachment.contentType).toBe(ADAPTIVE);
  return { id, card: attachment.content };
}

const invoke = (user: TeamsUser, name: string, value: Record<string, unknown>, conversation: { id?: string; type?: 'personal' | 'channel' } = {}) =>
  postInvoke(base, teamsInvoke(teams, AAD_TENANT, user, name, value, conversation));
const inChannel = { id: APPROVERS, type: 'channel' as const };

describe('deciding in a dialog (task module)', () => {
  let secret: string;
  const codeAt = (offsetMs = 0) =>
    new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: t.clock.now().getTime() + offsetMs });
  const wrongCode = () => {
    const valid = new Set([codeAt(-30_000), codeAt(), codeAt(30_000)]);
    for (let n = 0; ; n++) if (!valid.has(String(n).padStart(6, '0'))) return String(n).padStart(6, '0');
  };

  beforeAll(async () => {
    const started = await t.gql('mutation { startTotpEnrolment { secret } }', f.bob.token);
    secret = started.data!.startTotpEnrolment.secret;
    const confirmed = await t.gql('mutation($code: String!) { confirmTotpEnrolment(code: $code) }', f.bob.token, { code: codeAt() });
    expect(confirmed.data).toEqual({ confirmTotpEnrolment: true });
    advance(t, 1); // the confirming code's step is spent
  });

  it('a STEP_UP request: the dialog asks for the code; a wrong one keeps it open and changes nothing, a right one decides', async () => {
    const { id, card } = await requested('vault-01');
    // The card keeps its own inputs (clients without dialogs) and offers the dialog.
    expect(inputsOf(card)).toEqual(['justification', 'totpCode']);
    const opener = actionsOf(card).find((action) => action.title === 'Decide in a dialog');
    expect(opener).toEqual({ type: 'Action.Submit', title: 'Decide in a dialog', data: { msteams: { type: 'task/fetch' }, vigil: 'dialog', approvalId: id } });

    // Teams asks for the dialog with the button's data.
    const fetched = await invoke(BOB, 'task/fetch', { data: opener!.data, context: { theme: 'default' } }, inChannel);
    expect(fetched.status).toBe(200);
    expect(fetched.body.task).toMatchObject({ type: 'continue', value: { title: 'Access request', card: { contentType: ADAPTIVE } } });
    const form = fetched.body.task.value.card.content;
    expect(problemsOf(form)).toEqual([]);
    expect(textsOf(form)[0]).toBe('Access request by alice@example.test');
    expect(textsOf(form)).toContain('work on vault-01');
    expect(inputsOf(form)).toEqual(['justification', 'totpCode']);
    expect(actionsOf(form)).toEqual([
      { type: 'Action.Submit', title: 'Approve', data: { vigil: 'approve', approvalId: id } },
      { type: 'Action.Submit', title: 'Deny', data: { vigil: 'deny', approvalId: id } },
    ]);

    // Someone it is not waiting for gets no form.
    for (const who of [DAVE, ERIN]) {
      const refused = await invoke(who, 'task/fetch', { data: opener!.data }, inChannel);
      expect(refused.body).toEqual({ task: { type: 'message', value: expect.stringMatching(/^This request is not yours to decide now/) } });
    }

    // Teams sends the form's inputs with the button's data.
    const wrong = await invoke(
      BOB,
      'task/submit',
      { data: { vigil: 'approve', approvalId: id, justification: 'rotation window', totpCode: wrongCode() } },
      inChannel,
    );
    expect(wrong.body.task.type).toBe('continue');
    const again = wrong.body.task.value.card.content;
    expect(textsOf(again)).toContain('Not decided: The TOTP code is not valid. Nothing changed.');
    expect(walk(again).find((node) => node.id === 'justification')?.value).toBe('rotation window');
    expect(walk(again).find((node) => node.id === 'totpCode')?.value).toBeUndefined();
    const none = await invoke(BOB, 'task/submit', { data: { vigil: 'approve', approvalId: id, justification: '' } }, inChannel);
    expect(textsOf(none.body.task.value.card.content)).toContain(
      'Not decided: The policy Vault step-up asks for your authenticator code to decide in chat. Nothing changed.',
    );
    expect(await approval(id)).toMatchObject({ status: 'PENDING', decisions: [] });

    const code = codeAt();
    const right = await invoke(BOB, 'task/submit', { data: { vigil: 'approve', approvalId: id, justification: 'rotation window', totpCode: code } }, inChannel);
    expect(right.body).toEqual({ task: { type: 'message', value: 'You approved alice@example.test’s access to vault-01, for 30 minutes.' } });
    expect(await approval(id)).toMatchObject({
      status: 'APPROVED',
      decisions: [{ decision: 'APPROVE', justification: 'rotation window', channel: 'TEAMS', chatUserId: BOB.aadObjectId, approver: { email: f.bob.email } }],
    });
    // Decided, the button opens nothing more.
    const late = await invoke(CAROL, 'task/fetch', { data: opener!.data }, inChannel);
    expect(late.body).toEqual({ task: { type: 'message', value: 'That request is approved: there is nothing to decide.' } });
  });

  it('a client without dialogs sends the button as a message: the card comes back, whose own inputs decide', async () => {
    const { id, card } = await requested('web-01');
    const opener = actionsOf(card).find((action) => action.title === 'Decide in a dialog')!;
    const activity = teamsMessage(teams, AAD_TENANT, BOB, { value: opener.data as Record<string, unknown> });
    expect(await postActivity(base, activity)).toBe(200);
    const [answer, ...more] = teams.calls.filter((call) => call.method === 'POST' && call.activityId === activity.id);
    expect(more).toEqual([]);
    const shown = answer!.body.attachments[0].content;
    expect(textsOf(shown)[0]).toBe('Access request: pending');
    expect(inputsOf(shown)).toEqual(['justification']);
    expect(actionsOf(shown).map((action) => action.title)).toEqual(['Approve', 'Deny', 'Decide in a dialog']);
    expect(await approval(id)).toMatchObject({ status: 'PENDING' });
    // Out of the way of the searches below.
    expect((await t.gql(`mutation($id: ID!) { cancelApproval(id: $id) { status } }`, f.alice.token, { id })).data).toEqual({
      cancelApproval: { status: 'CANCELLED' },
    });
  });
});

describe('the Pending approvals message extension', () => {
  const search = async (user: TeamsUser, words?: string, options: { skip?: number; count?: number } = {}) => {
    const response = await invoke(user, 'composeExtension/query', {
      commandId: 'pendingApprovals',
      parameters: words === undefined ? [{ name: 'initialRun', value: 'true' }] : [{ name: 'query', value: words }],
      queryOptions: { skip: options.skip ?? 0, count: options.count ?? 25 },
    });
    expect(response.status).toBe(200);
    return response.body.composeExtension;
  };
  const idsOf = (result: { attachments: { content: Card }[] }) => result.attachments.map((attachment) => attachment.content.refresh.action.data.approvalId);
  const toReview = async (who: TestUser) => {
    const answer = await t.gql<any>('{ approvalsToReview(first: 100) { nodes { id } } }', who.token);
    expect(answer.errors).toBeUndefined();
    return answer.data!.approvalsToReview.nodes.map((node: { id: string }) => node.id);
  };

  it('is declared in the app manifest as a search command of the bot', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../bot/teams/manifest.json', import.meta.url), 'utf8'));
    expect(manifest.composeExtensions).toEqual([
      expect.objectContaining({
        botId: '{{MICROSOFT_APP_ID}}',
        commands: [
          expect.objectContaining({ id: 'pendingApprovals', type: 'query', initialRun: true, parameters: [expect.objectContaining({ name: 'query' })] }),
        ],
      }),
    ]);
  });

  it('lists exactly the requests waiting for the person asking, newest first, narrowed by the words typed', async () => {
    const web = await requested('web-01');
    const db = await requested('db-01');
    const data = await requested('data-01');

    const bobs = await search(BOB);
    expect(bobs).toMatchObject({ type: 'result', attachmentLayout: 'list' });
    expect(idsOf(bobs)).toEqual(await toReview(f.bob));
    expect(idsOf(bobs)).toEqual(expect.arrayContaining([db.id, web.id]));
    expect(idsOf(bobs)).not.toContain(data.id);
    expect(idsOf(bobs).indexOf(db.id)).toBeLessThan(idsOf(bobs).indexOf(web.id));
    // erin (dba) sees the data request alone; alice (a requester) and dave nothing to decide.
    expect(idsOf(await search(ERIN))).toEqual([data.id]);
    expect(idsOf(await search(ALICE))).toEqual([]);
    expect(idsOf(await search(DAVE))).toEqual([]);

    // Each result: a one-line preview and the approval card itself (its own buttons and refresh).
    const first = bobs.attachments.find((attachment: any) => attachment.content.refresh.action.data.approvalId === db.id);
    expect(first.contentType).toBe(ADAPTIVE);
    expect(problemsOf(first.content)).toEqual([]);
    expect(textsOf(first.content)[0]).toBe('Access request: pending');
    expect(first.preview).toEqual({
      contentType: 'application/vnd.microsoft.card.thumbnail',
      content: expect.objectContaining({ title: 'Access request: db-01', text: 'alice@example.test · 1 approval still needed' }),
    });

    // Words narrow (all of them must match), and the page is what Teams asked for.
    expect(idsOf(await search(BOB, 'DB-01'))).toEqual([db.id]);
    expect(idsOf(await search(BOB, 'work alice web-01'))).toEqual([web.id]);
    expect(idsOf(await search(BOB, 'no-such-server'))).toEqual([]);
    expect(idsOf(await search(BOB, undefined, { skip: 1, count: 1 }))).toEqual([idsOf(bobs)[1]]);

    // Decided, a request leaves the list of everyone who may decide it.
    expect((await t.gql(`mutation($id: ID!) { decideApproval(id: $id, decision: APPROVE) { status } }`, f.carol.token, { id: db.id })).errors).toBeUndefined();
    expect(idsOf(await search(BOB))).not.toContain(db.id);
    expect(idsOf(await search(BOB))).toContain(web.id);
  });

  it('someone Vigil does not know is told how to link, and sees nothing', async () => {
    const answer = await search(MALLORY);
    expect(answer).toEqual({ type: 'message', text: expect.stringMatching(/^I do not know you in Vigil/) });
  });
});
