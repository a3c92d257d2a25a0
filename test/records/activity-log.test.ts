import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes, graphql } from '../support/graphql-client.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let bob: TestUser;
beforeAll(async () => {
  t = await startTestVigil();
  bob = await t.createUser(t.admin.tenantId, { email: 'bob@example.test' });
});
afterAll(async () => t?.close());

const ACTIVITY = `query($filter: ActivityFilterInput) { activityLog(first: 100, filter: $filter) {
  nodes { action result userEmail user { email } ipAddress userAgent details requestId occurredAt } } }`;

async function activity(filter: Record<string, unknown>) {
  const response = await t.gql<any>(ACTIVITY, t.admin.token, { filter });
  expect(response.errors).toBeUndefined();
  return response.data!.activityLog.nodes as any[];
}

describe('the workspace activity log', () => {
  it("records an admin's role and permission changes with who, from where, and old and new values", async () => {
    await fetch(t.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${t.admin.token}`,
        'user-agent': 'vigil-test/1.0',
        'x-request-id': 'role-change-1',
      },
      body: JSON.stringify({ query: `mutation { changeUserRole(id: "${bob.id}", role: ADMIN) { role } }` }),
    });
    await t.gql(`mutation { grantPermissions(userId: "${bob.id}", permissions: [AUDIT_LOGS_VIEW]) { id } }`, t.admin.token);
    const [roleChange] = await activity({ action: ['user.role_changed'] });
    expect(roleChange).toMatchObject({
      action: 'user.role_changed',
      result: 200,
      userEmail: 'admin@localhost',
      user: { email: 'admin@localhost' },
      userAgent: 'vigil-test/1.0',
      requestId: 'role-change-1',
      details: { targetUserId: bob.id, email: 'bob@example.test', oldRole: 'user', newRole: 'admin' },
    });
    expect(roleChange.ipAddress).toMatch(/127\.0\.0\.1/);
    const [grant] = await activity({ action: ['user.permissions_changed'] });
    expect(grant.details).toMatchObject({ oldPermissions: [], newPermissions: ['audit_logs.view'] });
  });

  it('records tokens created and revoked and servers registered and retired', async () => {
    const created = await t.gql<any>('mutation { createUserToken(input: { name: "ci" }) { apiToken { id } } }', t.admin.token);
    const tokenId = created.data!.createUserToken.apiToken.id;
    await t.gql(`mutation { revokeToken(id: "${tokenId}") { id } }`, t.admin.token);
    const server = await t.gql<any>(
      'mutation { registerServer(input: { name: "old-01", hostname: "old01", os: "CentOS 7", ipAddress: "10.9.9.9" }) { id } }',
      t.admin.token,
    );
    const serverId = server.data!.registerServer.id;
    await t.gql(`mutation { deleteServer(id: "${serverId}") { deletedAt } }`, t.admin.token);

    const tokens = await activity({ action: ['token.created', 'token.revoked'] });
    expect(tokens.filter((entry) => entry.details.tokenId === tokenId).map((entry) => entry.action)).toEqual(['token.revoked', 'token.created']);
    const servers = await activity({ action: ['server.registered', 'server.deleted'] });
    expect(servers.filter((entry) => entry.details.serverId === serverId).map((entry) => [entry.action, entry.details.hostname])).toEqual([
      ['server.deleted', 'old01'],
      ['server.registered', 'old01'],
    ]);
    const registered = servers.find((entry) => entry.action === 'server.registered' && entry.details.serverId === serverId);
    expect(registered.details).toMatchObject({ os: 'CentOS 7', ipAddress: '10.9.9.9' });
  });

  it('records a refused token as a failed sign-in with its reason, though the request itself fails', async () => {
    const created = await t.gql<any>(`mutation { createUserToken(input: { name: "laptop", userId: "${bob.id}" }) { token apiToken { id } } }`, t.admin.token);
    const { token, apiToken } = created.data!.createUserToken;
    await t.gql(`mutation { revokeToken(id: "${apiToken.id}") { id } }`, t.admin.token);
    const refused = await graphql(t.url, '{ me { id } }', { token, headers: { 'user-agent': 'stolen-laptop' } });
    expect(refused.status).toBe(401);
    const [failure] = await activity({ action: ['auth.sign_in_failed'], userId: bob.id });
    expect(failure).toMatchObject({
      result: 401,
      userEmail: 'bob@example.test',
      userAgent: 'stolen-laptop',
      details: { method: 'api_token', reason: 'The API token has been revoked', tokenId: apiToken.id },
    });
  });

  it('records nothing for a change that was refused', async () => {
    const { admin: soloAdmin } = await t.createTenant('solo');
    const last = await t.gql(`mutation { changeUserRole(id: "${soloAdmin.id}", role: USER) { role } }`, soloAdmin.token);
    expect(errorCodes(last)).toEqual(['CONFLICT']);
    const solo = await t.gql<any>('{ activityLog(filter: { action: ["user.role_changed"] }) { nodes { id } } }', soloAdmin.token);
    expect(solo.data!.activityLog.nodes).toEqual([]);
  });

  it('takes sign-ins and their failures reported by the platform, kept even for unknown emails', async () => {
    const reported = await t.gql<any>(`mutation($entries: [ActivityReportInput!]!) { reportActivity(entries: $entries) }`, t.admin.token, {
      entries: [
        {
          action: 'AUTH_SIGNED_IN',
          result: 200,
          userEmail: 'Bob@Example.test',
          ipAddress: '198.51.100.20',
          details: { method: 'sso' },
          occurredAt: new Date(t.clock.now().getTime() - 60_000).toISOString(),
        },
        {
          action: 'AUTH_SIGN_IN_FAILED',
          result: 401,
          userEmail: 'mallory@evil.test',
          ipAddress: '203.0.113.66',
          details: { reason: 'bad password' },
          occurredAt: t.clock.now().toISOString(),
        },
      ],
    });
    expect(reported.data!.reportActivity).toBe(2);
    const [signedIn] = await activity({ action: ['auth.signed_in'] });
    expect(signedIn).toMatchObject({ user: { email: 'bob@example.test' }, ipAddress: '198.51.100.20', details: { method: 'sso' } });
    const failures = await activity({ result: 4, ipAddress: '203.0.113.66' });
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ userEmail: 'mallory@evil.test', user: null, details: { reason: 'bad password' } });
  });

  it('refuses a bad report whole, naming the entry and field', async () => {
    const response = await t.gql(`mutation($entries: [ActivityReportInput!]!) { reportActivity(entries: $entries) }`, t.admin.token, {
      entries: [
        { action: 'AUTH_SIGNED_OUT', result: 200, userEmail: 'bob@example.test', occurredAt: t.clock.now().toISOString() },
        { action: 'AUTH_SIGNED_OUT', result: 200, ipAddress: 'not-an-ip', occurredAt: t.clock.now().toISOString() },
      ],
    });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.extensions.field).toBe('entries.1.ipAddress');
    expect(await activity({ action: ['auth.signed_out'] })).toEqual([]);
  });

  it('is governance: FORBIDDEN to regular users, whatever they ask', async () => {
    const regular = await t.createUser(t.admin.tenantId, { email: 'rita@example.test', permissions: ['audit_logs.view', 'monitoring.view'] });
    expect(errorCodes(await t.gql('{ activityLog { nodes { id } } }', regular.token))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql(`{ activityLog(filter: { userId: "${regular.id}" }) { nodes { id } } }`, regular.token))).toEqual(['FORBIDDEN']);
    const any = await t.gql<any>('{ activityLog(first: 1) { nodes { id } } }', t.admin.token);
    expect(errorCodes(await t.gql(`{ activityEntry(id: "${any.data!.activityLog.nodes[0].id}") { id } }`, regular.token))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql('mutation { reportActivity(entries: []) }', regular.token))).toEqual(['FORBIDDEN']);
  });
});
