import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../support/graphql-client.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let regular: TestUser;
let other: TestUser;
beforeAll(async () => {
  t = await startTestVigil();
  regular = await t.createUser(t.admin.tenantId, { email: 'rui@example.com' });
  other = await t.createUser(t.admin.tenantId, { email: 'ola@example.com' });
});
afterAll(async () => t?.close());

const REGISTER = 'mutation($input: RegisterServerInput!) { registerServer(input: $input) { id name hostname os ipAddress labels { key value } } }';

describe('servers', () => {
  it('registers a server with its labels, sorted by key', async () => {
    const response = await t.gql<any>(REGISTER, t.admin.token, {
      input: {
        name: 'web-01',
        hostname: 'Web01.Prod.Example.com',
        os: 'Ubuntu 24.04',
        ipAddress: '10.0.0.5',
        labels: [
          { key: 'team', value: 'web' },
          { key: 'env', value: 'prod' },
        ],
      },
    });
    expect(response.data!.registerServer).toMatchObject({
      name: 'web-01',
      hostname: 'web01.prod.example.com',
      os: 'Ubuntu 24.04',
      ipAddress: '10.0.0.5',
      labels: [
        { key: 'env', value: 'prod' },
        { key: 'team', value: 'web' },
      ],
    });
  });

  it('answers CONFLICT for a name already registered, and BAD_USER_INPUT naming bad fields', async () => {
    const duplicate = await t.gql(REGISTER, t.admin.token, { input: { name: 'web-01', hostname: 'other.example.com' } });
    expect(errorCodes(duplicate)).toEqual(['CONFLICT']);
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'db 01', hostname: 'db.example.com' }, 'name'],
      [{ name: 'db-01', hostname: 'db.example.com', ipAddress: '10.0.0.300' }, 'ipAddress'],
      [
        {
          name: 'db-01',
          hostname: 'db.example.com',
          labels: [
            { key: 'env', value: 'a' },
            { key: 'env', value: 'b' },
          ],
        },
        'labels',
      ],
      [{ name: 'db-01', hostname: 'db.example.com', labels: [{ key: '-bad', value: 'a' }] }, 'labels.0.key'],
    ];
    for (const [input, field] of cases) {
      const response = await t.gql(REGISTER, t.admin.token, { input });
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors![0]!.extensions.field).toBe(field);
    }
    const all = await t.gql<any>('{ servers { nodes { name } } }', t.admin.token);
    expect(all.data!.servers.nodes).toEqual([{ name: 'web-01' }]);
  });

  it('filters servers by every label given and by search text', async () => {
    await t.gql(REGISTER, t.admin.token, {
      input: {
        name: 'web-02',
        hostname: 'web02.staging',
        labels: [
          { key: 'env', value: 'staging' },
          { key: 'team', value: 'web' },
        ],
      },
    });
    const byLabels = await t.gql<any>(
      '{ servers(filter: { labels: [{ key: "team", value: "web" }, { key: "env", value: "prod" }] }) { nodes { name } } }',
      t.admin.token,
    );
    expect(byLabels.data!.servers.nodes).toEqual([{ name: 'web-01' }]);
    const bySearch = await t.gql<any>('{ servers(filter: { search: "STAGING" }) { nodes { name } } }', t.admin.token);
    expect(bySearch.data!.servers.nodes).toEqual([{ name: 'web-02' }]);
  });

  it('is FORBIDDEN to regular users', async () => {
    const response = await t.gql(REGISTER, regular.token, { input: { name: 'mine', hostname: 'mine.example.com' } });
    expect(errorCodes(response)).toEqual(['FORBIDDEN']);
  });
});

describe('agent tokens', () => {
  it('binds an agent token to one server; the agent is not a user', async () => {
    const servers = await t.gql<any>('{ servers(filter: { search: "web-01" }) { nodes { id } } }', t.admin.token);
    const serverId = servers.data!.servers.nodes[0].id;
    const created = await t.gql<any>(
      'mutation($id: ID!) { createAgentToken(input: { name: "agent web-01", serverId: $id }) { token apiToken { kind server { name } user { id } } } }',
      t.admin.token,
      { id: serverId },
    );
    expect(created.data!.createAgentToken.apiToken).toEqual({ kind: 'AGENT', server: { name: 'web-01' }, user: null });
    const agentToken = created.data!.createAgentToken.token;
    expect(agentToken).toMatch(/^vigil_agent_[0-9a-f]{32}_[\w-]{43}$/);
    expect(errorCodes(await t.gql('{ me { email } }', agentToken))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql('{ users { nodes { id } } }', agentToken))).toEqual(['FORBIDDEN']);
    // Agent tokens read nothing, the signing keys included.
    expect(errorCodes(await t.gql('{ auditSigningKeys { keyId } }', agentToken))).toEqual(['FORBIDDEN']);
  });

  it('is created by admins only', async () => {
    const servers = await t.gql<any>('{ servers { nodes { id } } }', t.admin.token);
    const response = await t.gql('mutation($id: ID!) { createAgentToken(input: { name: "x", serverId: $id }) { token } }', regular.token, {
      id: servers.data!.servers.nodes[0].id,
    });
    expect(errorCodes(response)).toEqual(['FORBIDDEN']);
  });
});

describe('user tokens', () => {
  it("lets a user create, list and revoke their own tokens, and see no one else's", async () => {
    const created = await t.gql<any>('mutation { createUserToken(input: { name: "ci" }) { token apiToken { id user { email } } } }', regular.token);
    expect(created.data!.createUserToken.apiToken.user).toEqual({ email: 'rui@example.com' });
    await t.gql('mutation { createUserToken(input: { name: "ola-laptop" }) { token } }', other.token);

    const mine = await t.gql<any>('{ apiTokens { nodes { name user { email } } } }', regular.token);
    expect(mine.data!.apiTokens.nodes.map((node: { user: { email: string } }) => node.user.email)).toEqual(['rui@example.com', 'rui@example.com']);
    expect(errorCodes(await t.gql('query($id: ID) { apiTokens(filter: { userId: $id }) { nodes { id } } }', regular.token, { id: other.id }))).toEqual([
      'FORBIDDEN',
    ]);

    const revoked = await t.gql<any>('mutation($id: ID!) { revokeToken(id: $id) { name revokedAt } }', regular.token, {
      id: created.data!.createUserToken.apiToken.id,
    });
    expect(revoked.data!.revokeToken.name).toBe('ci');
    const active = await t.gql<any>('{ apiTokens { nodes { name } } }', regular.token);
    expect(active.data!.apiTokens.nodes).toEqual([{ name: 'test' }]);
    const withRevoked = await t.gql<any>('{ apiTokens(filter: { includeRevoked: true }) { nodes { name } } }', regular.token);
    expect(withRevoked.data!.apiTokens.nodes).toEqual([{ name: 'ci' }, { name: 'test' }]);
  });

  it("refuses a regular user minting or revoking another user's token", async () => {
    const mint = await t.gql('mutation($id: ID!) { createUserToken(input: { name: "x", userId: $id }) { token } }', regular.token, { id: other.id });
    expect(errorCodes(mint)).toEqual(['FORBIDDEN']);
    const theirs = await t.gql<any>('{ apiTokens(filter: { userId: "' + other.id + '" }) { nodes { id name } } }', t.admin.token);
    const target = theirs.data!.apiTokens.nodes.find((node: { name: string }) => node.name === 'ola-laptop');
    const revoke = await t.gql('mutation($id: ID!) { revokeToken(id: $id) { id } }', regular.token, { id: target.id });
    expect(errorCodes(revoke)).toEqual(['FORBIDDEN']);
    const after = await t.gql<any>('{ apiTokens(filter: { userId: "' + other.id + '" }) { nodes { name revokedAt } } }', t.admin.token);
    expect(after.data!.apiTokens.nodes.find((node: { name: string }) => node.name === 'ola-laptop').revokedAt).toBeNull();
  });

  it('lets an admin mint a token for another user, which acts as that user', async () => {
    const minted = await t.gql<any>('mutation($id: ID!) { createUserToken(input: { name: "support", userId: $id }) { token } }', t.admin.token, {
      id: other.id,
    });
    const me = await t.gql<any>('{ me { email role } }', minted.data!.createUserToken.token);
    expect(me.data!.me).toEqual({ email: 'ola@example.com', role: 'USER' });
  });
});
