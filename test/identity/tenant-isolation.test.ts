import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../support/graphql-client.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let adminA: TestUser;
let adminB: TestUser;
let userB: TestUser;
let serverB: string;

beforeAll(async () => {
  t = await startTestVigil();
  adminA = t.admin;
  ({ admin: adminB } = await t.createTenant('tenant-b'));
  userB = await t.createUser(adminB.tenantId, { email: 'bea@tenant-b.test' });
  await t.createUser(adminA.tenantId, { email: 'amy@tenant-a.test' });
  const registered = await t.gql<any>('mutation { registerServer(input: { name: "b-web-01", hostname: "web01.b.test" }) { id } }', adminB.token);
  serverB = registered.data!.registerServer.id;
});
afterAll(async () => t?.close());

describe('tenant isolation', () => {
  it("gives an admin of tenant A none of tenant B's users", async () => {
    const response = await t.gql<any>('{ users(first: 500) { nodes { email } } }', adminA.token);
    expect(response.data!.users.nodes.map((node: { email: string }) => node.email).sort()).toEqual(['admin@localhost', 'amy@tenant-a.test']);
    const other = await t.gql<any>('{ users(first: 500) { nodes { email } } }', adminB.token);
    expect(other.data!.users.nodes.map((node: { email: string }) => node.email).sort()).toEqual(['admin@tenant-b.test', 'bea@tenant-b.test']);
  });

  it("answers NOT_FOUND for tenant B's rows looked up by id from tenant A", async () => {
    const user = await t.gql('query($id: ID!) { user(id: $id) { email } }', adminA.token, { id: userB.id });
    expect(errorCodes(user)).toEqual(['NOT_FOUND']);
    const server = await t.gql('query($id: ID!) { server(id: $id) { name } }', adminA.token, { id: serverB });
    expect(errorCodes(server)).toEqual(['NOT_FOUND']);
  });

  it("lets no admin of tenant A change, disable or mint tokens for tenant B's users and servers", async () => {
    const attempts = [
      t.gql('mutation($id: ID!) { disableUser(id: $id) { id } }', adminA.token, { id: userB.id }),
      t.gql('mutation($id: ID!) { changeUserRole(id: $id, role: ADMIN) { id } }', adminA.token, { id: userB.id }),
      t.gql('mutation($id: ID!) { grantPermissions(userId: $id, permissions: [AUDIT_LOGS_VIEW]) { id } }', adminA.token, { id: userB.id }),
      t.gql('mutation($id: ID!) { createUserToken(input: { name: "x", userId: $id }) { token } }', adminA.token, { id: userB.id }),
      t.gql('mutation($id: ID!) { createAgentToken(input: { name: "x", serverId: $id }) { token } }', adminA.token, { id: serverB }),
    ];
    for (const response of await Promise.all(attempts)) expect(errorCodes(response)).toEqual(['NOT_FOUND']);
    const stillThere = await t.gql<any>('query($id: ID!) { user(id: $id) { role isDisabled grantedPermissions } }', adminB.token, {
      id: userB.id,
    });
    expect(stillThere.data!.user).toEqual({ role: 'USER', isDisabled: false, grantedPermissions: [] });
  });

  it("does not list tenant B's servers or tokens to tenant A", async () => {
    const servers = await t.gql<any>('{ servers { nodes { name } } }', adminA.token);
    expect(servers.data!.servers.nodes).toEqual([]);
    const tokens = await t.gql<any>('{ apiTokens(first: 500) { nodes { user { email } } } }', adminA.token);
    const emails = tokens.data!.apiTokens.nodes.map((node: { user: { email: string } }) => node.user.email);
    expect(new Set(emails)).toEqual(new Set(['admin@localhost', 'amy@tenant-a.test']));
  });

  it('allows the same email and server name in two tenants', async () => {
    const sameEmail = await t.gql<any>('mutation { createUser(input: { email: "bea@tenant-b.test" }) { email } }', adminA.token);
    expect(sameEmail.data!.createUser).toEqual({ email: 'bea@tenant-b.test' });
    const sameServer = await t.gql<any>('mutation { registerServer(input: { name: "b-web-01", hostname: "web01.a.test" }) { name } }', adminA.token);
    expect(sameServer.data!.registerServer).toEqual({ name: 'b-web-01' });
  });
});
