/**
 * Organisations above workspaces: an account admin acts in any workspace of their account, one
 * per request (the Vigil-Workspace header, or `workspace` in graphql-ws connection parameters),
 * as their own row there; sees account-wide statistics; and nobody else crosses a workspace's
 * boundary: the cross-tenant probes, extended to accounts.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantAccountAdmin, revokeAccountAdmin } from '../../server/accounts/account-admins.js';
import { joinAccount, leaveAccount } from '../../server/accounts/account-workspaces.js';
import { createAccount, operatorIn, type AccountDeps } from '../../server/accounts/accounts.js';
import { queryRows } from '../../server/db/database.js';
import { createStreamToken } from '../../server/identity/api-tokens.js';
import { findUserByEmail, usersHolding } from '../../server/identity/users.js';
import { inTransaction } from '../../server/service-context.js';
import { parseCsv } from '../support/export-client.js';
import { errorCodes, graphql, type GraphQLResponse } from '../support/graphql-client.js';
import { asIntruder } from '../support/log-tamper.js';
import { connectSubscriber } from '../support/subscription-client.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let deps: AccountDeps;
let a: { tenantId: string; admin: TestUser };
let b: { tenantId: string; admin: TestUser };
let c: { tenantId: string; admin: TestUser };
let alice: TestUser; // a user of acme-a, then an admin of account acme
let dave: TestUser; // a second acme admin, of acme-b
let bea: TestUser; // a regular user of acme-b
let serverB: string;

const operator = operatorIn('test-operator');

/** A GraphQL request that chooses the workspace it acts in. */
function gqlIn<T = Record<string, any>>(
  workspace: string | undefined,
  query: string,
  token: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLResponse<T>> {
  return graphql<T>(t.url, query, { token, variables, headers: workspace ? { 'vigil-workspace': workspace } : {} });
}

beforeAll(async () => {
  t = await startTestVigil();
  deps = { db: t.vigil.database.db, clock: t.clock };
  a = await t.createTenant('acme-a');
  b = await t.createTenant('acme-b');
  c = await t.createTenant('globex-c');
  alice = await t.createUser(a.tenantId, { email: 'alice@acme.test' });
  dave = await t.createUser(b.tenantId, { email: 'dave@acme.test' });
  bea = await t.createUser(b.tenantId, { email: 'bea@acme.test' });
  await createAccount(deps.db, { slug: 'acme', name: 'Acme' });
  await createAccount(deps.db, { slug: 'globex', name: 'Globex' });
  await joinAccount(deps, 'acme', 'acme-a', operator);
  await joinAccount(deps, 'acme', 'acme-b', operator);
  await joinAccount(deps, 'globex', 'globex-c', operator);
  await grantAccountAdmin(deps, 'acme', 'alice@acme.test', operator);
  await grantAccountAdmin(deps, 'globex', c.admin.email, operator);
  const registered = await t.gql<any>('mutation { registerServer(input: { name: "b-db-01", hostname: "db01.b.test" }) { id } }', b.admin.token);
  serverB = registered.data!.registerServer.id;
});
afterAll(async () => t?.close());

describe('an account admin', () => {
  it('acts in another workspace of the account as their own row there, an admin of it', async () => {
    const me = await gqlIn<any>('acme-b', '{ me { email role isAccountAdmin permissions } workspace { slug } }', alice.token);
    expect(me.errors).toBeUndefined();
    expect(me.data!.workspace).toEqual({ slug: 'acme-b' });
    expect((await gqlIn<any>(undefined, '{ workspace { slug } }', alice.token)).data!.workspace).toEqual({ slug: 'acme-a' });
    expect(me.data!.me).toMatchObject({ email: 'alice@acme.test', role: 'USER', isAccountAdmin: true });
    expect(me.data!.me.permissions).toContain('AUDIT_LOGS_VIEW');
    const aliceInB = await findUserByEmail(deps.db, b.tenantId, 'alice@acme.test');
    expect(aliceInB?.managingAccountId).toBeTruthy();

    // The workspace's lists are that workspace's: its server, its users (alice's row there shown as an account admin).
    const servers = await gqlIn<any>('acme-b', '{ servers { nodes { id name } } }', alice.token);
    expect(servers.data!.servers.nodes).toEqual([{ id: serverB, name: 'b-db-01' }]);
    const inOwn = await gqlIn<any>(undefined, '{ servers { nodes { id } } }', alice.token);
    expect(inOwn.data!.servers.nodes).toEqual([]);
    const users = await gqlIn<any>('acme-b', '{ users(first: 50) { nodes { email isAccountAdmin } } }', alice.token);
    expect(users.data!.users.nodes).toContainEqual({ email: 'alice@acme.test', isAccountAdmin: true });
    expect(users.data!.users.nodes).toContainEqual({ email: 'bea@acme.test', isAccountAdmin: false });

    // What she does there is recorded there, as her row there, and B's log stays whole.
    const created = await gqlIn<any>('acme-b', 'mutation { registerServer(input: { name: "b-web-02", hostname: "web02.b.test" }) { id } }', alice.token);
    expect(created.errors).toBeUndefined();
    const entries = await t.gql<any>(
      '{ auditLog(first: 5, filter: { action: "server.registered" }) { nodes { actorId actorEmail resourceName } } }',
      b.admin.token,
    );
    expect(entries.data!.auditLog.nodes[0]).toEqual({ actorId: aliceInB!.id, actorEmail: 'alice@acme.test', resourceName: 'b-web-02' });
    const integrity = await t.gql<any>('{ logIntegrity { isIntact faultCount } }', b.admin.token);
    expect(integrity.data!.logIntegrity).toEqual({ isIntact: true, faultCount: 0 });
  });

  it('chooses the workspace for exports and subscriptions too', async () => {
    const response = await fetch(`${t.vigil.baseUrl}/export/audit.csv?action=server.registered`, {
      headers: { authorization: `Bearer ${alice.token}`, 'vigil-workspace': 'acme-b' },
    });
    expect(response.status).toBe(200);
    const rows = parseCsv(await response.text());
    expect(rows.map((row) => row.resource_name ?? row.resourceName).sort()).toEqual(['b-db-01', 'b-web-02']);

    const subscriber = await connectSubscriber(t.url, alice.token, { workspace: 'acme-b' });
    try {
      await subscriber.subscribe('subscription { auditEntryAppended(filter: { actions: ["server.registered"] }) { action resourceName } }');
      await t.gql('mutation { registerServer(input: { name: "b-web-03", hostname: "web03.b.test" }) { id } }', b.admin.token);
      await t.gql('mutation { registerServer(input: { name: "a-web-01", hostname: "web01.a.test" }) { id } }', a.admin.token);
      const [first] = await subscriber.waitFor(1);
      expect(first).toMatchObject({ auditEntryAppended: { action: 'server.registered', resourceName: 'b-web-03' } });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(subscriber.received.map((message) => message.auditEntryAppended.resourceName)).toEqual(['b-web-03']);
    } finally {
      await subscriber.dispose();
    }
  });

  it("sees the account's workspaces and account-wide statistics that add up the workspaces' own", async () => {
    const account = await gqlIn<any>(undefined, '{ account { slug workspaces { slug } admins } }', alice.token);
    expect(account.data!.account).toEqual({ slug: 'acme', workspaces: [{ slug: 'acme-a' }, { slug: 'acme-b' }], admins: ['alice@acme.test'] });

    const window = { since: new Date(t.clock.now().getTime() - 86_400_000).toISOString(), until: new Date(t.clock.now().getTime() + 3_600_000).toISOString() };
    const query = `query($since: DateTimeISO, $until: DateTimeISO, $workspaces: [String!]) {
      accountStatistics(since: $since, until: $until, workspaces: $workspaces) { total byCategory { key count } byWorkspace { workspace { slug } statistics { total } } }
    }`;
    const statistics = await gqlIn<any>(undefined, query, alice.token, window);
    expect(statistics.errors).toBeUndefined();
    const own = async (token: string) =>
      (await t.gql<any>('query($since: DateTimeISO, $until: DateTimeISO) { eventStatistics(since: $since, until: $until) { total } }', token, window)).data!
        .eventStatistics.total as number;
    const [totalA, totalB] = [await own(a.admin.token), await own(b.admin.token)];
    expect(totalA).toBeGreaterThan(0);
    expect(totalB).toBeGreaterThan(0);
    const { byWorkspace, total, byCategory } = statistics.data!.accountStatistics;
    expect(byWorkspace).toEqual([
      { workspace: { slug: 'acme-a' }, statistics: { total: totalA } },
      { workspace: { slug: 'acme-b' }, statistics: { total: totalB } },
    ]);
    expect(total).toBe(totalA + totalB);
    expect(byCategory.reduce((sum: number, entry: { count: number }) => sum + entry.count, 0)).toBe(total);

    const narrowed = await gqlIn<any>(undefined, query, alice.token, { ...window, workspaces: ['acme-b'] });
    expect(narrowed.data!.accountStatistics.total).toBe(totalB);
    const foreign = await gqlIn<any>(undefined, query, alice.token, { ...window, workspaces: ['globex-c'] });
    expect(errorCodes(foreign)).toEqual(['BAD_USER_INPUT']);
    expect(foreign.errors![0]!.extensions.field).toBe('workspaces');
  });

  it("is told what the workspace's admins are told: a broken log's alarm reaches their row there", async () => {
    const aliceInB = await findUserByEmail(deps.db, b.tenantId, 'alice@acme.test');
    expect(await usersHolding(deps.db, b.tenantId, 'audit_logs.view')).toContain(aliceInB!.id);
    expect(await usersHolding(deps.db, b.tenantId, 'audit_logs.view')).not.toContain(bea.id);

    const alarms = async () => {
      const response = await gqlIn<any>('acme-b', '{ notifications(first: 50) { nodes { title category } } }', alice.token);
      expect(response.errors).toBeUndefined();
      return response.data!.notifications.nodes.filter((node: { title: string }) => node.title.startsWith('Verifiable log check failed'));
    };
    expect(await alarms()).toEqual([]);
    const [before] = await queryRows<{ name: string | null }>(deps.db, sql`select name from users where tenant_id = ${b.tenantId} and id = ${bea.id}`);
    await asIntruder(deps.db, async (tx) => void (await tx.execute(sql`update users set name = 'Beatrix' where tenant_id = ${b.tenantId} and id = ${bea.id}`)));
    try {
      const integrity = await t.gql<any>('{ logIntegrity { isIntact } }', b.admin.token);
      expect(integrity.data!.logIntegrity.isIntact).toBe(false);
      expect(await alarms()).toEqual([expect.objectContaining({ category: 'SECURITY' })]);
    } finally {
      await asIntruder(
        deps.db,
        async (tx) => void (await tx.execute(sql`update users set name = ${before!.name} where tenant_id = ${b.tenantId} and id = ${bea.id}`)),
      );
    }
    expect((await t.gql<any>('{ logIntegrity { isIntact } }', b.admin.token)).data!.logIntegrity.isIntact).toBe(true);
  });
});

describe('the account-wide audit log', () => {
  it("merges the workspaces' own audit logs newest first, pages without a gap or a repeat, and narrows by workspace", async () => {
    const filter = { action: ['server.registered'] };
    const own = async (token: string) =>
      (
        await t.gql<any>('query($filter: AuditLogFilterInput) { auditLog(first: 500, filter: $filter) { nodes { id } } }', token, { filter })
      ).data!.auditLog.nodes.map((node: { id: string }) => node.id) as string[];
    const expected = [...(await own(a.admin.token)).map((id) => `acme-a:${id}`), ...(await own(b.admin.token)).map((id) => `acme-b:${id}`)];
    expect(expected.length).toBeGreaterThanOrEqual(4);

    const query = `query($after: String, $filter: AuditLogFilterInput, $workspaces: [String!]) {
      accountAuditLog(first: 1, after: $after, filter: $filter, workspaces: $workspaces) { nodes { workspace { slug } entry { id occurredAt resourceName } } endCursor hasNextPage }
    }`;
    const seen: string[] = [];
    const times: number[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 20; pages += 1) {
      const response: GraphQLResponse<any> = await gqlIn(undefined, query, alice.token, { after, filter });
      expect(response.errors).toBeUndefined();
      const page = response.data!.accountAuditLog;
      for (const node of page.nodes) {
        seen.push(`${node.workspace.slug}:${node.entry.id}`);
        times.push(Date.parse(node.entry.occurredAt));
      }
      if (!page.hasNextPage) break;
      after = page.endCursor;
    }
    expect(seen.sort()).toEqual(expected.sort());
    expect(times).toEqual([...times].sort((x, y) => y - x));

    const onlyB = await gqlIn<any>(undefined, query.replace('first: 1', 'first: 50'), alice.token, { filter, workspaces: ['acme-b'] });
    expect(new Set(onlyB.data!.accountAuditLog.nodes.map((node: any) => node.workspace.slug))).toEqual(new Set(['acme-b']));
    const forged = await gqlIn(undefined, query, alice.token, { after: 'not-a-cursor' });
    expect(errorCodes(forged)).toEqual(['BAD_USER_INPUT']);
    expect(forged.errors![0]!.extensions.field).toBe('after');
    // The reading is recorded in each workspace, as alice there.
    const viewed = await t.gql<any>('{ auditLog(first: 1, filter: { action: ["audit.log_viewed"] }) { nodes { actorEmail after } } }', b.admin.token);
    expect(viewed.data!.auditLog.nodes[0]).toMatchObject({ actorEmail: 'alice@acme.test', after: expect.objectContaining({ view: 'account' }) });
    expect(errorCodes(await t.gql('{ accountAuditLog { hasNextPage } }', b.admin.token))).toEqual(['FORBIDDEN']);
  });
});

describe('the tenant boundary, probed across accounts', () => {
  const probe = '{ servers { nodes { id } } users(first: 5) { nodes { email } } }';

  it('refuses every other choice of workspace with the same FORBIDDEN, and reads nothing', async () => {
    const attempts: [string, string, string][] = [
      ["an account admin choosing another account's workspace", alice.token, 'globex-c'],
      ['an account admin naming a workspace by id of another account', alice.token, c.tenantId],
      ['an account admin naming a workspace that does not exist', alice.token, 'nowhere'],
      ['a workspace admin who is no account admin', a.admin.token, 'acme-b'],
      ["another account's admin", c.admin.token, 'acme-a'],
      ['a regular user of a workspace of the account', bea.token, 'acme-a'],
    ];
    const messages = new Set<string>();
    for (const [who, token, workspace] of attempts) {
      const response = await gqlIn(workspace, probe, token);
      expect(errorCodes(response), who).toEqual(['FORBIDDEN']);
      expect(response.data ?? null, who).toBeNull();
      messages.add(response.errors![0]!.message.replace(workspace, '<w>'));
    }
    expect(messages.size).toBe(1);
    // Naming one's own workspace is no choice at all.
    expect(errorCodes(await gqlIn('acme-b', probe, bea.token))).toEqual(['FORBIDDEN']); // bea is no admin: users is refused in her own workspace
    expect((await gqlIn<any>('acme-b', '{ me { email } }', bea.token)).data!.me.email).toBe('bea@acme.test');
  });

  it('lets neither a stream token nor an agent token choose a workspace', async () => {
    const stream = await inTransaction(t.systemContext(a.tenantId), async (tx) => createStreamToken(tx, { userId: alice.id, name: 'siem', expiresAt: null }));
    expect(errorCodes(await gqlIn('acme-b', '{ eventStream(first: 1) { nodes { id } } }', stream.token))).toEqual(['FORBIDDEN']);
    const agent = await t.gql<any>('mutation($id: ID!) { createAgentToken(input: { name: "agent", serverId: $id }) { token } }', b.admin.token, {
      id: serverB,
    });
    expect(errorCodes(await gqlIn('acme-a', '{ servers { nodes { id } } }', agent.data!.createAgentToken.token))).toEqual(['FORBIDDEN']);
  });

  it("carries an account admin's powers only in credentials of their own: a token a workspace admin made for their row reaches nothing more", async () => {
    const aliceInB = (await findUserByEmail(deps.db, b.tenantId, 'alice@acme.test'))!;
    const mint = 'mutation($userId: ID) { createUserToken(input: { name: "handed over", userId: $userId }) { token } }';
    const handed = (await t.gql<any>(mint, b.admin.token, { userId: aliceInB.id })).data!.createUserToken.token as string;
    expect(errorCodes(await gqlIn('acme-a', probe, handed))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql('{ account { slug } }', handed))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql('mutation { grantAccountAdmin(email: "admin@acme-b.test") { slug } }', handed))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql('{ users(first: 1) { nodes { id } } }', handed))).toEqual(['FORBIDDEN']); // her row's own role: USER
    // One she makes herself, acting in acme-b, is hers: it reaches the account.
    const own = (await gqlIn<any>('acme-b', mint, alice.token, {})).data!.createUserToken.token as string;
    expect((await gqlIn<any>('acme-a', '{ me { email } servers { nodes { id } } }', own)).data!.me.email).toBe('alice@acme.test');
  });

  it("shows account views to account admins only, and only their own account's workspaces", async () => {
    for (const token of [a.admin.token, bea.token]) expect(errorCodes(await t.gql('{ account { slug } }', token))).toEqual(['FORBIDDEN']);
    const globex = await t.gql<any>('{ account { slug workspaces { slug } } accountStatistics { byWorkspace { workspace { slug } } } }', c.admin.token);
    expect(globex.data!.account).toEqual({ slug: 'globex', workspaces: [{ slug: 'globex-c' }] });
    expect(globex.data!.accountStatistics.byWorkspace).toEqual([{ workspace: { slug: 'globex-c' } }]);
    // Granting through the API stays inside the account: the new admin's rows are made in acme's workspaces only.
    expect(errorCodes(await t.gql('mutation { grantAccountAdmin(email: "mallory@globex.test") { slug } }', a.admin.token))).toEqual(['FORBIDDEN']);
  });

  it('names a row marked around Vigil: making someone an account admin by SQL is caught by the workspace log', async () => {
    await asIntruder(deps.db, async (tx) => {
      await tx.execute(
        sql`update users set managing_account_id = (select account_id from tenants where id = ${b.tenantId}) where tenant_id = ${b.tenantId} and email = 'bea@acme.test'`,
      );
    });
    const integrity = await t.gql<any>('{ logIntegrity { isIntact faults { kind recordKind recordId } } }', b.admin.token);
    expect(integrity.data!.logIntegrity.isIntact).toBe(false);
    expect(integrity.data!.logIntegrity.faults).toContainEqual(expect.objectContaining({ recordKind: 'user', recordId: bea.id }));
    await asIntruder(deps.db, async (tx) => {
      await tx.execute(sql`update users set managing_account_id = null where tenant_id = ${b.tenantId} and email = 'bea@acme.test'`);
    });
  });

  it("names a workspace put in another account by SQL: its account is checked against its log's last join or leave", async () => {
    const integrity = () => t.gql<any>('{ logIntegrity { isIntact faults { kind recordKind recordId } } }', c.admin.token);
    expect((await integrity()).data!.logIntegrity.isIntact).toBe(true);
    await asIntruder(deps.db, async (tx) => {
      await tx.execute(sql`update tenants set account_id = (select account_id from tenants where id = ${a.tenantId}) where id = ${c.tenantId}`);
    });
    try {
      // It reaches nothing: no row of globex-c carries acme's mark.
      expect(errorCodes(await gqlIn('globex-c', probe, alice.token))).toEqual(['FORBIDDEN']);
      const report = (await integrity()).data!.logIntegrity;
      expect(report.isIntact).toBe(false);
      expect(report.faults).toContainEqual({ kind: 'RECORD_MODIFIED', recordKind: 'tenant', recordId: c.tenantId });
    } finally {
      await asIntruder(deps.db, async (tx) => {
        await tx.execute(sql`update tenants set account_id = (select id from accounts where slug = 'globex') where id = ${c.tenantId}`);
      });
    }
    expect((await integrity()).data!.logIntegrity.isIntact).toBe(true);
  });

  it("names a workspace or an account renamed by SQL: the global rows are checked against the workspace's entries", async () => {
    const integrity = async () =>
      (await t.gql<any>('{ logIntegrity { isIntact faults { kind recordKind recordId message } } }', c.admin.token)).data!.logIntegrity;
    expect((await integrity()).isIntact).toBe(true);
    const [globex] = await queryRows<{ id: string; slug: string; name: string }>(deps.db, sql`select id, slug, name from accounts where slug = 'globex'`);
    const [workspace] = await queryRows<{ slug: string; name: string }>(deps.db, sql`select slug, name from tenants where id = ${c.tenantId}`);
    const renames = [
      {
        set: sql`update tenants set slug = 'globex-renamed' where id = ${c.tenantId}`,
        undo: sql`update tenants set slug = ${workspace!.slug} where id = ${c.tenantId}`,
        kind: 'tenant',
        id: c.tenantId,
        says: 'slug',
      },
      {
        set: sql`update tenants set name = 'Renamed' where id = ${c.tenantId}`,
        undo: sql`update tenants set name = ${workspace!.name} where id = ${c.tenantId}`,
        kind: 'tenant',
        id: c.tenantId,
        says: 'name',
      },
      {
        set: sql`update accounts set slug = 'initech' where id = ${globex!.id}`,
        undo: sql`update accounts set slug = ${globex!.slug} where id = ${globex!.id}`,
        kind: 'account',
        id: globex!.id,
        says: "account's slug",
      },
      {
        set: sql`update accounts set name = 'Initech' where id = ${globex!.id}`,
        undo: sql`update accounts set name = ${globex!.name} where id = ${globex!.id}`,
        kind: 'account',
        id: globex!.id,
        says: "account's name",
      },
    ];
    for (const rename of renames) {
      await asIntruder(deps.db, async (tx) => void (await tx.execute(rename.set)));
      try {
        const report = await integrity();
        expect(report.isIntact, rename.says).toBe(false);
        expect(report.faults).toEqual([
          expect.objectContaining({
            kind: 'RECORD_MODIFIED',
            recordKind: rename.kind,
            recordId: rename.id,
            message: expect.stringContaining(`The workspace's ${rename.says} is`),
          }),
        ]);
      } finally {
        await asIntruder(deps.db, async (tx) => void (await tx.execute(rename.undo)));
      }
    }
    expect((await integrity()).isIntact).toBe(true);
  });
});

describe('revoking an account admin', () => {
  it('grants through the API in every workspace, and a revoke ends it at once everywhere, open sockets included', async () => {
    const granted = await gqlIn<any>('acme-b', 'mutation { grantAccountAdmin(email: "dave@acme.test") { admins } }', alice.token);
    expect(granted.data!.grantAccountAdmin.admins).toEqual(['alice@acme.test', 'dave@acme.test']);
    // dave had no row in acme-a: the grant made one, recorded in acme-a's log as alice's act there.
    const daveInA = await findUserByEmail(deps.db, a.tenantId, 'dave@acme.test');
    expect(daveInA?.managingAccountId).toBeTruthy();
    const grantEntry = await t.gql<any>(
      '{ auditLog(first: 1, filter: { action: "user.account_admin_granted" }) { nodes { actorEmail resourceName } } }',
      a.admin.token,
    );
    expect(grantEntry.data!.auditLog.nodes).toEqual([{ actorEmail: 'alice@acme.test', resourceName: 'dave@acme.test' }]);
    expect((await gqlIn<any>('acme-a', '{ servers { nodes { id } } }', dave.token)).errors).toBeUndefined();

    const subscriber = await connectSubscriber(t.url, alice.token, { workspace: 'acme-b' });
    await subscriber.subscribe('subscription { auditEntryAppended { action } }');
    const revoked = await gqlIn<any>(undefined, 'mutation { revokeAccountAdmin(email: "alice@acme.test") { admins } }', dave.token);
    expect(revoked.data!.revokeAccountAdmin.admins).toEqual(['dave@acme.test']);
    const closed = await subscriber.closed;
    expect(closed.code).toBe(4401);
    expect(errorCodes(await gqlIn('acme-b', probe2, alice.token))).toEqual(['FORBIDDEN']);
    // In her own workspace she is the user she was.
    const me = await gqlIn<any>(undefined, '{ me { role isAccountAdmin } }', alice.token);
    expect(me.data!.me).toEqual({ role: 'USER', isAccountAdmin: false });
    expect(errorCodes(await gqlIn(undefined, '{ users(first: 1) { nodes { id } } }', alice.token))).toEqual(['FORBIDDEN']);
    // The last admin stays.
    expect(errorCodes(await t.gql('mutation { revokeAccountAdmin(email: "dave@acme.test") { slug } }', dave.token))).toEqual(['CONFLICT']);
  });

  it("lets a workspace's admins shut an account admin out of their workspace, and a workspace leave its account", async () => {
    const daveInA = (await findUserByEmail(deps.db, a.tenantId, 'dave@acme.test'))!;
    expect((await t.gql<any>('mutation($id: ID!) { disableUser(id: $id) { isDisabled } }', a.admin.token, { id: daveInA.id })).errors).toBeUndefined();
    expect(errorCodes(await gqlIn('acme-a', probe2, dave.token))).toEqual(['FORBIDDEN']);
    expect((await gqlIn<any>(undefined, '{ account { slug } }', dave.token)).data!.account.slug).toBe('acme');

    await grantAccountAdmin(deps, 'acme', 'alice@acme.test', operator);
    expect((await gqlIn<any>('acme-b', probe2, alice.token)).errors).toBeUndefined();
    await leaveAccount(deps, 'acme-b', operator);
    expect(errorCodes(await gqlIn('acme-b', probe2, alice.token))).toEqual(['FORBIDDEN']);
    expect((await findUserByEmail(deps.db, b.tenantId, 'dave@acme.test'))?.managingAccountId).toBeNull();
    const account = await gqlIn<any>(undefined, '{ account { workspaces { slug } } }', alice.token);
    expect(account.data!.account.workspaces).toEqual([{ slug: 'acme-a' }]);
    for (const token of [a.admin.token, b.admin.token]) {
      expect((await t.gql<any>('{ logIntegrity { isIntact } }', token)).data!.logIntegrity.isIntact).toBe(true);
    }
    await expect(revokeAccountAdmin(deps, 'acme', 'nobody@acme.test', operator)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

const probe2 = '{ servers { nodes { id } } }';

describe("a workspace's access review", () => {
  it('lists account admins among its admins, and a revoke shuts the person out of that workspace alone', async () => {
    const created = await t.gql<any>('mutation($input: CreateAccessReviewInput!) { createAccessReview(input: $input) { id } }', a.admin.token, {
      input: {
        name: 'Admins of acme-a',
        grantKinds: ['ADMIN_ROLE'],
        reviewerIds: [a.admin.id],
        dueAt: new Date(t.clock.now().getTime() + 86_400_000).toISOString(),
      },
    });
    expect(created.errors).toBeUndefined();
    const items = await t.gql<any>(
      'query($id: ID!) { accessReview(id: $id) { items(first: 50) { nodes { id grantRef subject { email } } } } }',
      a.admin.token,
      {
        id: created.data!.createAccessReview.id,
      },
    );
    const nodes = items.data!.accessReview.items.nodes as { id: string; grantRef: string; subject: { email: string } }[];
    expect(nodes.map((node) => `${node.subject.email} ${node.grantRef}`).sort()).toEqual(['admin@acme-a.test admin', 'alice@acme.test account_admin']);
    const item = nodes.find((node) => node.grantRef === 'account_admin')!;
    const decided = await t.gql<any>(
      'mutation($itemId: ID!) { decideAccessReviewItem(itemId: $itemId, decision: REVOKE, reason: "left the platform team") { revokeOutcome } }',
      a.admin.token,
      { itemId: item.id },
    );
    expect(decided.data!.decideAccessReviewItem.revokeOutcome).toBe('REVOKED');
    expect(errorCodes(await t.gql('{ me { email } }', alice.token))).toEqual(['UNAUTHENTICATED']);
    const entry = await t.gql<any>('{ auditLog(first: 1, filter: { action: ["user.disabled"] }) { nodes { resourceName after } } }', a.admin.token);
    expect(entry.data!.auditLog.nodes[0]).toMatchObject({
      resourceName: 'alice@acme.test',
      after: expect.objectContaining({ reason: expect.stringContaining('left the platform team') }),
    });
  });
});
