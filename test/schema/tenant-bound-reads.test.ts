/**
 * Every read a person's request makes of a tenant-owned table is bound to a tenant: the statements
 * Vigil sends while serving the lists, nested fields and exports are captured, and PostgreSQL's
 * own plan for each (EXPLAIN, with the same parameters) must restrict every scan of a tenant-owned
 * table by tenant_id, directly or through the join it sits in. A join on ids alone (a command's
 * operator looked up by user id, in any tenant) fails here: on Citus it would be a cross-node
 * join, and anywhere it would read another tenant's row if ids ever met.
 * (Even a bearer token names its tenant, so authentication reads are bound too.) An account admin
 * choosing a workspace, and the account-wide views, are held to the same rule.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Permission } from '../../server/auth/permissions.js';
import { GLOBAL_TABLES } from '../../server/db/distribution.js';
import { queryRows } from '../../server/db/database.js';
import { RECORD_EXPORTS } from '../../server/export/record-exports.js';
import { inlineParameters } from '../../server/db/copy-csv.js';
import { fetchExport } from '../support/export-client.js';
import { graphql } from '../support/graphql-client.js';
import { grantAccountAdmin } from '../../server/accounts/account-admins.js';
import { joinAccount } from '../../server/accounts/account-workspaces.js';
import { createAccount, operatorIn } from '../../server/accounts/accounts.js';
import { buildRecordsFixture, reportOneOfEachRecord, type RecordsFixture } from '../support/records-fixture.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let f: RecordsFixture;
let tenantTables: Set<string>;
const statements = new Map<string, readonly unknown[]>();

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Alias?: string;
  'Index Cond'?: string;
  'Recheck Cond'?: string;
  Filter?: string;
  'Hash Cond'?: string;
  'Merge Cond'?: string;
  'Join Filter'?: string;
  Plans?: PlanNode[];
}

/**
 * Scans of tenant-owned tables bound to no tenant: none of their own conditions (or their bitmap
 * index's) names tenant_id, and no join above them matches their tenant_id (a hash or merge
 * join's condition, as `alias.tenant_id`).
 */
function unboundScans(node: PlanNode, joins = '', found: string[] = []): string[] {
  const table = node['Relation Name'];
  if (table && tenantTables.has(table)) {
    const own = [node['Index Cond'], node['Recheck Cond'], node.Filter, ...(node.Plans ?? []).map((child) => child['Index Cond'])].join(' ');
    const isJoinedOnTenant = joins.includes(`${node.Alias ?? table}.tenant_id`);
    if (!own.includes('tenant_id') && !isJoinedOnTenant) found.push(`${node['Node Type']} on ${table}`);
  }
  const below = [joins, node['Hash Cond'], node['Merge Cond'], node['Join Filter']].filter(Boolean).join(' ');
  for (const child of node.Plans ?? []) unboundScans(child, below, found);
  return found;
}

async function planOf(statement: string, params: readonly unknown[]): Promise<PlanNode> {
  const client = (t.vigil.database.db as unknown as { $client: unknown }).$client;
  const explain = `explain (format json) ${statement}`;
  const rows =
    typeof client === 'function'
      ? await (client as unknown as { unsafe(q: string, p: unknown[]): Promise<Record<string, unknown>[]> }).unsafe(explain, [...params])
      : (await (client as { query(q: string, p: unknown[]): Promise<{ rows: Record<string, unknown>[] }> }).query(explain, [...params])).rows;
  const value = Object.values(rows[0]!)[0];
  const plan = (typeof value === 'string' ? JSON.parse(value) : value) as { Plan: PlanNode }[];
  return plan[0]!.Plan;
}

const WORKLOAD = `{
  me { id email }
  commands(first: 50) { nodes { id line server { name } operator { email } terminalSession { id } accessSession { id } } }
  terminalSessions(first: 50) { nodes { id user { email } server { name } accessSession { id } } }
  fileTransfers(first: 50) { nodes { id path server { name } user { email } } }
  accessSessions(first: 50) { nodes { id status } }
  approvals(first: 50) { nodes { id status } }
}`;

/** What only admins read: governance, the log, statistics, the event stream. */
const ADMIN_WORKLOAD = `{
  auditLog(first: 20) { nodes { id action } }
  activityLog(first: 20) { nodes { id } }
  systemLogs(first: 20) { nodes { id server { name } } }
  sudoAuthorizations(first: 20) { nodes { id } }
  sudoChecks(first: 20) { nodes { id } }
  users(first: 20) { nodes { id email } }
  servers(first: 20) { nodes { id name } }
  apiTokens(first: 20) { nodes { id } }
  terminalRecordings(first: 20) { nodes { id } }
  desktopRecordings(first: 20) { nodes { id } }
  approvalPolicies(first: 20) { nodes { id } }
  alerts(first: 20) { nodes { id } }
  alertRules(first: 20) { nodes { id } }
  webhookSubscriptions(first: 20) { nodes { id } }
  notifications(first: 20) { nodes { id } }
  agentFleet { servers online }
  eventStatistics { byType { key count } byServer { count } byUser { count } }
  eventStream(first: 50) { endCursor nodes { kind position leafHash } }
  timeline(first: 20) { nodes { kind } }
}`;

/** Account-wide views: each workspace read by its own statements (server/accounts/account-reach.ts). */
const ACCOUNT_WORKLOAD = `{
  workspace { slug }
  account { slug workspaces { slug } admins }
  accountStatistics { total byWorkspace { workspace { slug } statistics { total } } }
  accountAuditLog(first: 20) { nodes { workspace { slug } entry { id action } } endCursor }
}`;

beforeAll(async () => {
  t = await startTestVigil();
  f = await buildRecordsFixture(t);
  const tables = await queryRows<{ name: string }>(
    t.vigil.database.db,
    sql`select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p') and c.relname not like '\\_\\_drizzle%'`,
  );
  tenantTables = new Set(tables.map((table) => table.name).filter((name) => !GLOBAL_TABLES[name]));
  await reportOneOfEachRecord(t, f);
  const granted = await t.gql(`mutation($id: ID!) { grantPermissions(userId: $id, permissions: [AUDIT_LOGS_EXPORT]) { id } }`, t.admin.token, {
    id: f.alice.id,
  });
  expect(granted.errors).toBeUndefined();

  // An account admin whose credential belongs to `sibling`, choosing `default` and reading account-wide views.
  const sibling = await t.createTenant('sibling');
  const eve = await t.createUser(sibling.tenantId, { email: 'eve@holding.test' });
  const deps = { db: t.vigil.database.db, clock: t.clock };
  await createAccount(deps.db, { slug: 'holding', name: 'Holding' });
  for (const workspace of ['default', 'sibling']) await joinAccount(deps, 'holding', workspace, operatorIn('test'));
  await grantAccountAdmin(deps, 'holding', eve.email, operatorIn('test'));

  const stop = t.vigil.database.onQuery((statement, params) => {
    if (/^\s*(select|with)\b/i.test(statement)) statements.set(statement, params);
  });
  try {
    for (const token of [t.admin.token, f.alice.token]) {
      if (token === t.admin.token) expect((await fetchExport(t, '/export/activity-log.csv', token)).status).toBe(200);
      const response = await t.gql(WORKLOAD, token);
      expect(response.errors).toBeUndefined();
      if (token === t.admin.token) {
        const governance = await t.gql(ADMIN_WORKLOAD, token);
        expect(governance.errors).toBeUndefined();
      }
      for (const name of ['commands', 'terminal-sessions', 'file-transfers', 'access-sessions', 'approvals']) {
        expect((await fetchExport(t, `/export/${name}.csv`, token)).status, name).toBe(200);
      }
    }
    const chosen = await graphql(
      t.url,
      `
        ${WORKLOAD.slice(0, -1)}
        ${ADMIN_WORKLOAD.slice(1)}
      `,
      { token: eve.token, headers: { 'vigil-workspace': 'default' } },
    );
    expect(chosen.errors).toBeUndefined();
    const accountWide = await t.gql(ACCOUNT_WORKLOAD, eve.token);
    expect(accountWide.errors).toBeUndefined();
  } finally {
    stop();
  }
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('reads of tenant-owned tables', () => {
  it('are all bound to a tenant, in every statement a request sent', async () => {
    expect(statements.size).toBeGreaterThan(40);
    // The account admin's own statements are among them: finding their row in the chosen workspace.
    expect([...statements.keys()].some((statement) => statement.includes('"managing_account_id" = '))).toBe(true);
    const faults: string[] = [];
    for (const [statement, params] of statements) {
      const unbound = unboundScans(await planOf(statement, params));
      if (unbound.length > 0) faults.push(`${unbound.join(', ')}: ${statement.slice(0, 300)}`);
    }
    expect(faults).toEqual([]);
  });

  it('holds for the SELECTs PostgreSQL renders exports from', async () => {
    const actor = {
      type: 'user',
      tenantId: t.admin.tenantId,
      userId: f.alice.id,
      email: f.alice.email,
      role: 'user',
      permissions: new Set<Permission>(),
    } as const;
    for (const kind of RECORD_EXPORTS.filter((each) => each.copySelect)) {
      const statement = inlineParameters(kind.copySelect!({ tenantId: t.admin.tenantId, ownerUserId: f.alice.id }, {}, actor));
      expect(unboundScans(await planOf(statement, [])), kind.name).toEqual([]);
    }
  });

  it('catches a join on ids alone', async () => {
    const plan = await planOf(`select c.id, u.email from commands c join users u on u.id = c.operator_user_id where c.tenant_id = $1`, [t.admin.tenantId]);
    expect(unboundScans(plan).some((scan) => scan.endsWith('on users'))).toBe(true);
  });
});
