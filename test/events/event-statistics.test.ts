/**
 * Statistics over the event stream: the counts agree with the stream the reader may read (so a
 * regular user counts only their own events), cover sign-ins beside commands and sessions,
 * keep to the window of event time (an event reported late into a closed window included), and
 * fill every bucket of the series.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.js';
import { readEvents, type EventLine } from '../support/event-stream-client.js';
import { addServer, ingest, minutesAgo, type TestServer } from '../support/records-fixture.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

const STATISTICS = `query($since: DateTimeISO, $until: DateTimeISO, $bucket: TimeBucket, $filter: EventStreamFilter) {
  eventStatistics(since: $since, until: $until, bucket: $bucket, filter: $filter) {
    from to total scanned byCategory { key count } byType { key count } bySeverity { key count } byOutcome { key count }
    byUser { userId email count } byServer { serverId count } series { bucketStart count } } }`;

// The log's positions are found by the database's own clock (log_leaves.queued_at), so the test's
// clock starts at the current hour: a fixed date would fall out of the window a day later.
const HOUR = 3_600_000;
const NOW = Math.floor(Date.now() / HOUR) * HOUR;
const at = (hoursBefore: number) => new Date(NOW - hoursBefore * HOUR).toISOString();
const clock = new ManualClock(new Date(NOW));
let t: TestVigil;
let web: TestServer;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  t = await startTestVigil({ clock });
  web = await addServer(t, t.admin.tenantId, 'web-01');
  alice = await t.createUser(t.admin.tenantId, { email: 'alice@example.test' });
  bob = await t.createUser(t.admin.tenantId, { email: 'bob@example.test' });
  const command = (eventId: string, email: string, status: string, minutes: number) => ({
    eventId,
    kind: 'COMMAND',
    command: { shell: 'SYSTEM', line: eventId, status, userEmail: email, submittedAt: minutesAgo(t, minutes), finishedAt: minutesAgo(t, minutes) },
  });
  const reported = await ingest(t, web.agentToken, [
    command('a-1', alice.email, 'SUCCESS', 50),
    command('a-2', alice.email, 'FAILED', 40),
    command('b-1', bob.email, 'SUCCESS', 30),
    // Two days back: outside a window of the last day.
    command('a-old', alice.email, 'SUCCESS', 2 * 24 * 60),
    {
      eventId: 's-1',
      kind: 'TERMINAL_SESSION_STARTED',
      terminalSessionStarted: { source: 'WEB_TERMINAL', startedAt: minutesAgo(t, 35), userEmail: bob.email, username: 'bob' },
    },
  ]);
  expect(reported.errors).toBeUndefined();
  const activity = await t.gql(`mutation($entries: [ActivityReportInput!]!) { reportActivity(entries: $entries) }`, t.admin.token, {
    entries: [
      { action: 'AUTH_SIGNED_IN', result: 200, userEmail: alice.email, occurredAt: minutesAgo(t, 55) },
      { action: 'AUTH_SIGNED_IN', result: 200, userEmail: alice.email, occurredAt: minutesAgo(t, 20) },
      { action: 'AUTH_SIGN_IN_FAILED', result: 401, userEmail: 'mallory@example.test', occurredAt: minutesAgo(t, 10) },
    ],
  });
  expect(activity.errors).toBeUndefined();
});
afterAll(() => t?.close());

async function statistics(token: string, variables: Record<string, unknown>): Promise<any> {
  const response = await t.gql<any>(STATISTICS, token, variables);
  expect(response.errors).toBeUndefined();
  return response.data!.eventStatistics;
}

const grouped = (events: EventLine[], key: (event: EventLine) => string | null) => {
  const counts = new Map<string, number>();
  for (const event of events) {
    const value = key(event);
    if (value !== null) counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return [...counts].map(([k, count]) => ({ key: k, count })).sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
};

/** The reader's events of the window, from the stream itself. */
async function streamed(token: string, since: string, until: string): Promise<EventLine[]> {
  const read = await readEvents(t, token, { since, until });
  expect(read.status).toBe(200);
  return read.lines.filter((line) => typeof line.position === 'number');
}

describe('event statistics', () => {
  const since = at(24);
  const until = at(0);

  it('count what the stream shows the admin, sign-ins beside commands and sessions', async () => {
    const events = await streamed(t.admin.token, since, until);
    const counted = await statistics(t.admin.token, { since, until, bucket: 'HOUR' });
    expect(counted.total).toBe(events.length);
    expect(counted.byCategory).toEqual(grouped(events, (event) => event.category));
    expect(counted.byType).toEqual(grouped(events, (event) => event.type));
    expect(counted.byOutcome).toEqual(grouped(events, (event) => event.outcome));
    expect(counted.byType).toEqual(
      expect.arrayContaining([
        { key: 'activity.auth.signed_in', count: 2 },
        { key: 'activity.auth.sign_in_failed', count: 1 },
        { key: 'command.failed', count: 1 },
      ]),
    );
    // The old command is outside the window.
    expect(events.some((event) => event.record.line === 'a-old')).toBe(false);
    const alicesEvents = events.filter((event) => event.actor?.id === alice.id).length;
    expect(counted.byUser).toContainEqual({ userId: alice.id, email: expect.anything(), count: alicesEvents });
    expect(counted.byServer).toContainEqual({ serverId: web.id, count: events.filter((event) => event.serverId === web.id).length });
    // Every hour of the day, empty ones included, summing to the total.
    expect(counted.series).toHaveLength(24);
    expect(counted.series.reduce((sum: number, bucket: { count: number }) => sum + bucket.count, 0)).toBe(counted.total);
    expect(counted.series.at(-1).bucketStart).toBe(at(1));
  });

  it('count only a regular user’s own events for that user', async () => {
    const events = await streamed(alice.token, since, until);
    const counted = await statistics(alice.token, { since, until });
    expect(counted.total).toBe(events.length);
    expect(counted.byType).toEqual(grouped(events, (event) => event.type));
    expect(events.map((event) => event.record.line).filter(Boolean)).toEqual(expect.arrayContaining(['a-1', 'a-2']));
    expect(JSON.stringify(counted)).not.toContain(bob.id);
  });

  it('take the stream’s filters, and count an event reported late into its window', async () => {
    const commands = await statistics(t.admin.token, { since, until, filter: { categories: ['COMMAND'] } });
    expect(commands.byCategory).toEqual([{ key: 'command', count: commands.total }]);
    const before = commands.total;
    clock.advance(3 * 60 * 60_000);
    const late = await ingest(t, web.agentToken, [
      {
        eventId: 'a-late',
        kind: 'COMMAND',
        command: { shell: 'SYSTEM', line: 'a-late', status: 'SUCCESS', submittedAt: at(3), finishedAt: new Date(NOW - 3 * HOUR + 5000).toISOString() },
      },
    ]);
    expect(late.errors).toBeUndefined();
    const after = await statistics(t.admin.token, { since, until, filter: { categories: ['COMMAND'] } });
    expect(after.total).toBe(before + 1);
  });

  it('read only the positions recorded from the window on (a binary search over the log), none for a window before it', async () => {
    const everything = await statistics(t.admin.token, { since, until });
    expect(everything.scanned).toBeGreaterThanOrEqual(everything.total);
    expect(await statistics(t.admin.token, { since: '2020-01-01T00:00:00.000Z', until: '2020-01-02T00:00:00.000Z' })).toMatchObject({ total: 0, scanned: 0 });
  });

  it('refuses a window that ends before it starts, naming since', async () => {
    const response = await t.gql<any>(STATISTICS, t.admin.token, { since: until, until: since });
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'since' });
  });
});
