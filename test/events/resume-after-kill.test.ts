/**
 * A consumer of GET /events?follow=1 that dies mid-stream and comes back with the last cursor it
 * processed ends up with every event exactly once, in log order: compared with the tenant's placed
 * leaves read straight from the log. Once with the log at rest while it dies, once while agents
 * keep reporting (and people keep changing things) through its deaths and returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumeEvents, placedLeaves, type EventLine } from '../support/event-stream-client.js';
import { addServer, ingest, minutesAgo, type TestServer } from '../support/records-fixture.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let web: TestServer;
let db: TestServer;
let reported = 0;
let people = 0;

beforeAll(async () => {
  t = await startTestVigil();
  web = await addServer(t, t.admin.tenantId, 'web-01');
  db = await addServer(t, t.admin.tenantId, 'db-01');
});
afterAll(() => t?.close());

/** `count` system logs and a command from `server`'s agent, in one batch. */
async function report(server: TestServer, count: number): Promise<void> {
  const events: Record<string, unknown>[] = Array.from({ length: count }, () => ({
    eventId: `log-${(reported += 1)}`,
    kind: 'SYSTEM_LOG',
    systemLog: { level: reported % 7 === 0 ? 'ERROR' : 'INFO', loggedAt: minutesAgo(t, 5), message: `line ${reported}`, program: 'sshd' },
  }));
  events.push({
    eventId: `cmd-${(reported += 1)}`,
    kind: 'COMMAND',
    command: { shell: 'SYSTEM', line: `deploy ${reported}`, status: 'SUCCESS', submittedAt: minutesAgo(t, 4) },
  });
  const response = await ingest(t, server.agentToken, events);
  expect(response.errors).toBeUndefined();
  expect(response.data.ingestEvents.accepted).toBe(events.length);
}

/** A change made through the API by the admin (a user and its settings leaves, audit and activity entries). */
async function createPerson(): Promise<void> {
  const response = await t.gql(`mutation($in: CreateUserInput!) { createUser(input: $in) { id } }`, t.admin.token, {
    in: { email: `person-${(people += 1)}@example.test`, permissions: ['AUDIT_LOGS_VIEW'] },
  });
  expect(response.errors).toBeUndefined();
}

/** A shipper: remembers what it processed and the cursor after it, and counts what came twice or out of order. */
class Shipper {
  cursor: string | undefined;
  readonly seen = new Map<number, string>();
  repeats = 0;
  outOfOrder = 0;
  private last = -1;
  deaths = 0;

  private take(line: EventLine): void {
    if (typeof line.position === 'number') {
      if (this.seen.has(line.position)) this.repeats += 1;
      if (line.position <= this.last) this.outOfOrder += 1;
      this.seen.set(line.position, line.leafHash as string);
      this.last = line.position;
      this.cursor = line.cursor as string;
    } else {
      this.cursor = line.endCursor as string;
    }
  }

  /** Follows the stream from its cursor until `isDone` says so after a line, then drops the connection. */
  async follow(isDone: (linesThisTime: number) => boolean): Promise<void> {
    let lines = 0;
    const consumed = await consumeEvents(t, t.admin.token, { follow: '1', ...(this.cursor ? { after: this.cursor } : {}) }, (line) => {
      this.take(line);
      lines += 1;
      return !isDone(lines);
    });
    expect(consumed.status).toBe(200);
    expect(consumed.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(consumed.wasStopped).toBe(true);
  }

  /** Dies after `lines` lines of this connection. */
  async dieAfter(lines: number): Promise<void> {
    await this.follow((count) => count >= lines);
    this.deaths += 1;
  }

  /** Follows until it holds every position of `expected`. */
  async catchUpWith(expected: readonly { position: number }[]): Promise<void> {
    const last = expected.at(-1)!.position;
    await this.follow(() => this.last >= last && this.seen.size >= expected.length);
  }
}

/** The shipper's events, as (position, leaf hash) in log order. */
const holdings = (shipper: Shipper) => [...shipper.seen.entries()].sort(([a], [b]) => a - b).map(([position, leafHash]) => ({ position, leafHash }));

describe('a consumer killed mid-stream', () => {
  it('restarts from the last cursor it processed and ends with every event exactly once', async () => {
    for (let batch = 0; batch < 6; batch++) await report(batch % 2 === 0 ? web : db, 499);
    for (let n = 0; n < 3; n++) await createPerson();
    const expected = await placedLeaves(t, t.admin.tenantId);
    expect(expected.length).toBeGreaterThan(3000);

    const shipper = new Shipper();
    await shipper.dieAfter(1200);
    expect(shipper.seen.size).toBe(1200);
    await shipper.dieAfter(950);
    await shipper.catchUpWith(expected);

    expect(shipper.repeats).toBe(0);
    expect(shipper.outOfOrder).toBe(0);
    expect(holdings(shipper)).toEqual(expected.map(({ position, leafHash }) => ({ position, leafHash })));
  });

  it('loses and repeats nothing while agents keep reporting through its deaths', async () => {
    const shipper = new Shipper();
    let isReporting = true;
    const reporting = (async () => {
      try {
        for (let batch = 0; batch < 10; batch++) {
          await report(batch % 2 === 0 ? db : web, 249);
          if (batch % 3 === 0) await createPerson();
        }
      } finally {
        isReporting = false;
      }
      // A last change once the reporting stopped: a line for a shipper waiting on a quiet log, to see that.
      await createPerson();
    })();
    // Dies every few hundred lines, for as long as the agents report (a consumer starting from scratch).
    while (isReporting) {
      const lines = 400 + (shipper.deaths % 3) * 150;
      await shipper.follow((count) => count >= lines || !isReporting);
      shipper.deaths += 1;
    }
    await reporting;
    const expected = await placedLeaves(t, t.admin.tenantId);
    await shipper.catchUpWith(expected);

    expect(shipper.deaths).toBeGreaterThan(2);
    expect(shipper.repeats).toBe(0);
    expect(shipper.outOfOrder).toBe(0);
    expect(holdings(shipper)).toEqual(expected.map(({ position, leafHash }) => ({ position, leafHash })));
  });
});
