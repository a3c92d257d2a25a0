import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../server/clock.js';
import { sweepUnresponsiveCommands } from '../../server/records/unresponsive-sweeper.js';
import { errorCodes } from '../support/graphql-client.js';
import { buildRecordsFixture, ingest, minutesAgo, type RecordsFixture } from '../support/records-fixture.js';
import { isPostgres } from '../support/test-database.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

const AFTER_SECONDS = 60;

let t: TestVigil;
let f: RecordsFixture;
let clock: ManualClock;
beforeAll(async () => {
  // A threshold of 60 s: the built-in sweeper runs every 15 s of real time, so in these tests,
  // which move the test clock and sweep by hand, it finds nothing new to do in between.
  t = await startTestVigil({ env: { VIGIL_UNRESPONSIVE_AFTER: String(AFTER_SECONDS) } });
  f = await buildRecordsFixture(t);
  clock = t.clock as ManualClock;
});
afterAll(async () => t?.close());

const runningCommand = (eventId: string) => ({
  eventId,
  kind: 'COMMAND',
  command: {
    shell: 'SYSTEM',
    line: `sleep 3600 # ${eventId}`,
    userId: f.alice.id,
    status: 'RUNNING',
    submittedAt: minutesAgo(t, 1),
    startedAt: minutesAgo(t, 1),
  },
});

async function statusOf(eventId: string): Promise<string> {
  const response = await t.gql<any>(`{ commands(filter: { search: "# ${eventId}" }) { nodes { status } } }`, t.admin.token);
  return response.data!.commands.nodes[0].status;
}

describe('the Unresponsive sweeper', () => {
  it('marks a Running command silent for longer than the threshold, and only that one', async () => {
    await ingest(t, f.web.agentToken, [runningCommand('quiet'), runningCommand('chatty')]);
    clock.advance((AFTER_SECONDS - 10) * 1000);
    await ingest(t, f.web.agentToken, [
      { eventId: 'chatty-beat', kind: 'COMMAND_UPDATE', commandUpdate: { commandEventId: 'chatty', status: 'RUNNING', reportedAt: clock.now().toISOString() } },
    ]);
    clock.advance(20 * 1000);
    expect(await sweepUnresponsiveCommands(t.vigil.database.db, clock, AFTER_SECONDS)).toBe(1);
    expect(await statusOf('quiet')).toBe('UNRESPONSIVE');
    expect(await statusOf('chatty')).toBe('RUNNING');
    expect(await sweepUnresponsiveCommands(t.vigil.database.db, clock, AFTER_SECONDS)).toBe(0);
  });

  it('lets a late report bring an Unresponsive command to its end, but not a finished one back', async () => {
    const finish = await ingest(t, f.web.agentToken, [
      {
        eventId: 'quiet-done',
        kind: 'COMMAND_UPDATE',
        commandUpdate: { commandEventId: 'quiet', status: 'SUCCESS', reportedAt: clock.now().toISOString(), exitCode: 0 },
      },
    ]);
    expect(finish.errors).toBeUndefined();
    expect(await statusOf('quiet')).toBe('SUCCESS');
    const back = await ingest(t, f.web.agentToken, [
      {
        eventId: 'quiet-back',
        kind: 'COMMAND_UPDATE',
        commandUpdate: { commandEventId: 'quiet', status: 'UNRESPONSIVE', reportedAt: clock.now().toISOString() },
      },
    ]);
    expect(errorCodes(back)).toEqual(['BAD_USER_INPUT']);
  });

  it('runs by itself inside Vigil', async () => {
    const own = await startTestVigil({ env: { VIGIL_UNRESPONSIVE_AFTER: '5' } });
    try {
      const fixture = await buildRecordsFixture(own);
      await ingest(own, fixture.web.agentToken, [
        {
          eventId: 'by-itself',
          kind: 'COMMAND',
          command: { shell: 'INTERNAL', line: 'backup # by-itself', status: 'RUNNING', submittedAt: minutesAgo(own, 1) },
        },
      ]);
      (own.clock as ManualClock).advance(10_000);
      let status = 'RUNNING';
      for (let attempt = 0; attempt < 40 && status === 'RUNNING'; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const response = await own.gql<any>('{ commands(filter: { search: "# by-itself" }) { nodes { status } } }', own.admin.token);
        status = response.data!.commands.nodes[0].status;
      }
      expect(status).toBe('UNRESPONSIVE');
    } finally {
      await own.close();
    }
  });
});

describe.runIf(isPostgres)('the sweeper on several instances at once', () => {
  it('changes each silent command exactly once when three sweeps race', async () => {
    await ingest(t, f.web.agentToken, [
      { eventId: 'chatty-done', kind: 'COMMAND_UPDATE', commandUpdate: { commandEventId: 'chatty', status: 'SUCCESS', reportedAt: clock.now().toISOString() } },
    ]);
    const events = Array.from({ length: 300 }, (_, index) => runningCommand(`race-${index}`));
    expect((await ingest(t, f.db.agentToken, events)).errors).toBeUndefined();
    clock.advance((AFTER_SECONDS + 1) * 1000);
    const counts = await Promise.all([0, 1, 2].map(() => sweepUnresponsiveCommands(t.vigil.database.db, clock, AFTER_SECONDS)));
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(300);
    const response = await t.gql<any>(`{ commands(first: 500, filter: { serverId: "${f.db.id}", status: [UNRESPONSIVE] }) { nodes { id } } }`, t.admin.token);
    expect(response.data!.commands.nodes).toHaveLength(300);
  });
});
