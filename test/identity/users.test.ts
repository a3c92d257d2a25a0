import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../support/graphql-client.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let regular: TestUser;
beforeAll(async () => {
  t = await startTestVigil();
  regular = await t.createUser(t.admin.tenantId, { email: 'rita@example.com' });
});
afterAll(async () => t?.close());

const CREATE = 'mutation($input: CreateUserInput!) { createUser(input: $input) { id email name role groups grantedPermissions permissions isDisabled } }';

describe('creating users', () => {
  it('stores a user with a lower-cased email and the given role, groups and permissions', async () => {
    const response = await t.gql<any>(CREATE, t.admin.token, {
      input: { email: '  Sam@Example.COM ', name: 'Sam', groups: ['ops', 'dba'], permissions: ['AUDIT_LOGS_VIEW'] },
    });
    expect(response.errors).toBeUndefined();
    expect(response.data!.createUser).toMatchObject({
      email: 'sam@example.com',
      name: 'Sam',
      role: 'USER',
      groups: ['ops', 'dba'],
      grantedPermissions: ['AUDIT_LOGS_VIEW'],
      permissions: ['AUDIT_LOGS_VIEW'],
      isDisabled: false,
    });
  });

  it('answers CONFLICT on a duplicate email, whatever its case, and stores nothing', async () => {
    const response = await t.gql(CREATE, t.admin.token, { input: { email: 'SAM@example.com' } });
    expect(errorCodes(response)).toEqual(['CONFLICT']);
    expect(response.errors![0]!.extensions.field).toBe('email');
    const list = await t.gql<any>('{ users(filter: { search: "sam@" }) { nodes { email } } }', t.admin.token);
    expect(list.data!.users.nodes).toEqual([{ email: 'sam@example.com' }]);
  });

  it('names the field at fault for bad input', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ email: 'not-an-email' }, 'email'],
      [{ email: 'x@y.z', name: '   ' }, 'name'],
      [{ email: 'x@y.z', groups: ['ok', 'bad group!'] }, 'groups.1'],
    ];
    for (const [input, field] of cases) {
      const response = await t.gql(CREATE, t.admin.token, { input });
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors![0]!.extensions.field).toBe(field);
    }
  });

  it('refuses an unknown role or permission before any resolver runs', async () => {
    const response = await t.gql(CREATE, t.admin.token, { input: { email: 'x@y.z', role: 'ROOT' } });
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.message).toContain('ROOT');
  });

  it('is FORBIDDEN to regular users', async () => {
    const response = await t.gql(CREATE, regular.token, { input: { email: 'sneaky@example.com' } });
    expect(errorCodes(response)).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql('{ users { nodes { id } } }', regular.token))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql('{ servers { nodes { id } } }', regular.token))).toEqual(['FORBIDDEN']);
  });
});

describe('roles and permissions', () => {
  it('grants and revokes permissions, and admins hold every permission', async () => {
    const grant = await t.gql<any>(
      'mutation($id: ID!) { grantPermissions(userId: $id, permissions: [MONITORING_VIEW, AUDIT_LOGS_EXPORT]) { grantedPermissions permissions } }',
      t.admin.token,
      { id: regular.id },
    );
    expect(grant.data!.grantPermissions).toEqual({
      grantedPermissions: ['AUDIT_LOGS_EXPORT', 'MONITORING_VIEW'],
      permissions: ['AUDIT_LOGS_EXPORT', 'MONITORING_VIEW'],
    });
    const revoke = await t.gql<any>(
      'mutation($id: ID!) { revokePermissions(userId: $id, permissions: [MONITORING_VIEW]) { grantedPermissions } }',
      t.admin.token,
      { id: regular.id },
    );
    expect(revoke.data!.revokePermissions.grantedPermissions).toEqual(['AUDIT_LOGS_EXPORT']);
    expect((await t.gql<any>('{ me { permissions } }', regular.token)).data!.me.permissions).toEqual(['AUDIT_LOGS_EXPORT']);
  });

  it('promotes a user, whose existing token then acts as an admin', async () => {
    const promoted = await t.createUser(t.admin.tenantId, { email: 'pat@example.com' });
    expect(errorCodes(await t.gql('{ users { nodes { id } } }', promoted.token))).toEqual(['FORBIDDEN']);
    await t.gql('mutation($id: ID!) { changeUserRole(id: $id, role: ADMIN) { role } }', t.admin.token, { id: promoted.id });
    expect(errorCodes(await t.gql('{ users { nodes { id } } }', promoted.token))).toEqual([]);
  });

  it('never leaves a tenant without an enabled admin', async () => {
    const { admin } = await t.createTenant('solo');
    const demote = await t.gql('mutation($id: ID!) { changeUserRole(id: $id, role: USER) { role } }', admin.token, { id: admin.id });
    expect(errorCodes(demote)).toEqual(['CONFLICT']);
    const disable = await t.gql('mutation($id: ID!) { disableUser(id: $id) { id } }', admin.token, { id: admin.id });
    expect(errorCodes(disable)).toEqual(['CONFLICT']);
    expect((await t.gql<any>('{ me { role isDisabled } }', admin.token)).data!.me).toEqual({ role: 'ADMIN', isDisabled: false });
  });

  it('answers NOT_FOUND for an unknown user and BAD_USER_INPUT for a malformed id', async () => {
    const missing = await t.gql('mutation { disableUser(id: "01a21c00-0000-7000-8000-000000000000") { id } }', t.admin.token);
    expect(errorCodes(missing)).toEqual(['NOT_FOUND']);
    const malformed = await t.gql('mutation { disableUser(id: "42") { id } }', t.admin.token);
    expect(errorCodes(malformed)).toEqual(['BAD_USER_INPUT']);
    expect(malformed.errors![0]!.extensions.field).toBe('id');
  });
});

describe('listing users', () => {
  beforeAll(async () => {
    for (let index = 0; index < 7; index++) await t.createUser(t.admin.tenantId, { email: `page${index}@list.test`, groups: ['pagers'] });
  });

  it('pages newest first with cursors, forwards and backwards, without gaps or repeats', async () => {
    const query =
      'query($first: Int, $after: String, $last: Int, $before: String) { users(first: $first, after: $after, last: $last, before: $before, filter: { group: "pagers" }) { nodes { email } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }';
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const response: any = await t.gql<any>(query, t.admin.token, { first: 3, after });
      seen.push(...response.data.users.nodes.map((node: { email: string }) => node.email));
      after = response.data.users.pageInfo.hasNextPage ? response.data.users.pageInfo.endCursor : null;
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(seen).toEqual([6, 5, 4, 3, 2, 1, 0].map((index) => `page${index}@list.test`));

    const firstPage = await t.gql<any>(query, t.admin.token, { first: 3 });
    const secondPage = await t.gql<any>(query, t.admin.token, { first: 3, after: firstPage.data!.users.pageInfo.endCursor });
    const back = await t.gql<any>(query, t.admin.token, { last: 3, before: secondPage.data!.users.pageInfo.startCursor });
    expect(back.data!.users.nodes).toEqual(firstPage.data!.users.nodes);
    expect(back.data!.users.pageInfo.hasPreviousPage).toBe(false);
  });

  it('filters by role, disabled flag and search text', async () => {
    const admins = await t.gql<any>('{ users(filter: { role: ADMIN }) { nodes { email } } }', t.admin.token);
    expect(admins.data!.users.nodes.map((node: { email: string }) => node.email)).toContain('admin@localhost');
    expect(admins.data!.users.nodes.map((node: { email: string }) => node.email)).not.toContain('rita@example.com');
    const search = await t.gql<any>('{ users(filter: { search: "RITA" }) { nodes { email } } }', t.admin.token);
    expect(search.data!.users.nodes).toEqual([{ email: 'rita@example.com' }]);
    const wildcard = await t.gql<any>('{ users(filter: { search: "%" }) { nodes { email } } }', t.admin.token);
    expect(wildcard.data!.users.nodes).toEqual([]);
  });

  it('refuses bad cursors and page sizes with BAD_USER_INPUT naming the argument', async () => {
    const cases: [string, string][] = [
      ['{ users(after: "garbage") { nodes { id } } }', 'after'],
      ['{ users(first: 501) { nodes { id } } }', 'first'],
      ['{ users(first: -1) { nodes { id } } }', 'first'],
      ['{ users(first: 1, last: 1) { nodes { id } } }', 'last'],
    ];
    for (const [query, field] of cases) {
      const response = await t.gql(query, t.admin.token);
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors![0]!.extensions.field).toBe(field);
    }
  });
});
