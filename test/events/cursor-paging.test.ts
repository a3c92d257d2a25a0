/**
 * How the stream's cursor moves: a page reads a bounded window of positions and ends where it
 * stopped reading, so a reader who may see few events still moves through the log a window at a
 * time; a page that hit `first` ends at its last event; leaves whose text retention dropped make
 * no event, but the cursor passes them, and the retention statement is an event of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRetention } from '../../server/audit/retention.js';
import type { ManualClock } from '../../server/clock.js';
import { placedLeaves } from '../support/event-stream-client.js';
import { addServer, ingest, minutesAgo, type TestServer } from '../support/records-fixture.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

const PAGE = `query($after: String, $first: Int, $filter: EventStreamFilter) {
  eventStream(after: $after, first: $first, filter: $filter) { nodes { position cursor kind type recordId } endCursor hasMore }
}`;

let t: TestVigil;
let web: TestServer;
let alice: TestUser;

beforeAll(async () => {
  t = await startTestVigil();
  web = await addServer(t, t.admin.tenantId, 'web-01');
  alice = await t.createUser(t.admin.tenantId, { email: 'alice@example.test' });
});
afterAll(() => t?.close());

type Page = { nodes: { position: number; cursor: string; kind: string; type: string; recordId: string }[]; endCursor: string; hasMore: boolean };

async function page(token: string, variables: Record<string, unknown>): Promise<Page> {
  const response = await t.gql(PAGE, token, variables);
  expect(response.errors).toBeUndefined();
  return response.data!.eventStream as Page;
}

/** Every page from the start, as a consumer reads them. */
async function allPages(token: string, variables: Record<string, unknown> = {}): Promise<Page[]> {
  const pages: Page[] = [];
  let after: string | null = null;
  do {
    pages.push(await page(token, { ...variables, after }));
    after = pages.at(-1)!.endCursor;
  } while (pages.at(-1)!.hasMore);
  return pages;
}

describe('the event stream’s cursor', () => {
  it('moves a reader who sees few events through the log a window of positions at a time', async () => {
    const command = (eventId: string) => ({
      eventId,
      kind: 'COMMAND',
      command: { shell: 'SYSTEM', line: eventId, status: 'SUCCESS', userEmail: alice.email, submittedAt: minutesAgo(t, 9) },
    });
    expect((await ingest(t, web.agentToken, [command('alice-first')])).errors).toBeUndefined();
    for (let batch = 0; batch < 11; batch++) {
      const logs = Array.from({ length: 500 }, (_, index) => ({
        eventId: `log-${batch}-${index}`,
        kind: 'SYSTEM_LOG',
        systemLog: { level: 'INFO', loggedAt: minutesAgo(t, 8), message: `${batch}/${index}`, program: 'cron' },
      }));
      expect((await ingest(t, web.agentToken, logs)).errors).toBeUndefined();
    }
    expect((await ingest(t, web.agentToken, [command('alice-last')])).errors).toBeUndefined();
    const size = (await placedLeaves(t, t.admin.tenantId)).at(-1)!.position + 1;
    expect(size).toBeGreaterThan(5500);

    const pages = await allPages(alice.token, { first: 500 });
    // 5,000 positions a page at most, whatever a page finds there: two pages of her two commands.
    expect(pages.length).toBe(Math.ceil(size / 5000));
    expect(pages.map((read) => read.nodes.map((node) => node.type))).toEqual([
      ['command.succeeded'],
      ...pages.slice(1, -1).map(() => []),
      ['command.succeeded'],
    ]);
    expect(pages.slice(0, -1).every((read) => read.hasMore && read.nodes.length < 500)).toBe(true);

    // An admin's page that reaches `first` ends at its last event, and the next one starts right after it.
    const first = await page(t.admin.token, { first: 100 });
    expect([first.nodes.length, first.endCursor, first.hasMore]).toEqual([100, first.nodes.at(-1)!.cursor, true]);
    const next = await page(t.admin.token, { first: 1, after: first.endCursor });
    expect(next.nodes[0]!.position).toBe(first.nodes.at(-1)!.position + 1);
  });

  it('reads back through the timeline, newest first, a window at a time: the stream in reverse', async () => {
    const TIMELINE = `query($before: String, $first: Int, $filter: EventStreamFilter) {
      timeline(before: $before, first: $first, filter: $filter) { nodes { position cursor kind type recordId } endCursor hasMore }
    }`;
    const timeline = async (token: string, variables: Record<string, unknown>): Promise<Page[]> => {
      const pages: Page[] = [];
      let before: string | null = null;
      do {
        const response = await t.gql(TIMELINE, token, { ...variables, before });
        expect(response.errors).toBeUndefined();
        pages.push(response.data!.timeline as Page);
        before = pages.at(-1)!.endCursor;
      } while (pages.at(-1)!.hasMore);
      return pages;
    };
    const forward = (await allPages(t.admin.token, { first: 2000 })).flatMap((read) => read.nodes);
    const back = await timeline(t.admin.token, { first: 2000 });
    expect(back.flatMap((read) => read.nodes)).toEqual([...forward].reverse());
    // A page that fills ends at its last event; the next starts right below it.
    expect(back[0]!.endCursor).toBe(back[0]!.nodes.at(-1)!.cursor);

    // Alice sees her two commands, newest first, and moves 5,000 positions a page past the rest.
    const hers = await timeline(alice.token, { first: 500 });
    expect(hers.flatMap((read) => read.nodes.map((node) => node.type))).toEqual(['command.succeeded', 'command.succeeded']);
    expect(hers.length).toBe(Math.ceil(forward.length / 5000));
    const lines = await timeline(t.admin.token, { first: 3, filter: { kinds: ['command'] } });
    expect(lines.flatMap((read) => read.nodes.map((node) => node.recordId))).toEqual(
      forward
        .filter((node) => node.kind === 'command')
        .map((node) => node.recordId)
        .reverse(),
    );

    const past = await t.gql(TIMELINE, t.admin.token, { before: Buffer.from(`ev1:${forward.length + 10}`).toString('base64url') });
    expect(past.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'before' });
    const garbage = await t.gql(TIMELINE, t.admin.token, { before: 'not-a-cursor!' });
    expect(garbage.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'before' });
  });

  it('passes the leaves retention emptied, and shows the retention statement', async () => {
    const reported = await ingest(t, web.agentToken, [
      { eventId: 'old', kind: 'COMMAND', command: { shell: 'SYSTEM', line: 'old', status: 'SUCCESS', submittedAt: minutesAgo(t, 60 * 24 * 20) } },
      { eventId: 'new', kind: 'COMMAND', command: { shell: 'SYSTEM', line: 'new', status: 'SUCCESS', submittedAt: minutesAgo(t, 5) } },
    ]);
    expect(reported.errors).toBeUndefined();
    const [oldId, newId] = reported.data.ingestEvents.events.map((event: { recordId: string }) => event.recordId);
    const before = (await allPages(t.admin.token, { first: 2000, filter: { kinds: ['command'] } })).flatMap((read) => read.nodes);
    expect(before.filter((node) => node.recordId === oldId)).toHaveLength(1);

    await t.gql('mutation { setRetentionPolicy(kind: COMMANDS, days: 10) { kind } }', t.admin.token);
    (t.clock as ManualClock).advance(1000);
    await applyRetention(t.vigil.database.db, t.clock);

    const commands = await allPages(t.admin.token, { first: 2000, filter: { kinds: ['command'] } });
    expect(commands.flatMap((read) => read.nodes).filter((node) => node.recordId === oldId)).toEqual([]);
    expect(commands.flatMap((read) => read.nodes).filter((node) => node.recordId === newId)).toHaveLength(1);
    // The cursor still ends past the emptied leaf: the last page ends where the whole stream does.
    const everything = await allPages(t.admin.token, { first: 2000 });
    expect(commands.at(-1)!.endCursor).toBe(everything.at(-1)!.endCursor);
    expect(
      everything
        .flatMap((read) => read.nodes)
        .filter((node) => node.kind === 'log_statement')
        .map((node) => node.type),
    ).toEqual(['log.retention.pruned']);
  });
});
