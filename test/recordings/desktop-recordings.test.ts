/**
 * Desktop recordings through the API: an agent streams a desktop session's WebM in chunks (the
 * append rules of terminal recordings: re-sends, conflicts, gaps, the final chunk), people list
 * and read them under the recordings' row rule, download the video whole or by byte ranges (with a
 * bearer token or a playback ticket), every opening is audited, the log covers every chunk's bytes,
 * and retention removes old ones without breaking the log. The video here is bytes that start like
 * WebM; desktop-playback.test.ts plays a real one in Chromium.
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRetention } from '../../server/audit/retention.js';
import { queryRows } from '../../server/db/database.js';
import { errorCodes } from '../support/graphql-client.js';
import { asIntruder } from '../support/log-tamper.js';
import { buildRecordsFixture, type RecordsFixture } from '../support/records-fixture.js';
import { getRecordingPath, putDesktopChunk, type DesktopChunkQuery } from '../support/recording-agent.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

const EBML = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);
/** Chunk bytes: chunk 0 starts with the EBML magic, as a WebM file does. */
const chunkBytes = (seq: number, size: number): Buffer => {
  const body = Buffer.alloc(size, seq + 1);
  for (let at = 0; at < size; at += 1) body[at] = (seq * 37 + at) % 251;
  return seq === 0 ? Buffer.concat([EBML, body]) : body;
};
const FIRST: DesktopChunkQuery = { frames: 30, until: 1, protocol: 'rdp', width: 1280, height: 720, userEmail: 'alice@example.test', username: 'alice' };

const DETAIL = `query One($id: ID!) { desktopRecording(id: $id) {
  id status protocol username mediaType width height durationSeconds frameCount byteCount chunkCount filePath downloadPath
  gaps { fromSeq toSeq afterSeconds } server { name } user { email } playbackUrl logLeaf { kind index }
} }`;
const LIST = `query List($filter: DesktopRecordingFilterInput) { desktopRecordings(filter: $filter) { nodes { id user { email } } } }`;
const INTEGRITY = `{ logIntegrity { isIntact faults { kind recordKind recordId } } }`;

/**
 * The log's faults, less the one the fixture makes on purpose: it writes alice's access session
 * straight into the table, around Vigil.
 */
async function logFaults(): Promise<{ kind: string; recordKind: string; recordId: string }[]> {
  const answer = await t.gql<any>(INTEGRITY, f.admin.token);
  expect(answer.errors).toBeUndefined();
  await t.vigil.log.whenIdle();
  return answer.data!.logIntegrity.faults.filter((fault: any) => fault.recordId !== f.aliceAccess.id);
}

let t: TestVigil;
let f: RecordsFixture;
let recordingId: string;
const chunks = [chunkBytes(0, 3000), chunkBytes(1, 5000), chunkBytes(2, 2000)];
const video = Buffer.concat(chunks);

beforeAll(async () => {
  t = await startTestVigil();
  f = await buildRecordsFixture(t);
  const first = await putDesktopChunk(t, f.web.agentToken, 'desk-1', 0, chunks[0]!, { ...FIRST, filePath: '/var/lib/agent/desk-1.webm' });
  expect(first.status, JSON.stringify(first.body)).toBe(201);
  recordingId = first.body.recordingId;
  expect((await putDesktopChunk(t, f.web.agentToken, 'desk-1', 1, chunks[1]!, { frames: 30, until: 2 })).status).toBe(201);
  const last = await putDesktopChunk(t, f.web.agentToken, 'desk-1', 2, chunks[2]!, { frames: 12, until: 2.4, final: true });
  expect(last.status, JSON.stringify(last.body)).toBe(201);
  expect(last.body).toMatchObject({ recordingId, seq: 2, nextSeq: 3, frameCount: 72, byteCount: video.length, durationSeconds: 2.4, isComplete: true });
});
afterAll(() => t?.close());

const base = () => t.url.replace(/\/graphql$/, '');
const auditOf = (id: string) =>
  queryRows<{ action: string; after: { how?: string } }>(
    t.vigil.database.db,
    sql`select action, after from audit_entries where tenant_id = ${f.admin.tenantId} and resource_type = 'desktop_recording' and resource_id = ${id} order by occurred_at, seq`,
  );

describe('an agent streaming a desktop recording', () => {
  it('keeps what the agent said: protocol, size, frames, bytes, duration, file path, and whose it is', async () => {
    const answer = await t.gql<any>(DETAIL, f.admin.token, { id: recordingId });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.desktopRecording).toMatchObject({
      status: 'COMPLETE',
      protocol: 'RDP',
      username: 'alice',
      mediaType: 'video/webm;codecs=vp8',
      width: 1280,
      height: 720,
      durationSeconds: 2.4,
      frameCount: 72,
      byteCount: video.length,
      chunkCount: 3,
      filePath: '/var/lib/agent/desk-1.webm',
      downloadPath: `/recordings/desktop/${recordingId}.webm`,
      gaps: [],
      server: { name: 'web-01' },
      user: { email: 'alice@example.test' },
      logLeaf: { kind: 'desktop_recording' },
    });
    expect((await auditOf(recordingId)).map((entry) => entry.action)).toEqual(['recording.started', 'recording.completed']);
  });

  it('answers a re-sent chunk as before, refuses other bytes under its number, and nothing after the final chunk', async () => {
    const again = await putDesktopChunk(t, f.web.agentToken, 'desk-1', 1, chunks[1]!, { frames: 30, until: 2 });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ isDuplicate: true, nextSeq: 3 });
    const other = await putDesktopChunk(t, f.web.agentToken, 'desk-1', 1, chunkBytes(7, 5000), { frames: 30, until: 2 });
    expect(other.status).toBe(409);
    expect(other.body.errors[0].extensions.code).toBe('CONFLICT');
    const after = await putDesktopChunk(t, f.web.agentToken, 'desk-1', 3, chunkBytes(3, 10), { frames: 1, until: 3 });
    expect(after.status).toBe(409);
    expect(after.body.errors[0].message).toContain('complete');
  });

  it('refuses a chunk ahead of the next, unless the chunks between are declared lost; lost numbers stay lost', async () => {
    expect((await putDesktopChunk(t, f.web.agentToken, 'desk-gap', 0, chunkBytes(0, 100), { ...FIRST, protocol: 'vnc' })).status).toBe(201);
    const ahead = await putDesktopChunk(t, f.web.agentToken, 'desk-gap', 3, chunkBytes(3, 100), { frames: 5, until: 4 });
    expect(ahead.status).toBe(409);
    expect(ahead.body.errors[0].extensions).toMatchObject({ code: 'CONFLICT', expectedSeq: 1, receivedSeq: 3 });
    const declared = await putDesktopChunk(t, f.web.agentToken, 'desk-gap', 3, chunkBytes(3, 100), { frames: 5, until: 4, declareGap: true });
    expect(declared.status).toBe(201);
    expect(declared.body.gap).toEqual({ fromSeq: 1, toSeq: 2, afterSeconds: 1 });
    const late = await putDesktopChunk(t, f.web.agentToken, 'desk-gap', 1, chunkBytes(1, 100), { frames: 5, until: 2 });
    expect(late.status).toBe(409);
    expect(late.body.errors[0].message).toContain('declared lost');
  });

  it('refuses bad input with the field at fault, and writes nothing for a refused first chunk', async () => {
    const refusals: [string, Promise<{ status: number; body: any }>][] = [
      ['Content-Type', putDesktopChunk(t, f.web.agentToken, 'desk-bad', 0, chunkBytes(0, 10), FIRST, 'video/mp4')],
      ['body', putDesktopChunk(t, f.web.agentToken, 'desk-bad', 0, Buffer.from('not a webm file'), FIRST)],
      ['protocol', putDesktopChunk(t, f.web.agentToken, 'desk-bad', 0, chunkBytes(0, 10), { ...FIRST, protocol: 'telnet' })],
      ['width', putDesktopChunk(t, f.web.agentToken, 'desk-bad', 0, chunkBytes(0, 10), { ...FIRST, width: 0 })],
      ['userEmail', putDesktopChunk(t, f.web.agentToken, 'desk-bad', 0, chunkBytes(0, 10), { ...FIRST, userEmail: 'nobody@example.test' })],
      ['frames', putDesktopChunk(t, f.web.agentToken, 'desk-bad', 0, chunkBytes(0, 10), { ...FIRST, frames: -1 })],
      ['until', putDesktopChunk(t, f.web.agentToken, 'desk-bad', 0, chunkBytes(0, 10), { ...FIRST, until: Number.NaN })],
    ];
    for (const [field, pending] of refusals) {
      const answer = await pending;
      expect(answer.status, field).toBe(400);
      expect(answer.body.errors[0].extensions, field).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    const notStarted = await putDesktopChunk(t, f.web.agentToken, 'desk-bad', 1, chunkBytes(1, 10), { frames: 1, until: 1 });
    expect(notStarted.status).toBe(409);
    expect(notStarted.body.errors[0].extensions).toMatchObject({ code: 'CONFLICT', expectedSeq: 0 });
    const backwards = await putDesktopChunk(t, f.web.agentToken, 'desk-gap', 4, chunkBytes(4, 10), { frames: 1, until: 3 });
    expect(backwards.status).toBe(400);
    expect(backwards.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'until', notBefore: 4 });
    const [row] = await queryRows<{ count: number }>(
      t.vigil.database.db,
      sql`select count(*)::int as count from desktop_recordings where tenant_id = ${f.admin.tenantId} and session_event_id = 'desk-bad'`,
    );
    expect(row!.count).toBe(0);
    // People read recordings; they do not send them.
    const asPerson = await putDesktopChunk(t, f.alice.token, 'desk-person', 0, chunkBytes(0, 10), FIRST);
    expect(asPerson.status).toBe(403);
  });
});

describe('reading desktop recordings', () => {
  it('shows each reader exactly the recordings the row rule allows; by id, others get FORBIDDEN or NOT_FOUND', async () => {
    const listed = async (token: string, filter?: Record<string, unknown>) => {
      const answer = await t.gql<any>(LIST, token, { filter });
      expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
      return answer.data!.desktopRecordings.nodes.map((node: any) => node.id);
    };
    const all = await listed(f.admin.token);
    expect(all).toHaveLength(2);
    expect(await listed(f.carol.token)).toEqual(all);
    expect(await listed(f.alice.token)).toEqual(all);
    expect(await listed(f.bob.token)).toEqual([]);
    expect(await listed(f.admin.token, { protocol: 'RDP' })).toEqual([recordingId]);
    expect(await listed(f.admin.token, { serverId: f.db.id })).toEqual([]);
    expect(await listed(f.other.admin.token)).toEqual([]);

    expect(errorCodes(await t.gql(DETAIL, f.bob.token, { id: recordingId }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql(DETAIL, f.other.admin.token, { id: recordingId }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await t.gql(LIST, f.web.agentToken))).toEqual(['FORBIDDEN']);
    const asCarol = await t.gql<any>(DETAIL, f.carol.token, { id: recordingId });
    expect(asCarol.data!.desktopRecording.playbackUrl).toMatch(new RegExp(`/recordings/desktop/${recordingId}\\?ticket=`));
  });

  it('downloads the video whole, or by byte ranges across chunk boundaries, and audits only the openings', async () => {
    const before = (await auditOf(recordingId)).length;
    const whole = await getRecordingPath(t, `/recordings/desktop/${recordingId}.webm`, f.alice.token);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('video/webm;codecs=vp8');
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(whole.headers.get('content-disposition')).toContain('attachment');
    const body = Buffer.from(await whole.arrayBuffer());
    expect(createHash('sha256').update(body).digest('hex')).toBe(createHash('sha256').update(video).digest('hex'));

    const ranged = await fetch(`${base()}/recordings/desktop/${recordingId}.webm`, {
      headers: { authorization: `Bearer ${f.alice.token}`, range: 'bytes=2990-8100' },
    });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 2990-8100/${video.length}`);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(video.subarray(2990, 8101))).toBe(true);
    const tail = await fetch(`${base()}/recordings/desktop/${recordingId}.webm`, { headers: { authorization: `Bearer ${f.alice.token}`, range: 'bytes=-10' } });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(video.subarray(video.length - 10))).toBe(true);
    const outside = await fetch(`${base()}/recordings/desktop/${recordingId}.webm`, {
      headers: { authorization: `Bearer ${f.alice.token}`, range: `bytes=${video.length + 5}-` },
    });
    expect(outside.status).toBe(416);
    expect(outside.headers.get('content-range')).toBe(`bytes */${video.length}`);

    // The whole download opened it; the ranges from the middle did not open it again.
    const views = (await auditOf(recordingId)).slice(before);
    expect(views).toEqual([expect.objectContaining({ action: 'recording.viewed', after: expect.objectContaining({ how: 'download' }) })]);

    expect((await getRecordingPath(t, `/recordings/desktop/${recordingId}.webm`, f.bob.token)).status).toBe(403);
    expect((await getRecordingPath(t, `/recordings/desktop/${recordingId}.webm`, f.other.admin.token)).status).toBe(404);
    expect((await getRecordingPath(t, `/recordings/desktop/${recordingId}.webm`)).status).toBe(401);
  });

  it('opens the page and the video with the ticket alone, for this recording only', async () => {
    const answer = await t.gql<any>(`query { desktopRecording(id: "${recordingId}") { playbackUrl(at: 1.5) } }`, f.alice.token);
    const url = new URL(answer.data!.desktopRecording.playbackUrl);
    expect(url.searchParams.get('t')).toBe('1.5');
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("media-src 'self'");
    const html = await page.text();
    const ticket = url.searchParams.get('ticket')!;
    expect(html).toContain(`/recordings/desktop/${recordingId}.webm?via=player&#38;ticket=${encodeURIComponent(ticket)}#t=1.5`);
    expect(html).toContain('RDP');
    const viaTicket = await fetch(`${base()}/recordings/desktop/${recordingId}.webm?via=player&ticket=${encodeURIComponent(ticket)}`);
    expect(viaTicket.status).toBe(200);
    expect(Buffer.from(await viaTicket.arrayBuffer()).equals(video)).toBe(true);

    const [other] = await queryRows<{ id: string }>(
      t.vigil.database.db,
      sql`select id::text from desktop_recordings where tenant_id = ${f.admin.tenantId} and session_event_id = 'desk-gap'`,
    );
    expect((await fetch(`${base()}/recordings/desktop/${other!.id}.webm?ticket=${encodeURIComponent(ticket)}`)).status).toBe(401);
    // A desktop ticket is not a terminal recording's, even under the same id.
    expect((await fetch(`${base()}/recordings/${recordingId}.cast?ticket=${encodeURIComponent(ticket)}`)).status).toBe(401);
  });
});

describe('integrity and retention of desktop recordings', () => {
  it('names a chunk whose video bytes were swapped', async () => {
    await t.vigil.log.settle(f.admin.tenantId, { force: true });
    await t.vigil.log.whenIdle();
    expect(await logFaults()).toEqual([]);
    await asIntruder(t.vigil.database.db, async (tx) => {
      await tx.execute(
        sql`update desktop_recording_chunks set data = ${chunkBytes(9, 5000)} where tenant_id = ${f.admin.tenantId} and recording_id = ${recordingId}::uuid and seq = 1`,
      );
    });
    expect(await logFaults()).toEqual([
      expect.objectContaining({ kind: 'RECORD_MODIFIED', recordKind: 'desktop_recording_chunk', recordId: `${recordingId}:1` }),
    ]);
    await asIntruder(t.vigil.database.db, async (tx) => {
      await tx.execute(
        sql`update desktop_recording_chunks set data = ${chunks[1]!} where tenant_id = ${f.admin.tenantId} and recording_id = ${recordingId}::uuid and seq = 1`,
      );
    });
  });

  it('DESKTOP_RECORDINGS retention removes old recordings with their chunks, and the log still verifies', async () => {
    const startedAt = new Date(t.clock.now().getTime() - 40 * 86_400_000).toISOString();
    expect((await putDesktopChunk(t, f.web.agentToken, 'desk-old', 0, chunkBytes(0, 50), { ...FIRST, startedAt, final: true })).status).toBe(201);
    const setPolicy = await t.gql('mutation { setRetentionPolicy(kind: DESKTOP_RECORDINGS, days: 30) { kind } }', f.admin.token);
    expect(setPolicy.errors).toBeUndefined();
    const results = await applyRetention(t.vigil.database.db, t.clock);
    expect(results.find((result) => result.tenantId === f.admin.tenantId && result.kind === 'desktop_recordings')?.deleted).toBe(1);
    const [left] = await queryRows<{ recordings: number; chunks: number }>(
      t.vigil.database.db,
      sql`select (select count(*)::int from desktop_recordings where tenant_id = ${f.admin.tenantId}) as recordings,
                 (select count(*)::int from desktop_recording_chunks where tenant_id = ${f.admin.tenantId}) as chunks`,
    );
    expect(left).toEqual({ recordings: 2, chunks: 5 });
    await t.vigil.log.settle(f.admin.tenantId, { force: true });
    await t.vigil.log.whenIdle();
    expect(await logFaults()).toEqual([]);
  });
});
