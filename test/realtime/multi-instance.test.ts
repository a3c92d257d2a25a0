/**
 * Two Vigil servers, two OS processes, one PostgreSQL database: a change made through either
 * instance reaches the subscribers of both (NOTIFY at commit, one LISTEN per instance), and each
 * subscriber gets each change exactly once, however many subscribers an instance has.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { graphql, type GraphQLResponse } from '../support/graphql-client.js';
import { connectSubscriber, settle, type Subscriber } from '../support/subscription-client.js';
import { createTestDatabase, isPostgres, type TestDatabase } from '../support/test-database.js';
import { TEST_SIGNING_KEY } from '../support/test-vigil.js';
import { killAllChildren, processEnv, startVigilProcess, type VigilProcess } from '../support/vigil-process.js';

const COMMAND_CHANGED = `subscription { commandChanged { change command { id eventId line status exitCode server { name } } } }`;
const NOTIFICATION_RECEIVED = `subscription { notificationReceived { id title body category isBroadcast } }`;
const APPROVAL_REQUESTED = `subscription { approvalRequested { id kind status reason requester { email } servers { name } } }`;

/** How long to keep listening after the expected messages arrived, to catch a duplicate. */
const SETTLE_MS = 500;

describe.runIf(isPostgres)('two Vigil processes on one PostgreSQL database', { timeout: 60_000 }, () => {
  let database: TestDatabase | undefined;
  let dataDir: string | undefined;
  /** The first start: it migrated, bootstrapped and printed the admin token. */
  let a: VigilProcess;
  let b: VigilProcess;
  let adminToken: string;
  let agentToken: string;
  let alice: { id: string; token: string };

  const open: Subscriber[] = [];

  /** A subscriber on `instance`, with `query` subscribed (the server has accepted it on return). */
  async function subscribe(instance: VigilProcess, token: string, query: string): Promise<Subscriber> {
    const subscriber = await connectSubscriber(instance.graphqlUrl, token);
    open.push(subscriber);
    await subscriber.subscribe(query);
    return subscriber;
  }

  async function gqlOk<T = Record<string, any>>(instance: VigilProcess, query: string, token: string, variables?: Record<string, unknown>): Promise<T> {
    const response: GraphQLResponse<T> = await graphql<T>(instance.graphqlUrl, query, { token, variables });
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    return response.data!;
  }

  /** Ingests `events` through `instance` as the agent of web-01. */
  async function ingestThrough(instance: VigilProcess, events: Record<string, unknown>[]): Promise<void> {
    const data = await gqlOk<{ ingestEvents: { accepted: number } }>(
      instance,
      'mutation($events: [AgentEventInput!]!) { ingestEvents(events: $events) { accepted } }',
      agentToken,
      { events },
    );
    expect(data.ingestEvents.accepted).toBe(events.length);
  }

  /** The real clock: these servers run on it, and agents report the past. */
  const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

  let serial = 0;
  const nextId = (prefix: string) => `${prefix}-${process.pid}-${++serial}`;

  const command = (eventId: string, status = 'RUNNING') => ({
    eventId,
    kind: 'COMMAND',
    command: { shell: 'SYSTEM', line: `echo ${eventId}`, status, submittedAt: minutesAgo(3), startedAt: minutesAgo(2) },
  });

  /** Waits for `count` messages, then listens SETTLE_MS more: what it returns is all that came. */
  async function exactly(subscriber: Subscriber, count: number): Promise<Record<string, any>[]> {
    await subscriber.waitFor(count, 10_000);
    await settle(SETTLE_MS);
    expect(subscriber.received).toHaveLength(count);
    expect(subscriber.errors).toEqual([]);
    return subscriber.received;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'vigil-multi-'));
    const env = processEnv({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      VIGIL_DATA_DIR: dataDir,
      // The same key on both, as instances of one installation share it.
      VIGIL_AUDIT_SIGNING_KEY: TEST_SIGNING_KEY,
      ...database.env,
    });
    a = await startVigilProcess(env);
    b = await startVigilProcess(env);
    expect(a.adminToken).toBeDefined();
    expect(b.adminToken).toBeUndefined(); // the second start found the tenant the first made
    expect(a.child.pid).not.toBe(b.child.pid);
    adminToken = a.adminToken!;

    const server = await gqlOk<{ registerServer: { id: string } }>(
      a,
      'mutation { registerServer(input: { name: "web-01", hostname: "web-01.example.test", os: "Debian 12" }) { id } }',
      adminToken,
    );
    const agent = await gqlOk<{ createAgentToken: { token: string } }>(
      a,
      'mutation($serverId: ID!) { createAgentToken(input: { name: "agent web-01", serverId: $serverId }) { token } }',
      adminToken,
      { serverId: server.registerServer.id },
    );
    agentToken = agent.createAgentToken.token;
    const user = await gqlOk<{ createUser: { id: string } }>(b, 'mutation { createUser(input: { email: "alice@example.test" }) { id } }', adminToken);
    const token = await gqlOk<{ createUserToken: { token: string } }>(
      b,
      'mutation($userId: ID!) { createUserToken(input: { name: "alice", userId: $userId }) { token } }',
      adminToken,
      { userId: user.createUser.id },
    );
    alice = { id: user.createUser.id, token: token.createUserToken.token };
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((subscriber) => subscriber.dispose()));
  });

  afterAll(async () => {
    try {
      const exits = await Promise.all([a, b].filter(Boolean).map((instance) => instance.stop('SIGTERM')));
      for (const exit of exits) expect(exit).toMatchObject({ code: 0, signal: null, timedOut: false });
    } finally {
      await killAllChildren();
      await database?.drop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('delivers a command ingested through A, and its status update, once to a subscriber on B (and once to one on A)', async () => {
    const onB = await subscribe(b, adminToken, COMMAND_CHANGED);
    const onA = await subscribe(a, adminToken, COMMAND_CHANGED);
    const eventId = nextId('deploy');

    await ingestThrough(a, [command(eventId)]);
    for (const subscriber of [onB, onA]) {
      expect(await exactly(subscriber, 1)).toEqual([
        {
          commandChanged: {
            change: 'CREATED',
            command: { id: expect.any(String), eventId, line: `echo ${eventId}`, status: 'RUNNING', exitCode: null, server: { name: 'web-01' } },
          },
        },
      ]);
    }
    const commandId = onB.received[0]!.commandChanged.command.id;
    expect(onA.received[0]!.commandChanged.command.id).toBe(commandId);

    await ingestThrough(a, [
      {
        eventId: nextId('update'),
        kind: 'COMMAND_UPDATE',
        commandUpdate: { commandEventId: eventId, status: 'SUCCESS', exitCode: 0, reportedAt: minutesAgo(1) },
      },
    ]);
    for (const subscriber of [onB, onA]) {
      const received = await exactly(subscriber, 2);
      expect(received[1]).toEqual({
        commandChanged: {
          change: 'UPDATED',
          command: { id: commandId, eventId, line: `echo ${eventId}`, status: 'SUCCESS', exitCode: 0, server: { name: 'web-01' } },
        },
      });
    }
  });

  it('gives each of two subscribers on the same instance one copy of each change', async () => {
    const first = await subscribe(b, adminToken, COMMAND_CHANGED);
    const second = await subscribe(b, adminToken, COMMAND_CHANGED);
    const eventIds = [nextId('batch'), nextId('batch'), nextId('batch')];

    await ingestThrough(
      a,
      eventIds.map((eventId) => command(eventId, 'SUCCESS')),
    );
    for (const subscriber of [first, second]) {
      const received = await exactly(subscriber, eventIds.length);
      expect(received.map((data) => data.commandChanged.command.eventId).sort()).toEqual([...eventIds].sort());
      expect(received.every((data) => data.commandChanged.change === 'CREATED')).toBe(true);
    }
    // The same rows, not two loads that happened to agree: each copy names the same record.
    const ids = (subscriber: Subscriber) => subscriber.received.map((data) => data.commandChanged.command.id).sort();
    expect(ids(first)).toEqual(ids(second));
    expect(new Set(ids(first)).size).toBe(eventIds.length);
  });

  it('delivers a notification sent through B once to its recipient subscribed on A', async () => {
    const onA = await subscribe(a, adminToken, NOTIFICATION_RECEIVED);
    const title = nextId('maintenance tonight');

    const sent = await gqlOk<{ sendNotification: { id: string } }>(
      b,
      'mutation($input: SendNotificationInput!) { sendNotification(input: $input) { id } }',
      adminToken,
      { input: { title, body: 'db-01 restarts at 22:00', category: 'SYSTEM', user: 'admin@localhost' } },
    );
    expect(await exactly(onA, 1)).toEqual([
      { notificationReceived: { id: sent.sendNotification.id, title, body: 'db-01 restarts at 22:00', category: 'SYSTEM', isBroadcast: false } },
    ]);
  });

  it('delivers an access request made through B once to the admin subscribed on A, and not to the requester', async () => {
    const adminOnA = await subscribe(a, adminToken, APPROVAL_REQUESTED);
    const aliceOnA = await subscribe(a, alice.token, APPROVAL_REQUESTED);
    const reason = nextId('deploy the hotfix');

    const requested = await gqlOk<{ requestAccess: { id: string } }>(
      b,
      'mutation($input: RequestAccessInput!) { requestAccess(input: $input) { id status } }',
      alice.token,
      { input: { servers: ['web-01'], durationMinutes: 60, reason } },
    );
    expect(await exactly(adminOnA, 1)).toEqual([
      {
        approvalRequested: {
          id: requested.requestAccess.id,
          kind: expect.any(String),
          status: 'PENDING',
          reason,
          requester: { email: 'alice@example.test' },
          servers: [{ name: 'web-01' }],
        },
      },
    ]);
    // A requester cannot decide their own request: it is not "new for them to decide".
    expect(aliceOnA.received).toEqual([]);
  });
});
