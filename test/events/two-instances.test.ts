/**
 * Two instances on one PostgreSQL database: a consumer following the stream on one instance gets
 * what agents report through the other, at once (the sequencer's log.appended reaches every
 * instance), every event once and in log order, on the NDJSON route and the subscription alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumeEvents, placedLeaves } from '../support/event-stream-client.js';
import { addServer, ingest, minutesAgo, type TestServer } from '../support/records-fixture.js';
import { connectSubscriber, settle } from '../support/subscription-client.js';
import { createTestDatabase, isPostgres, type TestDatabase } from '../support/test-database.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

/** Well under the 30 s a follower waits before reading again unwoken: what arrives by then was woken. */
const WOKEN_WITHIN_MS = 10_000;

describe.runIf(isPostgres)('the event stream across two instances', () => {
  let database: TestDatabase;
  let a: TestVigil;
  let b: TestVigil;
  let web: TestServer;
  let reported = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    a = await startTestVigil({ database });
    b = await startTestVigil({ database });
    web = await addServer(a, a.admin.tenantId, 'web-01');
  });
  afterAll(async () => {
    await b?.vigil.dispose();
    await a?.close();
  });

  /** Batches of commands through instance a, a little apart. */
  async function reportThroughA(batches: number): Promise<void> {
    for (let batch = 0; batch < batches; batch++) {
      const events = Array.from({ length: 40 }, () => ({
        eventId: `cmd-${(reported += 1)}`,
        kind: 'COMMAND',
        command: { shell: 'SYSTEM', line: `job ${reported}`, status: 'SUCCESS', submittedAt: minutesAgo(a, 2) },
      }));
      const response = await ingest(a, web.agentToken, events);
      expect(response.errors).toBeUndefined();
      await settle(50);
    }
  }

  /** The cursor of the log's end, read on `instance` a page at a time, and the last position. */
  async function endOfLogOn(instance: TestVigil): Promise<{ cursor: string; position: number }> {
    let cursor: string | null = null;
    for (;;) {
      const page = await instance.gql(`query($after: String) { eventStream(after: $after, first: 1000) { endCursor hasMore } }`, a.admin.token, {
        after: cursor,
      });
      expect(page.errors).toBeUndefined();
      cursor = page.data!.eventStream.endCursor as string;
      if (!page.data!.eventStream.hasMore) break;
    }
    return { cursor, position: (await placedLeaves(a, a.admin.tenantId)).at(-1)!.position };
  }

  it('wakes a GET /events?follow=1 consumer on one instance for what the other placed', async () => {
    const start = await endOfLogOn(b);
    const got: number[] = [];
    const stop = new AbortController();
    const consuming = consumeEvents(
      b,
      a.admin.token,
      { follow: '1', after: start.cursor },
      (line) => void (typeof line.position === 'number' && got.push(line.position)),
      WOKEN_WITHIN_MS,
      stop.signal,
    );
    await reportThroughA(5);
    const expected = (await placedLeaves(a, a.admin.tenantId)).filter((leaf) => leaf.position > start.position).map((leaf) => leaf.position);
    for (let waited = 0; got.length < expected.length && waited < WOKEN_WITHIN_MS; waited += 50) await settle(50);
    await settle(300);
    stop.abort();
    expect((await consuming).wasStopped).toBe(true);
    expect(got).toEqual(expected);
  });

  it('wakes an eventStream subscriber on one instance for what the other placed', async () => {
    const start = await endOfLogOn(b);
    const subscriber = await connectSubscriber(b.url, a.admin.token);
    try {
      await subscriber.subscribe(`subscription($after: String) { eventStream(after: $after) { position } }`, { after: start.cursor });
      await reportThroughA(3);
      const expected = (await placedLeaves(a, a.admin.tenantId)).filter((leaf) => leaf.position > start.position).map((leaf) => leaf.position);
      await subscriber.waitFor(expected.length, WOKEN_WITHIN_MS);
      await settle(300);
      expect(subscriber.received.map((data) => data.eventStream.position)).toEqual(expected);
    } finally {
      await subscriber.dispose();
    }
  });
});
