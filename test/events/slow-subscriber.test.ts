/**
 * The eventStream subscription holds the slow-consumer rule of every subscription: a subscriber
 * that leaves an event waiting longer than VIGIL_SUBSCRIPTION_LAG_SECONDS while the log grows is
 * closed with 4290, and one that reads keeps receiving every event. (The stream reads the log only
 * as the subscriber takes events, so what waits in Vigil is one page of at most
 * VIGIL_SUBSCRIPTION_QUEUE events; the log is the backlog, and the subscriber resumes from its
 * last cursor.)
 */
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { placedLeaves } from '../support/event-stream-client.js';
import { addServer, ingest, minutesAgo, type TestServer } from '../support/records-fixture.js';
import { connectSubscriber, settle, type Closed, type Subscriber } from '../support/subscription-client.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

const LAG_SECONDS = 1;
const QUEUE_LIMIT = 20;
const CLOSE_SLOW_CONSUMER = 4290;
const EVENT_STREAM = `subscription($after: String) { eventStream(after: $after) { position record } }`;
/** Commands of 8 KB: a few MB of events take few batches. */
const PADDING = 'x'.repeat(8 * 1024);
const MAX_BATCHES = 40;

let t: TestVigil;
let web: TestServer;
let healthy: Subscriber | undefined;
let slowSocket: WebSocket | undefined;

beforeAll(async () => {
  t = await startTestVigil({ env: { VIGIL_SUBSCRIPTION_LAG_SECONDS: String(LAG_SECONDS), VIGIL_SUBSCRIPTION_QUEUE: String(QUEUE_LIMIT) } });
  web = await addServer(t, t.admin.tenantId, 'web-01');
});
afterAll(async () => {
  slowSocket?.terminate();
  await healthy?.dispose();
  await t?.close();
});

/** graphql-ws by hand on a raw socket, subscribed; `stopReading` pauses its TCP stream (a frozen client). */
async function connectStalling(after: string): Promise<{ closed: Promise<Closed>; stopReading(): void; resumeReading(): void }> {
  const ws = new WebSocket(t.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  slowSocket = ws;
  const closed = new Promise<Closed>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  const replies = new Map<string, () => void>();
  ws.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as { type: string; id?: string };
    replies.get(message.type === 'connection_ack' ? 'ack' : `${message.id}:${message.type}`)?.();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const reply = (key: string) => new Promise<void>((resolve) => replies.set(key, resolve));
  const acked = reply('ack');
  ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${t.admin.token}` } }));
  await acked;
  ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: EVENT_STREAM, variables: { after } } }));
  const answered = reply('ping:complete');
  ws.send(JSON.stringify({ id: 'ping', type: 'subscribe', payload: { query: '{ __typename }' } }));
  await answered;
  const socket = (ws as unknown as { _socket: Socket })._socket;
  return { closed, stopReading: () => socket.pause(), resumeReading: () => socket.resume() };
}

async function openSubscriptions(): Promise<number> {
  const text = await (await fetch(`${t.vigil.baseUrl}/metrics`)).text();
  return Number(/^vigil_subscriptions (\d+)$/m.exec(text)![1]);
}

describe('a subscriber to eventStream that stops reading', () => {
  it('is closed with 4290 once an event has waited longer than the lag limit, while a subscriber that reads gets every event', async () => {
    const start = (await t.gql(`{ eventStream(first: 1000) { endCursor hasMore } }`, t.admin.token)).data!.eventStream;
    expect(start.hasMore).toBe(false);
    const from = (await placedLeaves(t, t.admin.tenantId)).at(-1)!.position;
    healthy = await connectSubscriber(t.url, t.admin.token);
    await healthy.subscribe(EVENT_STREAM, { after: start.endCursor });
    const slow = await connectStalling(start.endCursor);
    slow.stopReading();
    // Both follow the log once each has read its opening page (just after the subscribe was answered).
    for (let attempt = 0; (await openSubscriptions()) < 2; attempt++) {
      expect(attempt, 'both subscriptions open').toBeLessThan(100);
      await settle(20);
    }

    // Until Vigil drops the stalled subscription: the kernel's buffers fill, then an event waits in Vigil past the limit.
    for (let batch = 0; (await openSubscriptions()) > 1; batch++) {
      expect(batch, 'batches reported before the stalled subscriber was cut off').toBeLessThan(MAX_BATCHES);
      const events = Array.from({ length: 100 }, (_, index) => ({
        eventId: `b${batch}-${index}`,
        kind: 'COMMAND',
        command: { shell: 'SYSTEM', line: `echo ${batch}-${index} ${PADDING}`, status: 'SUCCESS', submittedAt: minutesAgo(t, 2) },
      }));
      const response = await ingest(t, web.agentToken, events);
      expect(response.errors).toBeUndefined();
      await settle(100);
    }

    const expected = (await placedLeaves(t, t.admin.tenantId)).filter((leaf) => leaf.position > from);
    await healthy.waitFor(expected.length, 30_000);
    await settle(300);
    expect(healthy.errors).toEqual([]);
    expect(healthy.received.map((data) => data.eventStream.position)).toEqual(expected.map((leaf) => leaf.position));

    slow.resumeReading();
    expect(await slow.closed).toEqual({ code: CLOSE_SLOW_CONSUMER, reason: `Subscriber too slow: an event has waited more than ${LAG_SECONDS} s` });
  });
});
