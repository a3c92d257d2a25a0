/**
 * A subscriber that stops reading is cut off (4290) while the others keep receiving everything:
 * a stalled socket costs neither memory without bound nor anyone else's events.
 *
 * The slow client speaks graphql-ws by hand over a raw `ws` socket and then pauses that socket's
 * TCP stream, as a client on a dead link or with a frozen event loop would: what Vigil sends fills
 * the kernel's buffers (~4 MB on loopback here), then waits in Vigil, per subscription (at most
 * VIGIL_SUBSCRIPTION_QUEUE events) and per socket (at most VIGIL_WS_MAX_BUFFERED_KB unsent). The
 * close frame Vigil sends then sits behind the data already in those buffers, so the client reads
 * again to see it; where a cut ends the subscription at once, /metrics shows it happened before.
 */
import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connectSubscriber, settle, type Closed, type Subscriber } from '../support/subscription-client.js';
import { addServer, ingest, minutesAgo, type TestServer } from '../support/records-fixture.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

const QUEUE_LIMIT = 20;
const MAX_BUFFERED_KB = 64;
const CLOSE_SLOW_CONSUMER = 4290;

const COMMAND_CHANGED = `subscription { commandChanged { change command { id eventId line } } }`;

/** Command lines this long make each message ~8 KB, so a few MB of them take few rows. */
const LINE_BYTES = 8 * 1024;
/** 200 commands of 8 KB: a request well under the 2 MB body limit. */
const BATCH = 200;
/** Enough to fill any loopback buffers we know of (~4 MB here) many times over. */
const MAX_BATCHES = 30;

let t: TestVigil;
let web: TestServer;

beforeAll(async () => {
  t = await startTestVigil({ env: { VIGIL_SUBSCRIPTION_QUEUE: String(QUEUE_LIMIT), VIGIL_WS_MAX_BUFFERED_KB: String(MAX_BUFFERED_KB) } });
  web = await addServer(t, t.admin.tenantId, 'web-01');
});
afterAll(() => t?.close());

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

interface RawSubscriber {
  readonly closed: Promise<Closed>;
  /** `next` messages received so far, over all its subscriptions. */
  readonly messages: number;
  /** Stops reading the socket: the kernel's buffers fill, then Vigil's. */
  stopReading(): void;
  resumeReading(): void;
}

/**
 * graphql-ws by hand on a raw socket: connection_init with the token, connection_ack, then one
 * subscription per query; resolves once the server has set them all up.
 */
async function connectRaw(token: string, queries: string[]): Promise<RawSubscriber> {
  const ws = new WebSocket(t.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  cleanups.push(() => ws.terminate());
  let messages = 0;
  const closed = new Promise<Closed>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  const awaited = new Map<string, () => void>();
  const reply = (key: string) => new Promise<void>((resolve) => awaited.set(key, resolve));
  ws.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as { type: string; id?: string };
    if (message.type === 'next') messages += 1;
    awaited.get(message.type === 'connection_ack' ? 'ack' : `${message.id}:${message.type}`)?.();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const acked = reply('ack');
  ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  await acked;
  queries.forEach((query, index) => ws.send(JSON.stringify({ id: String(index + 1), type: 'subscribe', payload: { query } })));
  // A round trip after them: once answered, the subscriptions were set up before it.
  const answered = reply('ping:complete');
  ws.send(JSON.stringify({ id: 'ping', type: 'subscribe', payload: { query: '{ __typename }' } }));
  await answered;
  const socket = (ws as unknown as { _socket: Socket })._socket;
  return {
    closed,
    get messages() {
      return messages;
    },
    stopReading: () => socket.pause(),
    resumeReading: () => socket.resume(),
  };
}

async function connectHealthy(): Promise<Subscriber> {
  const subscriber = await connectSubscriber(t.url, t.admin.token);
  cleanups.push(() => subscriber.dispose());
  await subscriber.subscribe(COMMAND_CHANGED);
  return subscriber;
}

/** Open GraphQL subscriptions on the instance, as /metrics reports them. */
async function openSubscriptions(): Promise<number> {
  const text = await (await fetch(`${t.vigil.baseUrl}/metrics`)).text();
  return Number(/^vigil_subscriptions (\d+)$/m.exec(text)![1]);
}

let batches = 0;

/** Ingests batches of long commands until /metrics shows `open` subscriptions; returns how many commands. */
async function ingestUntil(open: number): Promise<number> {
  let ingested = 0;
  for (let batch = 0; (await openSubscriptions()) > open; batch++) {
    expect(batch, 'batches ingested before the slow subscriber was cut off').toBeLessThan(MAX_BATCHES);
    const prefix = `b${++batches}`;
    const padding = 'x'.repeat(LINE_BYTES);
    const events = Array.from({ length: BATCH }, (_, index) => ({
      eventId: `${prefix}-${index}`,
      kind: 'COMMAND',
      command: { shell: 'SYSTEM', line: `echo ${prefix}-${index} ${padding}`, status: 'SUCCESS', submittedAt: minutesAgo(t, 5) },
    }));
    const response = await ingest(t, web.agentToken, events);
    expect(response.errors).toBeUndefined();
    ingested += events.length;
  }
  return ingested;
}

/** Polls `condition` every 50 ms until it holds. */
async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await settle(50);
  }
}

/** Waits for the close `subscriber` was sent: it reads again to get past what was buffered before it. */
async function closeSeenBy(subscriber: RawSubscriber): Promise<Closed> {
  subscriber.resumeReading();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no close frame within 10 s of reading again')), 10_000)));
  return Promise.race([subscriber.closed, timeout]).finally(() => clearTimeout(timer));
}

/** Vigil still serves queries and delivers to the healthy subscriber after the cut. */
async function expectStillServing(healthy: Subscriber): Promise<void> {
  const me = await t.gql('{ me { email } }', t.admin.token);
  expect(me.errors).toBeUndefined();
  expect(me.data).toEqual({ me: { email: t.admin.email } });

  const before = healthy.received.length;
  const eventId = `after-${++batches}`;
  const response = await ingest(t, web.agentToken, [{ eventId, kind: 'COMMAND', command: { shell: 'SYSTEM', line: 'uptime', submittedAt: minutesAgo(t, 1) } }]);
  expect(response.errors).toBeUndefined();
  await healthy.waitFor(before + 1, 10_000);
  await settle(300);
  expect(healthy.received.slice(before).map((data) => data.commandChanged.command.eventId)).toEqual([eventId]);
}

describe('a subscriber that stops reading', () => {
  it('is closed with 4290 once too many events wait for it, while a subscriber that reads receives every event', async () => {
    const healthy = await connectHealthy();
    const slow = await connectRaw(t.admin.token, [COMMAND_CHANGED]);
    slow.stopReading();
    expect(await openSubscriptions()).toBe(2);

    // Until Vigil drops the slow subscription: first the kernel's buffers fill, then its queue.
    const ingested = await ingestUntil(1);
    // Read again at once: Vigil drops a socket that has not answered its close within a second.
    const closed = await closeSeenBy(slow);
    await healthy.waitFor(ingested, 20_000);
    await settle(300);
    expect(healthy.received).toHaveLength(ingested);
    expect(healthy.errors).toEqual([]);
    const eventIds = healthy.received.map((data) => data.commandChanged.command.eventId);
    expect(new Set(eventIds).size).toBe(ingested);

    expect(closed).toEqual({ code: CLOSE_SLOW_CONSUMER, reason: `Subscriber too slow: more than ${QUEUE_LIMIT} events waiting` });
    // It was cut off, not merely late: what it had not been sent by then never came.
    expect(slow.messages).toBeGreaterThan(0);
    expect(slow.messages).toBeLessThan(ingested);

    await expectStillServing(healthy);
    expect(await openSubscriptions()).toBe(1);
  });

  it('is closed with 4290 once its unsent bytes pass VIGIL_WS_MAX_BUFFERED_KB (many subscriptions on one socket)', async () => {
    // graphql-ws sends a subscription's next message only once its last one is written, so what
    // waits unsent in Vigil for a socket is about one message per subscription: the byte limit
    // can trip only for a socket with several subscriptions (or very large messages). Thirty
    // subscriptions of ~60 KB messages, fewer commands than VIGIL_SUBSCRIPTION_QUEUE (so the queue
    // limit cannot trip first).
    const stalled = 30;
    const commands = QUEUE_LIMIT - 5;
    const healthy = await connectHealthy();
    const slow = await connectRaw(
      t.admin.token,
      Array.from({ length: stalled }, () => COMMAND_CHANGED),
    );
    slow.stopReading();
    expect(await openSubscriptions()).toBe(1 + stalled);

    // 15 commands of 60 KB to 30 subscriptions: ~27 MB for the slow socket, several times what
    // the kernel's buffers hold.
    const prefix = `big${++batches}`;
    const padding = 'x'.repeat(60 * 1024);
    const events = Array.from({ length: commands }, (_, index) => ({
      eventId: `${prefix}-${index}`,
      kind: 'COMMAND',
      command: { shell: 'SYSTEM', line: `echo ${prefix}-${index} ${padding}`, status: 'SUCCESS', submittedAt: minutesAgo(t, 5) },
    }));
    const response = await ingest(t, web.agentToken, events);
    expect(response.errors).toBeUndefined();
    await healthy.waitFor(events.length, 10_000);
    await settle(500);
    expect(healthy.received).toHaveLength(events.length);
    expect(healthy.errors).toEqual([]);

    // (This cut ends the socket's subscriptions only once the close handshake does, so /metrics
    // cannot show it before the client reads again.)
    const closed = await closeSeenBy(slow);
    expect(closed).toEqual({ code: CLOSE_SLOW_CONSUMER, reason: `Client too slow: more than ${MAX_BUFFERED_KB * 1024} bytes unsent` });
    expect(slow.messages).toBeLessThan(stalled * events.length);

    await expectStillServing(healthy);
    await until(async () => (await openSubscriptions()) === 1, 5_000, "the slow socket's subscriptions to end");
  });
});

describe('a subscriber that falls behind in time', () => {
  // A Vigil of its own whose event count limit cannot trip: only the lag in time can.
  const LAG_SECONDS = 1;
  let first: { t: TestVigil; web: TestServer };
  beforeAll(async () => {
    first = { t, web };
    t = await startTestVigil({ env: { VIGIL_SUBSCRIPTION_QUEUE: '1000000', VIGIL_SUBSCRIPTION_LAG_SECONDS: String(LAG_SECONDS) } });
    web = await addServer(t, t.admin.tenantId, 'web-01');
  });
  afterAll(async () => {
    await t?.close();
    ({ t, web } = first);
  });

  it('is closed with 4290 once an event has waited for it longer than VIGIL_SUBSCRIPTION_LAG_SECONDS, however few are waiting', async () => {
    const healthy = await connectHealthy();
    const slow = await connectRaw(t.admin.token, [COMMAND_CHANGED]);
    slow.stopReading();
    const started = performance.now();
    const ingested = await ingestUntil(1);
    // Read again at once: Vigil drops a socket that has not answered its close within a second.
    const closed = await closeSeenBy(slow);
    expect(performance.now() - started).toBeGreaterThan(LAG_SECONDS * 1000);
    await healthy.waitFor(ingested, 20_000);
    expect(healthy.errors).toEqual([]);

    expect(closed).toEqual({ code: CLOSE_SLOW_CONSUMER, reason: `Subscriber too slow: an event has waited more than ${LAG_SECONDS} s` });
    expect(slow.messages).toBeLessThan(ingested);
    await expectStillServing(healthy);
  });
});
