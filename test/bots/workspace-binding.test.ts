/**
 * A chat workspace speaks for a tenant only once someone entitled inside it proved the binding
 * (issue 21): a tenant admin's bindChatWorkspace gives a one-time code, and only a Slack workspace
 * admin or owner (a non-guest member of the Teams tenant), posting it from that very workspace,
 * puts the binding in force. A tenant that claims a workspace it does not control gets nothing:
 * no answers for its people there, no posts into its channels, no hold on it against its owner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.js';
import { chatWorkspaces } from '../../server/db/tables/index.js';
import { postSlackBindCode, postTeamsBindCode, requestBinding, type SlackEndpoint } from '../support/chat-binding.js';
import { postToSlackEndpoint, slashCommand, startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { postActivity, startFakeTeams, teamsMessage, type FakeTeams } from '../support/fake-teams.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

const SECRET = 'slack-signing-secret-for-binding-tests';
const OWNED = 'T0OWNED'; // the Slack workspace of tenant "default"
const SQUATTER_OWN = 'T0SQUAT'; // the squatter's own workspace
const AAD = '7a1e0c5a-0000-4000-8000-0000000000aa';

// Slack people, and what users.info says about them.
const OWNER = 'U0OWNER'; // owner of OWNED
const MEMBER = 'U0MEMBER'; // full member of OWNED, no admin
const GUEST = 'U0GUEST'; // a guest in OWNED (Slack says admin too: the guest flag wins)
const VISITOR = 'U0VISITOR'; // an admin of another workspace, in a shared channel of OWNED
const SQUAT_ADMIN = 'U0SQUATADMIN'; // admin of SQUATTER_OWN
const ALICE = 'U0ALICE'; // a Vigil user of "default", by email

let slack: FakeSlack;
let teams: FakeTeams;
let t: TestVigil;
let clock: ManualClock;
let endpoint: SlackEndpoint;
let squatter: { tenantId: string; admin: TestUser };
let alice: TestUser;

beforeAll(async () => {
  slack = await startFakeSlack();
  teams = await startFakeTeams();
  clock = new ManualClock(new Date('2026-12-06T09:00:00Z'));
  t = await startTestVigil({
    clock,
    env: {
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_API_URL: slack.apiUrl,
      TEAMS_BOT_ENABLED: 'true',
      TEAMS_SERVICE_URL: teams.serviceUrl,
    },
  });
  endpoint = { slack, base: t.url.replace(/\/graphql$/, ''), secret: SECRET };
  squatter = await t.createTenant('squatter');
  alice = await t.createUser(t.admin.tenantId, { email: 'alice@default.test' });
  // The squatter's admin made a user with alice's address, to catch her requests if it held OWNED.
  await t.createUser(squatter.tenantId, { email: alice.email });
  slack.users.set(OWNER, { teamId: OWNED, isOwner: true });
  slack.users.set(MEMBER, { teamId: OWNED });
  slack.users.set(GUEST, { teamId: OWNED, isAdmin: true, isGuest: true });
  slack.users.set(VISITOR, { teamId: 'T0ELSEWHERE', isAdmin: true });
  slack.users.set(SQUAT_ADMIN, { teamId: SQUATTER_OWN, isAdmin: true });
  slack.users.set(ALICE, { teamId: OWNED, email: alice.email });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await slack?.close();
  await teams?.close();
});

const workspaces = async (token: string) => {
  const listed = await t.gql<any>('{ chatWorkspaces { provider externalId approverChannel verified verifiedBy bindCode bindCodeExpiresAt } }', token);
  expect(listed.errors).toBeUndefined();
  return listed.data!.chatWorkspaces as Record<string, unknown>[];
};
const auditEntries = async (token: string, action: string) => {
  const listed = await t.gql<any>(
    'query($action: [String!]) { auditLog(first: 20, filter: { action: $action }) { nodes { actorType actorId resourceName before after } } }',
    token,
    { action: [action] },
  );
  expect(listed.errors).toBeUndefined();
  return listed.data!.auditLog.nodes as Record<string, any>[];
};
/** `/audit my-commands` from `userId` in `teamId`: the ephemeral answer's text. */
const askSlack = async (teamId: string, userId: string) => {
  const answer = await postToSlackEndpoint(endpoint.base, slashCommand('/audit', 'my-commands', { teamId, userId }, slack.responseUrl), { secret: SECRET });
  expect(answer.status).toBe(200);
  return String(answer.body?.text ?? '');
};

describe('binding a Slack workspace', () => {
  let ownedCode: string;
  let squatCode: string;

  it('asked for through the API, it is not in force: the answer carries a code shown once, and the bot still does not serve the workspace', async () => {
    const asked = await requestBinding(t, t.admin.token, 'SLACK', OWNED, 'C0APPROVERS');
    expect(asked.verified).toBe(false);
    expect(asked.bindCode).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    ownedCode = asked.bindCode!;
    expect(await workspaces(t.admin.token)).toEqual([
      {
        provider: 'SLACK',
        externalId: OWNED,
        approverChannel: 'C0APPROVERS',
        verified: false,
        verifiedBy: null,
        bindCode: null,
        bindCodeExpiresAt: new Date(clock.now().getTime() + 24 * 3_600_000).toISOString(),
      },
    ]);
    // Told with the team id Slack sent, so whoever binds it need not look it up.
    expect(await askSlack(OWNED, ALICE)).toBe(
      `This Slack workspace is not connected to Vigil. An admin of your Vigil tenant asks for it with \`bindChatWorkspace(provider: SLACK, externalId: "${OWNED}")\`, and an admin or owner of this workspace confirms with \`/audit bind CODE\`.`,
    );
    const [requested] = await auditEntries(t.admin.token, 'chat_workspace.bind_requested');
    expect(requested).toMatchObject({ actorType: 'USER', resourceName: OWNED, after: { externalId: OWNED, approverChannel: 'C0APPROVERS' } });
    expect(JSON.stringify(requested)).not.toContain(ownedCode.replace(/-/g, '').slice(0, 8));
  });

  it('a tenant claiming a workspace it does not control cannot get its claim proven: members, guests, visitors from another workspace and other workspaces are refused', async () => {
    squatCode = (await requestBinding(t, squatter.admin.token, 'SLACK', OWNED, 'C0SQUATTERS')).bindCode!;
    expect(await postSlackBindCode(endpoint, OWNED, MEMBER, squatCode)).toMatch(/^Only an admin or owner of this Slack workspace/);
    expect(await postSlackBindCode(endpoint, OWNED, GUEST, squatCode)).toMatch(/^Only an admin or owner of this Slack workspace/);
    // Slack signs the request with the channel's workspace; users.info says the visitor belongs to another.
    expect(await postSlackBindCode(endpoint, OWNED, VISITOR, squatCode)).toMatch(/^Only an admin or owner of this Slack workspace/);
    // Its own workspace's admin cannot prove a claim on someone else's.
    expect(await postSlackBindCode(endpoint, SQUATTER_OWN, SQUAT_ADMIN, squatCode)).toBe(
      `That bind code was made for another Slack workspace (${OWNED}), not this one (${SQUATTER_OWN}): nothing was bound.`,
    );
    expect(await postSlackBindCode(endpoint, OWNED, OWNER, 'ABCD-EFGH-JKMN')).toMatch(/^That bind code is unknown, used or expired/);
    expect(await workspaces(squatter.admin.token)).toEqual([expect.objectContaining({ externalId: OWNED, verified: false })]);
    expect(await auditEntries(squatter.admin.token, 'chat_workspace.bound')).toEqual([]);
    // Nothing reached its people's answers or its channels meanwhile.
    expect(await askSlack(OWNED, ALICE)).toMatch(/not connected to Vigil/);
    expect(slack.callsOf('chat.postMessage')).toEqual([]);
  });

  it('the workspace owner proves the owning tenant’s code: the workspace answers for that tenant, and the code is spent', async () => {
    expect(await postSlackBindCode(endpoint, OWNED, OWNER, ownedCode.toLowerCase().replace(/-/g, ' '))).toMatch(
      /^This Slack workspace is now connected to Vigil/,
    );
    expect(await workspaces(t.admin.token)).toEqual([
      { provider: 'SLACK', externalId: OWNED, approverChannel: 'C0APPROVERS', verified: true, verifiedBy: OWNER, bindCode: null, bindCodeExpiresAt: null },
    ]);
    const [bound] = await auditEntries(t.admin.token, 'chat_workspace.bound');
    expect(bound).toMatchObject({
      actorType: 'SYSTEM',
      actorId: 'slack-bot',
      resourceName: OWNED,
      before: null,
      after: { externalId: OWNED, provenBy: OWNER, requestedBy: t.admin.id },
    });
    // Alice is answered as alice of "default" (her commands list), not refused or mapped elsewhere.
    expect(await askSlack(OWNED, ALICE)).toMatch(/: 0 shown$/);
    expect(JSON.stringify(await auditEntries(t.admin.token, 'chat_identity.linked'))).toContain(ALICE);
    expect(await auditEntries(squatter.admin.token, 'chat_identity.linked')).toEqual([]);
    expect(await postSlackBindCode(endpoint, OWNED, OWNER, ownedCode)).toMatch(/^That bind code is unknown, used or expired/);
  });

  it('once proven, the workspace is held: the squatter’s pending code, even posted by the owner, and a new claim are refused', async () => {
    expect(await postSlackBindCode(endpoint, OWNED, OWNER, squatCode)).toBe(
      'This Slack workspace is already bound to another Vigil tenant: its admin unbinds it there first.',
    );
    const again = await t.gql<any>(`mutation { bindChatWorkspace(provider: SLACK, externalId: "${OWNED}") { bindCode } }`, squatter.admin.token);
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'externalId' });
    expect(await workspaces(t.admin.token)).toEqual([expect.objectContaining({ externalId: OWNED, verified: true, verifiedBy: OWNER })]);
  });

  it('an expired code binds nothing; a fresh one does', async () => {
    const stale = (await requestBinding(t, squatter.admin.token, 'SLACK', SQUATTER_OWN)).bindCode!;
    clock.advance(24 * 3_600_000 + 1);
    expect(await postSlackBindCode(endpoint, SQUATTER_OWN, SQUAT_ADMIN, stale)).toMatch(/^That bind code is unknown, used or expired/);
    expect(await workspaces(squatter.admin.token)).toEqual([expect.objectContaining({ externalId: SQUATTER_OWN, verified: false })]);
    const fresh = (await requestBinding(t, squatter.admin.token, 'SLACK', SQUATTER_OWN)).bindCode!;
    expect(await postSlackBindCode(endpoint, SQUATTER_OWN, SQUAT_ADMIN, fresh)).toMatch(/now connected to Vigil/);
    expect(await workspaces(squatter.admin.token)).toEqual([expect.objectContaining({ externalId: SQUATTER_OWN, verified: true, verifiedBy: SQUAT_ADMIN })]);
  });

  it('a proven binding’s approver channel changes at once; a move to another workspace waits for its proof while the current one stays in force', async () => {
    const channel = await requestBinding(t, t.admin.token, 'SLACK', OWNED, 'C0NEWAPPROVERS');
    expect(channel).toEqual({ bindCode: null, verified: true });
    const move = await requestBinding(t, t.admin.token, 'SLACK', 'T0NEXT', 'C0NEXT');
    expect(move.bindCode).not.toBeNull();
    expect(await workspaces(t.admin.token)).toEqual([
      expect.objectContaining({ externalId: OWNED, approverChannel: 'C0NEWAPPROVERS', verified: true }),
      expect.objectContaining({ externalId: 'T0NEXT', approverChannel: 'C0NEXT', verified: false }),
    ]);
    expect(await askSlack(OWNED, ALICE)).toMatch(/: 0 shown$/);
  });

  it('a binding made before proof was required is not served, the bot posts no alerts for it, and the workspace’s proof for another tenant displaces it (recorded for its tenant)', async () => {
    const legacy = await t.createTenant('legacy');
    await t.vigil.database.db
      .insert(chatWorkspaces)
      .values({ tenantId: legacy.tenantId, provider: 'slack', externalId: 'T0LEGACY', approverChannel: 'C0LEGACY' });
    slack.users.set('U0LEGACYUSER', { teamId: 'T0LEGACY', email: legacy.admin.email });
    expect(await askSlack('T0LEGACY', 'U0LEGACYUSER')).toMatch(/not connected to Vigil/);

    const created = await t.gql<any>(
      `mutation { createNotificationChannel(input: { name: "Ops", type: SLACK_BOT, slackBot: { channel: "C0LEGACYALERTS" } }) { id } }`,
      legacy.admin.token,
    );
    expect(created.errors).toBeUndefined();
    const tested = await t.gql<any>(
      `mutation { testNotificationChannel(id: "${created.data!.createNotificationChannel.id}") { isSuccess error } }`,
      legacy.admin.token,
    );
    expect(tested.data!.testNotificationChannel).toEqual({ isSuccess: false, error: expect.stringMatching(/^This tenant has no proven Slack workspace/) });
    expect(slack.callsOf('chat.postMessage').filter((call) => call.args.channel === 'C0LEGACYALERTS')).toEqual([]);

    const claimant = await t.createTenant('claimant');
    slack.users.set('U0LEGACYADMIN', { teamId: 'T0LEGACY', isAdmin: true });
    const code = (await requestBinding(t, claimant.admin.token, 'SLACK', 'T0LEGACY')).bindCode!;
    expect(await postSlackBindCode(endpoint, 'T0LEGACY', 'U0LEGACYADMIN', code)).toMatch(/now connected to Vigil/);
    expect(await workspaces(legacy.admin.token)).toEqual([]);
    expect(await workspaces(claimant.admin.token)).toEqual([expect.objectContaining({ externalId: 'T0LEGACY', verified: true })]);
    const [unbound] = await auditEntries(legacy.admin.token, 'chat_workspace.unbound');
    expect(unbound).toMatchObject({
      actorId: 'slack-bot',
      before: { externalId: 'T0LEGACY', approverChannel: 'C0LEGACY' },
      after: { provenBy: 'U0LEGACYADMIN' },
    });
  });

  it('unbinding ends the binding and any waiting code: the workspace is not served again until proven again', async () => {
    const unbound = await t.gql<any>('mutation { unbindChatWorkspace(provider: SLACK) }', t.admin.token);
    expect(unbound.errors).toBeUndefined();
    expect(unbound.data).toEqual({ unbindChatWorkspace: true });
    expect(await workspaces(t.admin.token)).toEqual([]);
    expect(await askSlack(OWNED, ALICE)).toMatch(/not connected to Vigil/);
    const [entry] = await auditEntries(t.admin.token, 'chat_workspace.unbound');
    expect(entry).toMatchObject({ actorType: 'USER', before: { externalId: OWNED, awaitingProof: 'T0NEXT' }, after: null });
    const twice = await t.gql<any>('mutation { unbindChatWorkspace(provider: SLACK) }', t.admin.token);
    expect(twice.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const byUser = await t.gql<any>('mutation { unbindChatWorkspace(provider: SLACK) }', alice.token);
    expect(byUser.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('binding a Teams tenant', () => {
  const GUEST_MEMBER = { id: '29:guest', aadObjectId: 'aad-guest' };
  const FOREIGN_MEMBER = { id: '29:foreign', aadObjectId: 'aad-foreign' };
  const MEMBER_OF_AAD = { id: '29:member', aadObjectId: 'aad-member' };
  let code: string;

  beforeAll(() => {
    teams.members.set(GUEST_MEMBER.id, { aadObjectId: GUEST_MEMBER.aadObjectId, userRole: 'guest', tenantId: AAD });
    teams.members.set(FOREIGN_MEMBER.id, { aadObjectId: FOREIGN_MEMBER.aadObjectId, userRole: 'user', tenantId: '7a1e0c5a-0000-4000-8000-0000000000ff' });
    teams.members.set(MEMBER_OF_AAD.id, { aadObjectId: MEMBER_OF_AAD.aadObjectId, userRole: 'user', tenantId: AAD });
  });

  it('a guest or a member of another tenant cannot prove it; a member of the tenant does', async () => {
    code = (await requestBinding(t, t.admin.token, 'TEAMS', AAD, '19:approvers@thread.tacv2')).bindCode!;
    expect(await postTeamsBindCode(teams, endpoint.base, AAD, GUEST_MEMBER, code)).toEqual([
      expect.stringMatching(/^Only a member of this Microsoft Teams tenant \(not a guest\)/),
    ]);
    expect(await postTeamsBindCode(teams, endpoint.base, AAD, FOREIGN_MEMBER, code)).toEqual([
      expect.stringMatching(/^Only a member of this Microsoft Teams tenant/),
    ]);
    expect(await workspaces(t.admin.token)).toEqual([expect.objectContaining({ provider: 'TEAMS', verified: false })]);
    expect(await postTeamsBindCode(teams, endpoint.base, AAD, MEMBER_OF_AAD, code)).toEqual([
      expect.stringMatching(/^This Microsoft Teams tenant is now connected to Vigil/),
    ]);
    expect(await workspaces(t.admin.token)).toEqual([
      expect.objectContaining({ provider: 'TEAMS', externalId: AAD, verified: true, verifiedBy: MEMBER_OF_AAD.aadObjectId }),
    ]);
  });

  it('an activity from another Bot Framework channel (Web Chat) naming the tenant is not answered at all', async () => {
    const before = teams.calls.length;
    const activity = { ...teamsMessage(teams, AAD, MEMBER_OF_AAD, { text: 'audit my-commands' }), channelId: 'webchat' };
    expect(await postActivity(endpoint.base, activity)).toBe(200);
    expect(teams.calls.slice(before)).toEqual([]);
  });
});
