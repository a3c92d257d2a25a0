/**
 * Retention of recordings: TERMINAL_RECORDINGS deletes old recordings with all their chunks, and a
 * terminal session is kept while its recording is (TERMINAL_SESSIONS never trips over it).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRetention } from '../../server/audit/retention.js';
import { queryRows } from '../../server/db/database.js';
import { buildRecordsFixture, type RecordsFixture } from '../support/records-fixture.js';
import { castLines, openTerminalSession, putChunk } from '../support/recording-agent.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

const HEADER = { version: 2, width: 80, height: 24 } as const;
const DAY = 86_400_000;

let t: TestVigil;
let f: RecordsFixture;
beforeAll(async () => {
  t = await startTestVigil();
  f = await buildRecordsFixture(t);
});
afterAll(() => t?.close());

async function count(table: 'terminal_recordings' | 'terminal_recording_chunks' | 'terminal_sessions'): Promise<number> {
  const [row] = await queryRows<{ count: number }>(
    t.vigil.database.db,
    sql`select count(*)::int as count from ${sql.identifier(table)} where tenant_id = ${f.admin.tenantId}`,
  );
  return row!.count;
}

async function record(eventId: string, startedDaysAgo: number): Promise<void> {
  await openTerminalSession(t, f.web.agentToken, eventId, f.alice.email, startedDaysAgo * 24 * 60);
  const timestamp = Math.floor((t.clock.now().getTime() - startedDaysAgo * DAY) / 1000);
  for (let seq = 0; seq < 3; seq += 1) {
    const lines = castLines([[seq + 0.5, 'o', `${eventId} chunk ${seq}\r\n`]], seq === 0 ? { ...HEADER, timestamp } : undefined);
    expect((await putChunk(t, f.web.agentToken, eventId, seq, lines, seq === 2 ? { final: 'true' } : {})).status).toBe(201);
  }
}

describe('retention of terminal recordings', () => {
  it('keeps a recorded session through TERMINAL_SESSIONS retention, then TERMINAL_RECORDINGS removes old recordings and their chunks', async () => {
    await record('old-1', 40);
    await record('new-1', 2);
    expect(await count('terminal_recordings')).toBe(2);
    expect(await count('terminal_recording_chunks')).toBe(6);

    await t.gql('mutation { setRetentionPolicy(kind: TERMINAL_SESSIONS, days: 30) { kind } }', f.admin.token);
    await applyRetention(t.vigil.database.db, t.clock);
    expect(await count('terminal_sessions')).toBe(2);

    await t.gql('mutation { setRetentionPolicy(kind: TERMINAL_RECORDINGS, days: 30) { kind } }', f.admin.token);
    const results = await applyRetention(t.vigil.database.db, t.clock);
    expect(results.find((result) => result.tenantId === f.admin.tenantId && result.kind === 'terminal_recordings')?.deleted).toBe(1);
    expect(await count('terminal_recordings')).toBe(1);
    expect(await count('terminal_recording_chunks')).toBe(3);
    const left = await t.gql<any>('{ terminalRecordings { nodes { terminalSession { eventId } } } }', f.admin.token);
    expect(left.data!.terminalRecordings.nodes.map((node: any) => node.terminalSession.eventId)).toEqual(['new-1']);

    // Its recording gone, the old session goes at the next run.
    await applyRetention(t.vigil.database.db, t.clock);
    expect(await count('terminal_sessions')).toBe(1);
  });
});
