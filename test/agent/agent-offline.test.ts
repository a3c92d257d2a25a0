/**
 * Issue 24's heartbeat promise, with real processes: the reference agent's daemon beats, its
 * server is online; the daemon is killed, and within two heartbeats (plus one sweep) its server
 * is offline, the host.offline webhook and the AGENT_OFFLINE alert each arriving once at a real
 * local receiver.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentEnv, startAgentDaemon, type AgentDaemon } from '../support/agent-process.js';
import { createTestDatabase, isPostgres, type TestDatabase } from '../support/test-database.js';
import { killAllChildren, processEnv, startVigilProcess, type VigilProcess } from '../support/vigil-process.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';

const BEAT_SECONDS = 1;
const OFFLINE_AFTER = 2 * BEAT_SECONDS;
let database: TestDatabase;
let dataDir: string;
let spool: string;
let vigil: VigilProcess;
let receiver: Receiver;
let daemon: AgentDaemon | undefined;

beforeAll(async () => {
  // Processes on one database: run on the PostgreSQL server, as the other multi-process tests.
  if (!isPostgres) return;
  database = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'vigil-agent-offline-'));
  spool = await mkdtemp(path.join(os.tmpdir(), 'vigil-agent-offline-spool-'));
  receiver = await startReceiver();
  vigil = await startVigilProcess(
    processEnv({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      VIGIL_DATA_DIR: dataDir,
      VIGIL_OUTBOUND_ALLOW: 'loopback',
      VIGIL_WEBHOOK_POLL_MS: '200',
      VIGIL_ALERT_EVALUATION_SECONDS: '1',
      VIGIL_AGENT_OFFLINE_AFTER: String(OFFLINE_AFTER),
      ...database.env,
    }),
  );
});
afterAll(async () => {
  await daemon?.stop();
  await vigil?.stop('SIGTERM');
  await killAllChildren();
  await receiver?.close();
  await database?.drop();
  for (const dir of [dataDir, spool]) if (dir) await rm(dir, { recursive: true, force: true });
});

async function gql(query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const response = await fetch(vigil.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${vigil.adminToken}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data;
}

async function until<T>(read: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

const messages = () => receiver.requests.map((request) => JSON.parse(request.body) as { type: string; data: any });

describe.runIf(isPostgres)('an agent killed', () => {
  it('is offline within two heartbeats, and its webhook and alert fire once', async () => {
    const { registerServer } = await gql(`mutation { registerServer(input: { name: "beating", hostname: "beating.test" }) { id } }`);
    const { createAgentToken } = await gql(`mutation($id: ID!) { createAgentToken(input: { name: "agent", serverId: $id }) { token } }`, {
      id: registerServer.id,
    });
    await gql(`mutation($url: String!) { createWebhookSubscription(input: { name: "noc", url: $url, eventTypes: ["host.offline", "alert.fired"] }) { id } }`, {
      url: `${receiver.url}/noc`,
    });
    await gql(`mutation { createAlertRule(input: { name: "agent gone", condition: AGENT_OFFLINE }) { id } }`);

    daemon = startAgentDaemon(
      agentEnv({ graphqlUrl: vigil.graphqlUrl, token: createAgentToken.token, spool, extra: { VIGIL_AGENT_HEARTBEAT_SECONDS: String(BEAT_SECONDS) } }),
    );
    const presence = `{ servers(first: 5) { nodes { name presence { status lastSeenAt statusChangedAt } } } }`;
    const online = async () => {
      const node = (await gql(presence)).servers.nodes.find((server: { name: string }) => server.name === 'beating');
      return node?.presence?.status === 'ONLINE' ? node.presence : undefined;
    };
    await until(online, 15_000);
    // It keeps beating: still online after more than the threshold.
    await sleep((OFFLINE_AFTER + 0.5) * 1000);
    expect(await online()).toBeDefined();

    daemon.child.kill('SIGKILL');
    const offline = await until(async () => messages().find((message) => message.type === 'host.offline'), (OFFLINE_AFTER + 10) * 1000);
    const { lastSeenAt, statusChangedAt } = offline.data.presence as { lastSeenAt: string; statusChangedAt: string };
    // Two missed beats, and at most one sweep (a quarter of the threshold) to notice.
    expect(Date.parse(statusChangedAt) - Date.parse(lastSeenAt)).toBeLessThanOrEqual((OFFLINE_AFTER + OFFLINE_AFTER / 4) * 1000 + 500);
    await until(async () => messages().find((message) => message.type === 'alert.fired'), 10_000);
    // Once each, however many sweeps and evaluations pass.
    await sleep(2000);
    expect(messages().map((message) => message.type)).toEqual(expect.arrayContaining(['host.offline', 'alert.fired']));
    expect(messages()).toHaveLength(2);
    expect(messages().find((message) => message.type === 'alert.fired')!.data.alert).toMatchObject({ title: 'Agent offline on beating' });
  });
});
