/**
 * The webhook outbox survives a crash. Real Vigil processes on the test file's own database (a
 * PGlite data dir, or a cloned PostgreSQL database), SIGKILLed and started again on the same
 * database with the same VIGIL_SECRET_KEY (it seals the webhook secrets):
 * - deliveries still pending at the kill are all sent by the next process, each exactly once,
 *   signed with the subscription's secret, and end SUCCEEDED after one attempt;
 * - a delivery killed mid-send (`delivering`, its receiver still holding the request) is taken
 *   again once its lease (3 × VIGIL_WEBHOOK_TIMEOUT_MS) lapses: at least once, the duplicate
 *   carrying the same `webhook-id` so the receiver can tell.
 * PGlite restarts after SIGKILL: the dead process's `vigil.pid` is taken over (data-dir-lock.ts).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../support/graphql-client.js';
import { createTestDatabase, isPostgres, type TestDatabase } from '../support/test-database.js';
import { killAllChildren, processEnv, startVigilProcess, type VigilProcess } from '../support/vigil-process.js';

/** One key for every start: the restarted process must open the secrets the first one sealed. */
const SECRET_KEY = randomBytes(32).toString('base64');
const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const SIGNING_KEY = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
/** A send times out after this; a claim's lease is three times as long. */
const TIMEOUT_MS = 2000;
const LEASE_MS = TIMEOUT_MS * 3;
const FAST_POLL_MS = 200;
/** How long to keep listening once everything expected arrived, to catch a duplicate (5 polls). */
const SETTLE_MS = 1000;
const PENDING_COUNT = 30;

const CREATE = `mutation($input: CreateWebhookInput!) { createWebhookSubscription(input: $input) { id hasSecret } }`;
const DEACTIVATE = `mutation($id: ID!) { updateWebhookSubscription(id: $id, input: { isActive: false }) { isActive } }`;
const DELIVERIES = `query($filter: WebhookDeliveryFilterInput) { webhookDeliveries(first: 500, filter: $filter) {
  nodes { id eventType status attempts nextAttemptAt lastAttemptAt lastStatusCode payload } } }`;
const INGEST = 'mutation($events: [AgentEventInput!]!) { ingestEvents(events: $events) { accepted } }';

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
}

/**
 * A webhook receiver that either answers 200 at once or holds every request unanswered (a receiver
 * hanging while the sender dies), recording each request as it arrives.
 */
async function startHoldingReceiver() {
  const requests: Received[] = [];
  const held: ServerResponse[] = [];
  let holding = false;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      if (holding) held.push(response);
      else response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    hold: (value: boolean) => void (holding = value),
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of held) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
type HoldingReceiver = Awaited<ReturnType<typeof startHoldingReceiver>>;

async function until(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

describe('webhook deliveries across a SIGKILL and a restart', { timeout: 150_000 }, () => {
  let database: TestDatabase | undefined;
  let dataDir: string;
  let baseEnv: Record<string, string>;
  let server: VigilProcess | undefined;
  let adminToken: string;
  let agentToken: string;
  const receivers: HoldingReceiver[] = [];

  const env = (pollMs: number) => ({ ...baseEnv, VIGIL_WEBHOOK_POLL_MS: String(pollMs) });

  async function gqlOk<T = Record<string, any>>(query: string, token: string, variables?: Record<string, unknown>): Promise<T> {
    const response = await graphql<T>(server!.graphqlUrl, query, { token, variables });
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    return response.data!;
  }

  async function deliveries(subscriptionId: string): Promise<Record<string, any>[]> {
    const data = await gqlOk(DELIVERIES, adminToken, { filter: { subscriptionId } });
    return data.webhookDeliveries.nodes;
  }

  async function subscribe(name: string, url: string): Promise<string> {
    const data = await gqlOk(CREATE, adminToken, { input: { name, url: `${url}/hook`, eventTypes: ['command.failed'], secret: SECRET } });
    expect(data.createWebhookSubscription.hasSecret).toBe(true);
    return data.createWebhookSubscription.id;
  }

  let serial = 0;
  /** Ingests `count` FAILED commands as the agent of web-01; returns their lines. */
  async function ingestFailedCommands(count: number): Promise<string[]> {
    const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    const lines = Array.from({ length: count }, () => `false # ${process.pid}-${++serial}`);
    const events = lines.map((line, index) => ({
      eventId: `failed-${process.pid}-${serial}-${index}`,
      kind: 'COMMAND',
      command: { shell: 'SYSTEM', line, status: 'FAILED', exitCode: 1, result: 'boom', submittedAt: ago(3), startedAt: ago(2), finishedAt: ago(1) },
    }));
    const data = await gqlOk<{ ingestEvents: { accepted: number } }>(INGEST, agentToken, { events });
    expect(data.ingestEvents.accepted).toBe(count);
    return lines;
  }

  /** SIGKILLs the running server: no shutdown hook, no settling, a lock file left behind on PGlite. */
  async function kill(): Promise<void> {
    const exit = await server!.stop('SIGKILL');
    expect(exit).toMatchObject({ code: null, signal: 'SIGKILL' });
    server = undefined;
  }

  async function restart(pollMs: number): Promise<void> {
    const killedPid = server?.child.pid;
    if (!isPostgres) {
      // The killed process's lock is still there: the new start must take it over, not refuse.
      const lock = await readFile(path.join(dataDir, 'vigil.pid'), 'utf8').catch(() => undefined);
      if (killedPid !== undefined) expect(lock).toBe(String(killedPid));
    }
    server = await startVigilProcess(env(pollMs));
    expect(server.adminToken).toBeUndefined(); // the same database: no second bootstrap
  }

  /** Checks a request's signatures (plain HMAC and Standard Webhooks) and returns its message. */
  function verified(request: Received): { id: string; type: string; data: { command: { line: string; status: string } } } {
    expect(request.headers['x-webhook-event']).toBe('command.failed');
    expect(request.headers['x-webhook-signature']).toBe(`sha256=${createHmac('sha256', SIGNING_KEY).update(request.body).digest('hex')}`);
    const message = new Webhook(SECRET).verify(request.body, {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    }) as ReturnType<typeof verified>;
    expect(message.id).toBe(request.headers['webhook-id']);
    return message;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'vigil-webhook-restart-'));
    baseEnv = processEnv({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      VIGIL_DATA_DIR: dataDir,
      VIGIL_SECRET_KEY: SECRET_KEY,
      VIGIL_OUTBOUND_ALLOW: 'loopback',
      VIGIL_WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
      ...database.env,
    });
    // The longest poll there is: the first worker pass is a minute away, so nothing is sent before the kill.
    server = await startVigilProcess(env(60_000));
    adminToken = server.adminToken!;
    expect(adminToken).toBeDefined();

    const registered = await gqlOk<{ registerServer: { id: string } }>(
      'mutation { registerServer(input: { name: "web-01", hostname: "web-01.example.test", os: "Debian 12" }) { id } }',
      adminToken,
    );
    const agent = await gqlOk<{ createAgentToken: { token: string } }>(
      'mutation($serverId: ID!) { createAgentToken(input: { name: "agent web-01", serverId: $serverId }) { token } }',
      adminToken,
      { serverId: registered.registerServer.id },
    );
    agentToken = agent.createAgentToken.token;
  });

  afterAll(async () => {
    try {
      if (server) expect(await server.stop('SIGTERM')).toMatchObject({ code: 0, timedOut: false });
    } finally {
      await killAllChildren();
      await Promise.all(receivers.map((receiver) => receiver.close()));
      await database?.drop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    }
  });

  it(`sends every delivery pending at the kill once the server is back, each exactly once (${PENDING_COUNT} deliveries)`, async () => {
    const receiver = await startHoldingReceiver();
    receivers.push(receiver);
    const subscriptionId = await subscribe('survives a crash', receiver.url);
    const lines = await ingestFailedCommands(PENDING_COUNT);

    const pending = await deliveries(subscriptionId);
    expect(pending).toHaveLength(PENDING_COUNT);
    for (const delivery of pending) expect(delivery).toMatchObject({ eventType: 'command.failed', status: 'PENDING', attempts: 0, lastAttemptAt: null });
    const messageIds = pending.map((delivery) => JSON.parse(delivery.payload).id as string);
    expect(new Set(messageIds).size).toBe(PENDING_COUNT);
    expect(receiver.requests).toHaveLength(0);

    await kill();
    await restart(FAST_POLL_MS);

    await until(`${PENDING_COUNT} deliveries received`, () => receiver.requests.length >= PENDING_COUNT);
    await sleep(SETTLE_MS);
    expect(receiver.requests).toHaveLength(PENDING_COUNT);
    const received = receiver.requests.map(verified);
    // Each delivery's webhook-id exactly once, and each failed command in one of them.
    expect(received.map((message) => message.id).sort()).toEqual([...messageIds].sort());
    expect(received.map((message) => message.data.command.line).sort()).toEqual([...lines].sort());
    expect(received.every((message) => message.type === 'command.failed' && message.data.command.status === 'failed')).toBe(true);

    const settled = await deliveries(subscriptionId);
    expect(settled).toHaveLength(PENDING_COUNT);
    for (const delivery of settled) expect(delivery).toMatchObject({ status: 'SUCCEEDED', attempts: 1, lastStatusCode: 200 });

    // Out of the way of the next test.
    expect((await gqlOk(DEACTIVATE, adminToken, { id: subscriptionId })).updateWebhookSubscription.isActive).toBe(false);
  });

  it('takes a delivery killed mid-send again once its lease lapses: it ends SUCCEEDED, any duplicate with the same webhook-id', async () => {
    expect(server?.isRunning()).toBe(true); // the fast-polling restart of the previous test
    const receiver = await startHoldingReceiver();
    receivers.push(receiver);
    receiver.hold(true);
    const subscriptionId = await subscribe('killed mid-send', receiver.url);
    const COUNT = 3;
    await ingestFailedCommands(COUNT);

    // The worker has claimed them and is waiting on the receiver, well within its send timeout.
    await until('the first sends', () => receiver.requests.length >= COUNT);
    const inFlight = await deliveries(subscriptionId);
    expect(inFlight).toHaveLength(COUNT);
    for (const delivery of inFlight) {
      // The lease (next_attempt_at moved to 3 × the timeout past the claim) is not shown: nextAttemptAt is for pending and retrying.
      expect(delivery).toMatchObject({ status: 'DELIVERING', attempts: 1, lastStatusCode: null, nextAttemptAt: null, lastAttemptAt: expect.any(String) });
    }
    const leaseEnd = Math.max(...inFlight.map((delivery) => new Date(delivery.lastAttemptAt).getTime())) + LEASE_MS;
    await kill();
    const firstSends = receiver.requests.length;
    expect(firstSends).toBe(COUNT);

    receiver.hold(false);
    await restart(FAST_POLL_MS);
    await until('the sends after the lease', () => receiver.requests.length >= 2 * COUNT, LEASE_MS + 10_000);
    await sleep(SETTLE_MS);
    expect(receiver.requests).toHaveLength(2 * COUNT);

    const [before, after] = [receiver.requests.slice(0, COUNT), receiver.requests.slice(COUNT)];
    // Not taken again before the lease lapsed (both clocks are this machine's).
    for (const request of after) expect(request.at).toBeGreaterThanOrEqual(leaseEnd - 50);
    const ids = (requests: Received[]) => requests.map((request) => verified(request).id).sort();
    const expectedIds = inFlight.map((delivery) => JSON.parse(delivery.payload).id as string).sort();
    // The duplicate is the same message: the same webhook-id (and body) as the send the kill cut off.
    expect(ids(before)).toEqual(expectedIds);
    expect(ids(after)).toEqual(expectedIds);
    expect(after.map((request) => request.body).sort()).toEqual(before.map((request) => request.body).sort());

    const settled = await deliveries(subscriptionId);
    for (const delivery of settled) expect(delivery).toMatchObject({ status: 'SUCCEEDED', attempts: 2, lastStatusCode: 200 });
  });
});
