/**
 * Agent heartbeats: a server comes online with its first heartbeat and goes offline once its agent
 * stays silent, each change recorded in the audit log (so in the verifiable log) and sent as the
 * host.online / host.offline webhook, signed, to a real local receiver, and an AGENT_OFFLINE alert
 * rule fires once while the server is offline; heartbeats in between send nothing. Admins (and MONITORING_VIEW holders) see each server's presence; two instances sweeping
 * at once take a server offline once.
 */
import { createHmac } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.js';
import { queryRows } from '../../server/db/database.js';
import { evaluateAlertRules } from '../../server/alerts/evaluate-rules.js';
import { sweepSilentAgents } from '../../server/presence/presence-sweeper.js';
import { runDueDeliveries } from '../../server/webhooks/delivery-worker.js';
import { addServer, ingest, minutesAgo, type TestServer } from '../support/records-fixture.js';
import { isPostgres } from '../support/test-database.js';
import { testDeliveryDeps } from '../support/delivery-deps.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';

const HEARTBEAT = `mutation($input: HeartbeatInput!) { reportHeartbeat(input: $input) { status lastSeenAt statusChangedAt agentVersion hostname os clockSkewSeconds } }`;
const SECRET = 'a plain shared secret';
const clock = new ManualClock(new Date('2026-12-06T12:00:00.000Z'));
let t: TestVigil;
let receiver: Receiver;
let web: TestServer;
let db: TestServer;
let alice: TestUser;
let watcher: TestUser;

beforeAll(async () => {
  t = await startTestVigil({ clock, env: { VIGIL_OUTBOUND_ALLOW: 'loopback', VIGIL_AGENT_OFFLINE_AFTER: '90' } });
  receiver = await startReceiver();
  web = await addServer(t, t.admin.tenantId, 'web-01');
  db = await addServer(t, t.admin.tenantId, 'db-01');
  alice = await t.createUser(t.admin.tenantId, { email: 'alice@example.test' });
  watcher = await t.createUser(t.admin.tenantId, { email: 'noc@example.test', permissions: ['monitoring.view'] });
  const subscribed = await t.gql(`mutation($input: CreateWebhookInput!) { createWebhookSubscription(input: $input) { id } }`, t.admin.token, {
    input: { name: 'noc', url: `${receiver.url}/hosts`, secret: SECRET, eventTypes: ['host.online', 'host.offline'] },
  });
  expect(subscribed.errors).toBeUndefined();
  const rule = await t.gql(`mutation { createAlertRule(input: { name: "agent gone", condition: AGENT_OFFLINE, severity: HIGH }) { id } }`, t.admin.token);
  expect(rule.errors).toBeUndefined();
});
afterAll(async () => {
  await receiver?.close();
  await t?.close();
});

const deliver = () => runDueDeliveries(testDeliveryDeps(t));

const heartbeat = (server: TestServer, input: Record<string, unknown> = {}) =>
  t.gql<any>(HEARTBEAT, server.agentToken, { input: { agentVersion: '1.4.2', hostname: `${server.name}.prod`, os: 'Debian 12', ...input } });

/** The webhooks received so far, checked against their signature. */
function received(): { type: string; data: any }[] {
  return receiver.requests.map((request) => {
    expect(request.headers['x-webhook-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(request.body).digest('hex')}`);
    return JSON.parse(request.body) as { type: string; data: any };
  });
}

const alertsOf = async (serverId: string) =>
  ((await t.gql<any>(`{ alerts(first: 20) { nodes { state severity title details } } }`, t.admin.token)).data!.alerts.nodes as any[])
    .filter((alert) => alert.details.serverId === serverId)
    .map(({ details: _details, ...alert }) => alert);

/**
 * The server's presence changes in chain order. The chain's numbers are the sequencer's: a writer
 * is answered before its entry is numbered, so, like every reader of log-derived state, the log
 * is caught up first (two unnumbered entries would otherwise come back in any order).
 */
const auditOf = async (serverId: string) => {
  await t.vigil.log.catchUp(t.admin.tenantId);
  return queryRows<{ action: string; actor_type: string; after: any }>(
    t.vigil.database.db,
    sql`select action, actor_type, after from audit_entries where tenant_id = ${t.admin.tenantId} and resource_id = ${serverId} and action like 'server.o%' order by seq`,
  );
};

describe('agent heartbeats', () => {
  it('bring a server online once, and its silence takes it offline, recorded and sent each time', async () => {
    const first = await heartbeat(web, { time: '2026-12-06T12:00:02.000Z' });
    expect(first.errors).toBeUndefined();
    expect(first.data.reportHeartbeat).toMatchObject({
      status: 'ONLINE',
      agentVersion: '1.4.2',
      hostname: 'web-01.prod',
      os: 'Debian 12',
      clockSkewSeconds: 2,
    });
    clock.advance(30_000);
    expect((await heartbeat(web)).data.reportHeartbeat.statusChangedAt).toBe('2026-12-06T12:00:00.000Z');
    await deliver();
    expect(received().map((message) => message.type)).toEqual(['host.online']);
    expect(received()[0]!.data).toMatchObject({ server: { id: web.id, name: 'web-01' }, presence: { status: 'online', agentVersion: '1.4.2' } });

    // Still within the threshold: nothing changes.
    clock.advance(60_000);
    expect(await sweepSilentAgents(t.vigil.database.db, clock, 90)).toBe(0);
    clock.advance(31_000);
    expect(await sweepSilentAgents(t.vigil.database.db, clock, 90)).toBe(1);
    expect(await sweepSilentAgents(t.vigil.database.db, clock, 90)).toBe(0);
    await deliver();
    expect(received().map((message) => message.type)).toEqual(['host.online', 'host.offline']);
    expect(received()[1]!.data.presence).toMatchObject({ status: 'offline', lastSeenAt: '2026-12-06T12:00:30.000Z' });
    // The AGENT_OFFLINE rule fires once for the server while it stays offline.
    expect(await evaluateAlertRules(testDeliveryDeps(t))).toBe(1);
    expect(await evaluateAlertRules(testDeliveryDeps(t))).toBe(0);
    expect(await alertsOf(web.id)).toEqual([{ state: 'FIRED', severity: 'HIGH', title: 'Agent offline on web-01' }]);

    clock.advance(5_000);
    expect((await heartbeat(web, { agentVersion: '1.5.0' })).data.reportHeartbeat).toMatchObject({ status: 'ONLINE', agentVersion: '1.5.0' });
    await deliver();
    expect(received().map((message) => message.type)).toEqual(['host.online', 'host.offline', 'host.online']);
    // Back online: the alert resolves by itself.
    await evaluateAlertRules(testDeliveryDeps(t));
    expect(await alertsOf(web.id)).toEqual([{ state: 'RESOLVED', severity: 'HIGH', title: 'Agent offline on web-01' }]);

    const audit = await auditOf(web.id);
    expect(audit.map((entry) => [entry.action, entry.actor_type])).toEqual([
      ['server.online', 'agent'],
      ['server.offline', 'system'],
      ['server.online', 'agent'],
    ]);
    expect(audit[2]!.after).toMatchObject({ status: 'online', agentVersion: '1.5.0' });
    const integrity = await t.gql<any>('{ logIntegrity { isIntact faultCount } }', t.admin.token);
    expect(integrity.data!.logIntegrity).toMatchObject({ isIntact: true, faultCount: 0 });
  });

  it('show each server’s presence to admins and MONITORING_VIEW holders, to nobody else, and take heartbeats from agents only', async () => {
    const query = `{ servers(first: 10) { nodes { name presence { status lastSeenAt agentVersion } } } }`;
    const nodes = (await t.gql<any>(query, t.admin.token)).data!.servers.nodes as { name: string; presence: any }[];
    expect(nodes.find((node) => node.name === 'web-01')!.presence).toMatchObject({ status: 'ONLINE', agentVersion: '1.5.0' });
    expect(nodes.find((node) => node.name === 'db-01')!.presence).toBeNull();

    // Elsewhere a server appears nested in a record: a MONITORING_VIEW holder sees its presence there, its own user does not.
    const reported = await ingest(t, web.agentToken, [
      { eventId: 'log-1', kind: 'SYSTEM_LOG', systemLog: { level: 'INFO', loggedAt: minutesAgo(t, 1), message: 'hello', program: 'cron' } },
      {
        eventId: 'cmd-1',
        kind: 'COMMAND',
        command: { shell: 'SYSTEM', line: 'uptime', status: 'SUCCESS', userEmail: alice.email, submittedAt: minutesAgo(t, 1) },
      },
    ]);
    expect(reported.errors).toBeUndefined();
    const logs = await t.gql<any>(`{ systemLogs(first: 5) { nodes { server { name presence { status agentVersion } } } } }`, watcher.token);
    expect(logs.data!.systemLogs.nodes[0].server).toMatchObject({ name: 'web-01', presence: { status: 'ONLINE', agentVersion: '1.5.0' } });
    const commands = await t.gql<any>(`{ commands(first: 5) { nodes { line server { name presence { status } } } } }`, alice.token);
    expect(commands.data!.commands.nodes).toEqual([{ line: 'uptime', server: { name: 'web-01', presence: null } }]);

    const fromUser = await t.gql<any>(HEARTBEAT, alice.token, { input: {} });
    expect(fromUser.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const tooLong = await heartbeat(db, { hostname: 'x'.repeat(300) });
    expect(tooLong.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'hostname' });
    expect(await auditOf(db.id)).toEqual([]);

    // The fleet at a glance: one agent online, one never heard from; then a second version runs.
    const FLEET = `{ agentFleet { servers online offline silent versions { version servers online } } }`;
    expect((await t.gql<any>(FLEET, t.admin.token)).data!.agentFleet).toEqual({
      servers: 2,
      online: 1,
      offline: 0,
      silent: 1,
      versions: [{ version: '1.5.0', servers: 1, online: 1 }],
    });
    expect((await heartbeat(db)).errors).toBeUndefined();
    expect((await t.gql<any>(FLEET, watcher.token)).data!.agentFleet).toMatchObject({
      online: 2,
      silent: 0,
      versions: [
        { version: '1.4.2', servers: 1, online: 1 },
        { version: '1.5.0', servers: 1, online: 1 },
      ],
    });
    expect((await t.gql<any>(FLEET, alice.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it.runIf(isPostgres)('are swept by two instances at once into one offline change', async () => {
    clock.advance(120_000);
    // An instance's sweep on a connection of its own, twice at once on one database.
    const [a, b] = await Promise.all([sweepSilentAgents(t.vigil.database.db, clock, 90), sweepSilentAgents(t.vigil.database.db, clock, 90)]);
    expect(a + b).toBe(2);
    expect((await auditOf(db.id)).map((entry) => entry.action)).toEqual(['server.online', 'server.offline']);
  });
});
