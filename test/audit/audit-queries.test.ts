import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../server/clock.js';
import { errorCodes } from '../support/graphql-client.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let admin: TestUser;
let auditor: TestUser;
let regular: TestUser;
let tenantStart: Date;

beforeAll(async () => {
  t = await startTestVigil();
  tenantStart = t.clock.now();
  const tenant = await t.createTenant('queries');
  admin = tenant.admin;
  auditor = await t.createUser(tenant.tenantId, { email: 'auditor@queries.test', permissions: ['audit_logs.view'] });
  regular = await t.createUser(tenant.tenantId, { email: 'regular@queries.test' });
  const clock = t.clock as ManualClock;
  for (let index = 0; index < 3; index++) {
    clock.advance(3_600_000);
    await t.gql(`mutation { registerServer(input: { name: "srv-${index}", hostname: "srv${index}.queries.test" }) { id } }`, admin.token);
  }
  clock.advance(3_600_000);
  await t.gql(`mutation { changeUserRole(id: "${regular.id}", role: ADMIN) { role } }`, admin.token);
  await t.gql(`mutation { changeUserRole(id: "${regular.id}", role: USER) { role } }`, admin.token);
});
afterAll(async () => t?.close());

const LOG =
  'query($filter: AuditLogFilterInput, $first: Int) { auditLog(first: $first, filter: $filter) { nodes { seq action actorEmail resourceType resourceName } } }';

async function search(filter: Record<string, unknown>, first = 100) {
  const response = await t.gql<any>(LOG, auditor.token, { filter, first });
  expect(response.errors).toBeUndefined();
  return response.data!.auditLog.nodes as any[];
}

describe('searching the audit log', () => {
  it('filters by action, actor, actor type, resource and keyword, newest first', async () => {
    const servers = await search({ action: ['server.registered'] });
    expect(servers.map((node) => node.resourceName)).toEqual(['srv-2', 'srv-1', 'srv-0']);
    expect((await search({ actorId: admin.id, action: ['user.role_changed'] })).map((node) => node.action)).toEqual(['user.role_changed', 'user.role_changed']);
    const bySystem = await search({ actorType: 'SYSTEM' });
    expect(bySystem.map((node) => node.action)).toContain('tenant.created');
    expect(bySystem.every((node) => node.actorEmail === null)).toBe(true);
    expect(bySystem.map((node) => node.action)).not.toContain('server.registered');
    expect((await search({ resourceType: 'server', keyword: 'SRV1.QUERIES' })).map((node) => node.resourceName)).toEqual(['srv-1']);
    const seqs = (await search({})).map((node) => node.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
  });

  it('filters by time', async () => {
    const from = new Date(tenantStart.getTime() + 1.5 * 3_600_000).toISOString();
    const to = new Date(tenantStart.getTime() + 2.5 * 3_600_000).toISOString();
    expect((await search({ from, to, action: ['server.registered'] })).map((node) => node.resourceName)).toEqual(['srv-1']);
  });

  it('shows an entry with its before and after, by id or sequence', async () => {
    const [change] = await search({ action: ['user.role_changed'] });
    const bySeq = await t.gql<any>(`{ auditEntry(seq: ${change.seq}) { id action before after hash prevHash } }`, auditor.token);
    expect(bySeq.data!.auditEntry).toMatchObject({ action: 'user.role_changed', before: { role: 'admin' }, after: { role: 'user' } });
    const byId = await t.gql<any>(`{ auditEntry(id: "${bySeq.data!.auditEntry.id}") { seq } }`, auditor.token);
    expect(byId.data!.auditEntry.seq).toBe(change.seq);
    expect(errorCodes(await t.gql('{ auditEntry(seq: 999999) { id } }', auditor.token))).toEqual(['NOT_FOUND']);
  });

  it('gives the 10 latest entries by default, up to 50', async () => {
    const recent = await t.gql<any>('{ recentAuditActivity { seq } }', auditor.token);
    expect(recent.data!.recentAuditActivity).toHaveLength(10);
    const three = await t.gql<any>('{ recentAuditActivity(limit: 3) { seq } }', auditor.token);
    expect(three.data!.recentAuditActivity).toHaveLength(3);
    expect(errorCodes(await t.gql('{ recentAuditActivity(limit: 51) { seq } }', auditor.token))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('statistics', () => {
  it('counts by action, actor and actor type, with an hourly series including empty hours', async () => {
    const from = tenantStart.toISOString();
    const to = new Date(tenantStart.getTime() + 5 * 3_600_000).toISOString();
    const response = await t.gql<any>(
      `{ auditStatistics(from: "${from}", to: "${to}", bucket: HOUR, filter: { actorType: USER }) {
          total byAction { key count } byActor { actorEmail count } byActorType { key count } series { bucketStart count } } }`,
      auditor.token,
    );
    expect(response.errors).toBeUndefined();
    const statistics = response.data!.auditStatistics;
    const actions = Object.fromEntries(statistics.byAction.map((row: any) => [row.key, row.count]));
    expect(actions['server.registered']).toBe(3);
    expect(actions['user.role_changed']).toBe(2);
    expect(statistics.byActorType).toEqual([{ key: 'user', count: statistics.total }]);
    expect(statistics.byActor.find((row: any) => row.actorEmail === 'admin@queries.test').count).toBeGreaterThanOrEqual(5);
    expect(statistics.series.length).toBeGreaterThanOrEqual(5);
    expect(statistics.series.reduce((sum: number, bucket: any) => sum + bucket.count, 0)).toBe(statistics.total);
    // The tenant was made by Vigil itself in the first hour; its admin registered one server in
    // each of the next three hours, and changed roles (and the auditor read) in the fifth.
    expect(statistics.series.slice(0, 4).map((bucket: any) => bucket.count)).toEqual([0, 1, 1, 1]);
    expect(statistics.series[4].count).toBeGreaterThanOrEqual(2);
  });

  it('defaults to the last 7 days in daily buckets', async () => {
    const response = await t.gql<any>('{ auditStatistics { from to series { bucketStart } } }', auditor.token);
    const { from, to, series } = response.data!.auditStatistics;
    expect(new Date(to).getTime() - new Date(from).getTime()).toBe(7 * 86_400_000);
    expect(series.length).toBeGreaterThanOrEqual(7);
  });
});

describe('access and accountability', () => {
  it('needs AUDIT_LOGS_VIEW for every audit query', async () => {
    for (const query of [
      '{ auditLog { nodes { seq } } }',
      '{ auditEntry(seq: 1) { seq } }',
      '{ recentAuditActivity { seq } }',
      '{ auditStatistics { total } }',
      '{ auditIntegrity { isIntact } }',
      '{ latestAuditCheckpoint { seq } }',
    ]) {
      expect(errorCodes(await t.gql(query, regular.token))).toEqual(['FORBIDDEN']);
    }
  });

  it('records every reading of the log: who looked, at what, with which filter', async () => {
    await t.gql(LOG, auditor.token, { filter: { action: ['server.registered'], keyword: 'srv' } });
    const views = await search({ action: ['audit.log_viewed'] });
    expect(views[0]).toMatchObject({ actorEmail: 'auditor@queries.test', resourceType: 'audit_log' });
    // The newest view is the search above; this listing records itself after it has read.
    const detail = await t.gql<any>(`{ auditEntry(seq: ${views[0].seq}) { after } }`, auditor.token);
    expect(detail.data!.auditEntry.after).toEqual({ view: 'search', filter: { action: ['server.registered'], keyword: 'srv' } });
    await t.gql('{ auditIntegrity { isIntact } }', auditor.token);
    const verified = await search({ action: ['audit.verified'] });
    expect(verified).toHaveLength(1);
  });
});
