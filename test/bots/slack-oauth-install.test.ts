/**
 * "Add to Slack" for many workspaces: each tenant's admin starts an install through GraphQL, Slack
 * sends the browser back with a code (the fake Slack grants it for one workspace and its own bot
 * token), and the workspace is bound to that tenant with that token. Two workspaces in two tenants:
 * every call Vigil makes for one carries that workspace's token only (the fake answers users.info
 * only for the token's own workspace), and nothing of one tenant reaches the other. A used or
 * unknown state, a workspace proven for another tenant and an uninstall are handled as such.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../server/db/database.js';
import { CREATE_POLICY, requestAccessAs } from '../support/approvals-fixture.js';
import { eventCallback, postEventToSlackEndpoint, SLACK_CLIENT, slashCommand, startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { addServer } from '../support/records-fixture.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

const SECRET = 'slack-signing-secret-for-tests';
const PUBLIC_URL = 'https://vigil.example.test';
const REDIRECT_URI = `${PUBLIC_URL}/slack/oauth_redirect`;
const WAIT_MS = 10_000;

interface Tenant {
  readonly tenantId: string;
  readonly slug: string;
  readonly admin: TestUser;
  readonly member: TestUser;
  readonly team: string;
  readonly token: string;
  readonly channel: string;
  readonly slackMember: string;
}

let slack: FakeSlack;
let t: TestVigil;
let base: string;
let alpha: Tenant;
let beta: Tenant;

const INSTALL = `mutation($channel: String) { installSlackApp(approverChannel: $channel) { installUrl expiresAt } }`;
const WORKSPACES = `{ chatWorkspaces { provider externalId approverChannel verified } }`;

async function startInstall(admin: TestUser, channel: string): Promise<{ url: URL; state: string }> {
  const answer = await t.gql<any>(INSTALL, admin.token, { channel });
  expect(answer.errors).toBeUndefined();
  const url = new URL(answer.data!.installSlackApp.installUrl);
  return { url, state: url.searchParams.get('state')! };
}

/** The installing browser coming back from Slack. */
const comeBack = async (query: Record<string, string>) => {
  const response = await fetch(`${base}/slack/oauth_redirect?${new URLSearchParams(query)}`);
  return { status: response.status, text: await response.text() };
};

async function install(tenant: Tenant): Promise<void> {
  const { state } = await startInstall(tenant.admin, tenant.channel);
  const code = `code-${tenant.team}`;
  slack.grantInstall(code, {
    teamId: tenant.team,
    teamName: `Team ${tenant.team}`,
    botToken: tenant.token,
    installerId: `UINSTALLER${tenant.team}`,
    redirectUri: REDIRECT_URI,
  });
  const page = await comeBack({ code, state });
  expect(page.status).toBe(200);
  expect(page.text).toContain(`Team ${tenant.team} is now connected to the Vigil tenant`);
  expect(page.text).toContain(`(${tenant.slug})`);
}

async function makeTenant(slug: string | undefined, team: string): Promise<Tenant> {
  const created = slug ? await t.createTenant(slug) : { tenantId: t.admin.tenantId, admin: t.admin };
  const member = await t.createUser(created.tenantId, { email: `member@${team.toLowerCase()}.example.test` });
  const tenant = {
    ...created,
    slug: slug ?? 'default',
    member,
    team,
    token: `xoxb-${team.toLowerCase()}-own-token`,
    channel: `C0${team}APPROVE`,
    slackMember: `U${team}MEMBER`,
  };
  slack.users.set(tenant.slackMember, { email: member.email, teamId: team });
  await addServer(t, created.tenantId, `web-${team.toLowerCase()}`);
  const policy = await t.gql<any>(CREATE_POLICY, created.admin.token, { input: { name: 'Admins approve', requestKinds: ['ACCESS'], requiredApprovals: 1 } });
  expect(policy.errors).toBeUndefined();
  return tenant;
}

beforeAll(async () => {
  slack = await startFakeSlack();
  t = await startTestVigil({
    env: {
      SLACK_CLIENT_ID: SLACK_CLIENT.id,
      SLACK_CLIENT_SECRET: SLACK_CLIENT.secret,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      SLACK_OAUTH_REDIRECT_URL: REDIRECT_URI,
    },
  });
  base = t.url.replace(/\/graphql$/, '');
  alpha = await makeTenant(undefined, 'TALPHA');
  beta = await makeTenant('beta', 'TBETA');
});
afterAll(async () => {
  await t?.close();
  await slack?.close();
});

describe('Slack installs through OAuth', () => {
  it('hands an admin a link to Slack’s consent page for this app, its scopes and Vigil’s redirect; a regular user gets none', async () => {
    const { url, state } = await startInstall(alpha.admin, alpha.channel);
    expect(`${url.origin}${url.pathname}`).toBe('https://slack.com/oauth/v2/authorize');
    expect(url.searchParams.get('client_id')).toBe(SLACK_CLIENT.id);
    expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(url.searchParams.get('scope')!.split(',')).toEqual(expect.arrayContaining(['commands', 'chat:write', 'users:read.email']));
    expect(state.length).toBeGreaterThanOrEqual(40);
    const refused = await t.gql<any>(INSTALL, alpha.member.token, { channel: 'C0X' });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('binds each workspace to the tenant whose admin started its install, with its own token', async () => {
    await install(alpha);
    await install(beta);
    const exchanges = slack.callsOf('oauth.v2.access');
    expect(exchanges.map((call) => call.args.code)).toEqual(['code-TALPHA', 'code-TBETA']);
    expect(exchanges.every((call) => call.args.client_secret === SLACK_CLIENT.secret && call.args.redirect_uri === REDIRECT_URI)).toBe(true);
    for (const tenant of [alpha, beta]) {
      const listed = await t.gql<any>(WORKSPACES, tenant.admin.token);
      expect(listed.data!.chatWorkspaces).toEqual([{ provider: 'SLACK', externalId: tenant.team, approverChannel: tenant.channel, verified: true }]);
    }
    // The token is sealed at rest: not in the row, not in any audit entry.
    const [stored] = await queryRows<{ sealed: string }>(
      t.vigil.database.db,
      sql`select bot_token_sealed as sealed from chat_workspaces where external_id = 'TALPHA'`,
    );
    expect(stored!.sealed).toMatch(/^v\d/);
    expect(stored!.sealed).not.toContain(alpha.token);
    const audit = await t.gql<any>(`{ auditLog(first: 50) { nodes { action after } } }`, alpha.admin.token);
    const installed = audit.data!.auditLog.nodes.find((entry: any) => entry.action === 'chat_workspace.installed');
    expect(installed.after).toMatchObject({ externalId: 'TALPHA', installedBy: 'UINSTALLERTALPHA', approverChannel: alpha.channel });
    expect(JSON.stringify(audit.data)).not.toContain(alpha.token);
  });

  it('refuses a state used before, an unknown one, and a code Slack refuses; nothing changes', async () => {
    const { state } = await startInstall(beta.admin, 'C0OTHER');
    expect((await comeBack({ code: 'code-never-granted', state })).status).toBe(400);
    expect((await comeBack({ code: 'x', state: 'not-a-state-vigil-made' })).status).toBe(400);
    expect((await comeBack({ error: 'access_denied', state })).status).toBe(400);
    const listed = await t.gql<any>(WORKSPACES, beta.admin.token);
    expect(listed.data!.chatWorkspaces[0]).toMatchObject({ externalId: 'TBETA', approverChannel: beta.channel });
  });

  it('refuses a workspace proven for another tenant: beta cannot take alpha’s workspace', async () => {
    const { state } = await startInstall(beta.admin, 'C0STOLEN');
    slack.grantInstall('code-steal', {
      teamId: 'TALPHA',
      teamName: 'Team TALPHA',
      botToken: 'xoxb-talpha-second',
      installerId: 'UEVE',
      redirectUri: REDIRECT_URI,
    });
    const page = await comeBack({ code: 'code-steal', state });
    expect(page.status).toBe(409);
    expect(page.text).toContain('already bound to another Vigil tenant');
    expect((await t.gql<any>(WORKSPACES, alpha.admin.token)).data!.chatWorkspaces[0]).toMatchObject({ externalId: 'TALPHA', approverChannel: alpha.channel });
    expect((await t.gql<any>(WORKSPACES, beta.admin.token)).data!.chatWorkspaces[0]).toMatchObject({ externalId: 'TBETA' });
  });

  it('posts each tenant’s requests to its own workspace with its own token, and nothing crosses', async () => {
    const before = slack.calls.length;
    for (const tenant of [alpha, beta]) {
      const answer = await requestAccessAs(t, tenant.member, { servers: [`web-${tenant.team.toLowerCase()}`], reason: `needed by ${tenant.team}` });
      expect(answer.errors).toBeUndefined();
    }
    const posts = () => slack.calls.slice(before).filter((call) => call.method === 'chat.postMessage');
    await slack.waitFor(() => [alpha, beta].every((tenant) => posts().some((call) => call.args.channel === tenant.channel)), WAIT_MS);
    for (const [tenant, other] of [
      [alpha, beta],
      [beta, alpha],
    ] as const) {
      const mine = posts().filter((call) => call.args.channel === tenant.channel);
      expect(mine.length).toBeGreaterThan(0);
      expect(mine.every((call) => call.token === tenant.token && JSON.stringify(call.args).includes(`needed by ${tenant.team}`))).toBe(true);
      expect(mine.some((call) => JSON.stringify(call.args).includes(`needed by ${other.team}`))).toBe(false);
    }
    expect(posts().every((call) => call.token === alpha.token || call.token === beta.token)).toBe(true);
  });

  it('answers each workspace’s people as their own tenant’s users, asking Slack with that workspace’s token', async () => {
    for (const tenant of [alpha, beta]) {
      const before = slack.calls.length;
      const answer = await slack.deliver(
        base,
        slashCommand('/audit', 'approvals --status pending', { teamId: tenant.team, userId: tenant.slackMember }, slack.responseUrl),
        {
          secret: SECRET,
        },
      );
      expect(answer.status).toBe(200);
      const said = JSON.stringify(answer.body);
      const other = tenant === alpha ? beta : alpha;
      expect(said).toContain(`access to web-${tenant.team.toLowerCase()}`);
      expect(said).not.toContain(`web-${other.team.toLowerCase()}`);
      expect(
        slack.calls
          .slice(before)
          .filter((call) => call.method === 'users.info')
          .every((call) => call.token === tenant.token),
      ).toBe(true);
    }
  });

  it('ends the binding when the app is uninstalled from a workspace; the other tenant keeps its own', async () => {
    const gone = await postEventToSlackEndpoint(base, eventCallback('TALPHA', { type: 'app_uninstalled' }), { secret: SECRET });
    expect(gone.status).toBe(200);
    await expect.poll(async () => (await t.gql<any>(WORKSPACES, alpha.admin.token)).data!.chatWorkspaces, { timeout: WAIT_MS }).toEqual([]);
    expect((await t.gql<any>(WORKSPACES, beta.admin.token)).data!.chatWorkspaces[0]).toMatchObject({ externalId: 'TBETA', verified: true });
    const before = slack.calls.length;
    const answer = await requestAccessAs(t, alpha.member, { servers: ['web-talpha'], reason: 'after the uninstall' });
    expect(answer.errors).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(slack.calls.slice(before).some((call) => call.token === alpha.token)).toBe(false);
  });
});
