/**
 * Binding a chat workspace as a tenant really does: the tenant admin asks through GraphQL and gets
 * a one-time code, and someone entitled inside the workspace posts it through the bot (a signed
 * `/audit bind CODE` from a Slack workspace admin; `audit bind CODE` from a member of the Teams
 * tenant). Bots serve a workspace only once it is proven.
 */
import { expect } from 'vitest';
import { slashCommand, type FakeSlack } from './fake-slack.js';
import { postActivity, teamsMessage, type FakeTeams } from './fake-teams.js';
import type { TestVigil } from './test-vigil.js';

/** The Slack workspace admin who posts bind codes (no Vigil user: binding needs none). */
export const SLACK_WORKSPACE_ADMIN = 'UWORKSPACEADMIN';
/** The Teams tenant member who posts bind codes. */
export const TEAMS_TENANT_MEMBER = { id: '29:tenant-member-binder', aadObjectId: 'aad-tenant-member-binder', name: 'Tenant member' } as const;

/** bindChatWorkspace as `token`: the answer, whose bindCode is posted from the workspace. */
export async function requestBinding(
  t: TestVigil,
  token: string,
  provider: 'SLACK' | 'TEAMS',
  externalId: string,
  approverChannel?: string,
): Promise<{ bindCode: string | null; verified: boolean }> {
  const channel = approverChannel ? `, approverChannel: ${JSON.stringify(approverChannel)}` : '';
  const answer = await t.gql<any>(
    `mutation { bindChatWorkspace(provider: ${provider}, externalId: ${JSON.stringify(externalId)}${channel}) { bindCode verified } }`,
    token,
  );
  expect(answer.errors).toBeUndefined();
  return answer.data!.bindChatWorkspace;
}

export interface SlackEndpoint {
  readonly slack: FakeSlack;
  /** Vigil's base URL (without /graphql). */
  readonly base: string;
  readonly secret: string;
}

/** Posts `/audit bind CODE` from `userId` in `teamId`; the ephemeral answer's text. */
export async function postSlackBindCode(endpoint: SlackEndpoint, teamId: string, userId: string, code: string): Promise<string> {
  const answer = await endpoint.slack.deliver(endpoint.base, slashCommand('/audit', `bind ${code}`, { teamId, userId }, endpoint.slack.responseUrl), {
    secret: endpoint.secret,
  });
  expect(answer.status).toBe(200);
  return String(answer.body?.text ?? '');
}

/** Binds and proves the tenant's Slack workspace, as its admin and the workspace's admin would. */
export async function bindSlackWorkspace(
  t: TestVigil,
  endpoint: SlackEndpoint,
  teamId: string,
  approverChannel?: string,
  token = t.admin.token,
): Promise<void> {
  const { bindCode } = await requestBinding(t, token, 'SLACK', teamId, approverChannel);
  expect(bindCode).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
  endpoint.slack.users.set(SLACK_WORKSPACE_ADMIN, { teamId, isAdmin: true });
  expect(await postSlackBindCode(endpoint, teamId, SLACK_WORKSPACE_ADMIN, bindCode!)).toMatch(/now connected to Vigil/);
}

/** Sends `audit bind CODE` to the bot from `member` in `aadTenantId`; the texts of the bot's replies. */
export async function postTeamsBindCode(
  teams: FakeTeams,
  base: string,
  aadTenantId: string,
  member: { id: string; aadObjectId: string; name?: string },
  code: string,
): Promise<string[]> {
  const activity = teamsMessage(teams, aadTenantId, member, { text: `audit bind ${code}` });
  expect(await postActivity(base, activity)).toBe(200);
  return teams.calls
    .filter((call) => call.method === 'POST' && call.activityId === activity.id)
    .map((call) => String(call.body?.attachments?.[0]?.content?.body?.[0]?.text ?? ''));
}

/** Binds and proves the tenant's Teams tenant, as its admin and a member of the AAD tenant would. */
export async function bindTeamsTenant(t: TestVigil, teams: FakeTeams, base: string, aadTenantId: string, approverChannel?: string): Promise<void> {
  const { bindCode } = await requestBinding(t, t.admin.token, 'TEAMS', aadTenantId, approverChannel);
  teams.members.set(TEAMS_TENANT_MEMBER.id, { aadObjectId: TEAMS_TENANT_MEMBER.aadObjectId, tenantId: aadTenantId });
  expect(await postTeamsBindCode(teams, base, aadTenantId, TEAMS_TENANT_MEMBER, bindCode!)).toEqual([expect.stringMatching(/now connected to Vigil/)]);
  const listed = await t.gql<any>('{ chatWorkspaces { provider externalId verified } }', t.admin.token);
  expect(listed.data!.chatWorkspaces).toContainEqual({ provider: 'TEAMS', externalId: aadTenantId, verified: true });
}
