/**
 * The eventStream subscription replays the log from a cursor and then follows it live: across the
 * switch, while agents keep reporting, every event comes once, in log order, with no gap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placedLeaves } from '../support/event-stream-client.js';
import { addServer, ingest, minutesAgo, type TestServer } from '../support/records-fixture.js';
import { connectSubscriber, settle, type Subscriber } from '../support/subscription-client.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

const EVENT_STREAM = `subscription($after: String, $filter: EventStreamFilter) {
  eventStream(after: $after, filter: $filter) { position cursor leafHash kind type severity }
}`;
const PAGE = `query($after: String, $first: Int, $filter: EventStreamFilter) {
  eventStream(after: $after, first: $first, filter: $filter) { nodes { position cursor } endCursor hasMore }
}`;

let t: TestVigil;
let web: TestServer;
let reported = 0;
const subscribers: Subscriber[] = [];

beforeAll(async () => {
  t = await startTestVigil();
  web = await addServer(t, t.admin.tenantId, 'web-01');
});
afterAll(async () => {
  for (const subscriber of subscribers) await subscriber.dispose();
  await t?.close();
});

/** `count` commands from web-01's agent, every third one failed. */
async function report(count: number): Promise<void> {
  const events = Array.from({ length: count }, () => {
    reported += 1;
    return {
      eventId: `cmd-${reported}`,
      kind: 'COMMAND',
      command: { shell: 'SYSTEM', line: `job ${reported}`, status: reported % 3 === 0 ? 'FAILED' : 'SUCCESS', submittedAt: minutesAgo(t, 3) },
    };
  });
  const response = await ingest(t, web.agentToken, events);
  expect(response.errors).toBeUndefined();
}

async function subscribe(variables: Record<string, unknown>): Promise<Subscriber> {
  const subscriber = await connectSubscriber(t.url, t.admin.token);
  subscribers.push(subscriber);
  await subscriber.subscribe(EVENT_STREAM, variables);
  return subscriber;
}

/** The cursor of the log's end, read a page at a time as a consumer would. */
async function endOfLog(): Promise<string> {
  let after: string | null = null;
  for (;;) {
    const page = await t.gql(PAGE, t.admin.token, { after, first: 1000 });
    expect(page.errors).toBeUndefined();
    after = page.data!.eventStream.endCursor as string;
    if (!page.data!.eventStream.hasMore) return after;
  }
}

const positionsOf = (subscriber: Subscriber): number[] => subscriber.received.map((data) => data.eventStream.position as number);

describe('the eventStream subscription', () => {
  it('replays from a cursor, then follows live with no gap and no repeat across the switch', async () => {
    await report(300);
    const page = await t.gql(PAGE, t.admin.token, { first: 100 });
    expect(page.errors).toBeUndefined();
    const from = page.data!.eventStream.nodes.at(-1);

    // Agents report while the subscriber replays, so new leaves are placed as it reaches the end.
    const reporting = (async () => {
      for (let batch = 0; batch < 5; batch++) await report(60);
    })();
    const subscriber = await subscribe({ after: from.cursor });
    await reporting;
    await report(10);
    const expected = (await placedLeaves(t, t.admin.tenantId)).filter((leaf) => leaf.position > from.position);

    await subscriber.waitFor(expected.length, 20_000);
    await settle(300);
    expect(subscriber.errors).toEqual([]);
    expect(positionsOf(subscriber)).toEqual(expected.map((leaf) => leaf.position));
    expect(subscriber.received.map((data) => data.eventStream.leafHash)).toEqual(expected.map((leaf) => leaf.leafHash));
  });

  it('takes the same filter as the query, live', async () => {
    const subscriber = await subscribe({ after: await endOfLog(), filter: { kinds: ['command'], minSeverity: 'MEDIUM' } });
    await report(9);
    await subscriber.waitFor(3, 10_000);
    await settle(300);
    expect(subscriber.received.map((data) => [data.eventStream.type, data.eventStream.severity])).toEqual([
      ['command.failed', 'MEDIUM'],
      ['command.failed', 'MEDIUM'],
      ['command.failed', 'MEDIUM'],
    ]);
  });

  it('refuses a cursor that is not one, at subscribe time, naming after', async () => {
    const subscriber = await subscribe({ after: 'not-a-cursor' });
    await settle(300);
    expect(subscriber.received).toEqual([]);
    expect(subscriber.errors.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', 'after']]);
  });
});
