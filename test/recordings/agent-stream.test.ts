/**
 * An agent streaming a terminal session's asciicast v2 recording: a 10-minute session sent in 46
 * chunks (one re-sent) and downloaded as a file that parses as asciicast v2 and that Debian's
 * asciinema 2.2 prints byte for byte; the totals GraphQL reports; declared gaps; the refusals
 * (conflicts, bad lines, bad tokens) and that they write nothing; the GraphQL form of the append;
 * copies of a chunk racing; and the audit entries a recording leaves.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../support/graphql-client.js';
import { buildRecordsFixture, type RecordsFixture, type TestServer } from '../support/records-fixture.js';
import { castLines, getRecordingPath, openTerminalSession, putChunk, type CastEvent, type CastHeader, type ChunkAnswer } from '../support/recording-agent.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

const execFileAsync = promisify(execFile);

let t: TestVigil;
let f: RecordsFixture;
let workDir: string;

beforeAll(async () => {
  t = await startTestVigil();
  f = await buildRecordsFixture(t);
  workDir = await mkdtemp(join(tmpdir(), 'vigil-agent-stream-'));
});
afterAll(async () => {
  await t?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

const RECORDING = `query($id: ID!) { terminalRecording(id: $id) {
  id status startedAt endedAt durationSeconds bytesIn bytesOut eventCount chunkCount width height shell term command title env
  gaps { fromSeq toSeq afterSeconds } user { email } server { name } downloadPath
} }`;
const RECORDINGS = `query($sessionId: ID!) { terminalRecordings(filter: { terminalSessionId: $sessionId }) { nodes {
  id status startedAt endedAt durationSeconds bytesIn bytesOut eventCount chunkCount width height shell term command title env
  gaps { fromSeq toSeq afterSeconds } user { email } server { name } downloadPath
} } }`;
const SESSION_RECORDING = `query($id: ID!) { terminalSession(id: $id) { id recording { id eventCount chunkCount } } }`;
const AUDIT = `query($id: String!) { auditLog(filter: { resourceType: "terminal_recording", resourceId: $id }) { nodes { action actorType actorEmail after } } }`;
const APPEND = `mutation($sessionEventId: String!, $seq: Int!, $lines: String!, $isFinal: Boolean, $declareGap: Boolean) {
  appendRecordingChunk(sessionEventId: $sessionEventId, seq: $seq, lines: $lines, isFinal: $isFinal, declareGap: $declareGap) {
    recordingId seq isDuplicate nextSeq eventCount durationSeconds isComplete gap { fromSeq toSeq afterSeconds }
  }
}`;

// ---------------------------------------------------------------------------------------------
// helpers

let sessionCounter = 0;

/** Opens a terminal session of alice's on `server`; returns the agent's event id and Vigil's session id. */
async function openSession(name: string, server: TestServer = f.web): Promise<{ eventId: string; sessionId: string }> {
  sessionCounter += 1;
  const eventId = `websh-${name}-${sessionCounter}`;
  const sessionId = await openTerminalSession(t, server.agentToken, eventId, f.alice.email);
  return { eventId, sessionId };
}

/** A whole-second Unix time 30 minutes before the test clock's now (when openSession's session started). */
function headerTimestamp(): number {
  return Math.floor(t.clock.now().getTime() / 1000) - 1800;
}

function headerOf(overrides: Partial<CastHeader> = {}): CastHeader {
  return {
    version: 2,
    width: 100,
    height: 30,
    timestamp: headerTimestamp(),
    command: '/bin/bash -l',
    title: 'alice@web-01',
    env: { SHELL: '/bin/bash', TERM: 'xterm-256color' },
    ...overrides,
  };
}

async function recordingOf(id: string, token = f.admin.token): Promise<any> {
  const response = await t.gql(RECORDING, token, { id });
  expect(response.errors).toBeUndefined();
  return response.data!.terminalRecording;
}

/** The recording of a terminal session (null when none was started), as the admin sees it. */
async function recordingOfSession(sessionId: string): Promise<{ id: string; eventCount: number; chunkCount: number } | null> {
  const response = await t.gql(SESSION_RECORDING, f.admin.token, { id: sessionId });
  expect(response.errors).toBeUndefined();
  return response.data!.terminalSession.recording;
}

async function auditOf(recordingId: string): Promise<{ action: string; actorType: string; actorEmail: string | null; after: any }[]> {
  const response = await t.gql(AUDIT, f.admin.token, { id: recordingId });
  expect(response.errors).toBeUndefined();
  return [...response.data!.auditLog.nodes].reverse();
}

async function auditActions(recordingId: string): Promise<string[]> {
  return (await auditOf(recordingId)).map((entry) => entry.action);
}

/** A PUT with any headers (or none): for the token checks putChunk cannot make. */
async function rawPut(sessionEventId: string, seq: number, body: string, headers: Record<string, string>): Promise<ChunkAnswer> {
  const base = t.url.replace(/\/graphql$/, '');
  const response = await fetch(`${base}/recordings/sessions/${encodeURIComponent(sessionEventId)}/chunks/${seq}`, { method: 'PUT', headers, body });
  return { status: response.status, body: await response.json() };
}

async function download(recordingId: string, token = f.admin.token): Promise<Buffer> {
  const response = await getRecordingPath(t, `/recordings/${recordingId}.cast`, token);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/x-asciicast/);
  return Buffer.from(await response.arrayBuffer());
}

/** The event lines of a downloaded file, parsed. */
function eventsOfCast(file: Buffer): CastEvent[] {
  const lines = file.toString('utf8').split('\n');
  expect(lines.at(-1)).toBe('');
  return lines.slice(1, -1).map((line) => JSON.parse(line) as CastEvent);
}

function errorOf(answer: ChunkAnswer): { code: string; [key: string]: unknown } {
  expect(answer.body.errors).toHaveLength(1);
  return answer.body.errors[0].extensions;
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const utf8Bytes = (events: readonly CastEvent[], code: 'i' | 'o') =>
  sum(events.filter((event) => event[1] === code).map((event) => Buffer.byteLength(event[2], 'utf8')));
const round6 = (seconds: number) => Math.round(seconds * 1e6) / 1e6;

// ---------------------------------------------------------------------------------------------
// a synthetic 10-minute shell session

/** A small seeded PRNG, so the session is the same on every run. */
function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const PROMPT = '\u001b]0;alice@web-01: ~/app\u0007\u001b[01;32malice@web-01\u001b[00m:\u001b[01;34m~/app\u001b[00m$ ';

const SCRIPT: { command: string; password?: string; output: string[] }[] = [
  {
    command: 'ls --color=auto',
    output: ['\u001b[0m\u001b[01;34mbin\u001b[0m  \u001b[01;32mdeploy.sh\u001b[0m  README.md  \u001b[01;35mlogo.png\u001b[0m  naïve ✓.txt\r\n'],
  },
  {
    command: 'git status',
    output: ['On branch \u001b[32mmain\u001b[m\r\n', 'Changes not staged for commit:\r\n', '\t\u001b[31mmodified:   config/app.yml\u001b[m\r\n', '\r\n'],
  },
  { command: 'cat notes.txt', output: ['Résumé: naïve ✓ café — 日本語のテキスト\r\n', 'emoji 🚀🔥, a "quoted" word, a \\ backslash and a\ttab\r\n'] },
  {
    command: 'sudo systemctl restart app',
    password: 'hunter2',
    output: ['[sudo] password for alice: ', '\r\n', '\u001b[1;31mJob for app.service failed.\u001b[0m See "journalctl -xeu app".\r\n'],
  },
  {
    command: 'journalctl -u app -n 3 --no-pager',
    output: [
      'Mar 02 10:14:01 web-01 app[812]: \u001b[33mwarning\u001b[0m: cache miss ratio 0.42\r\n',
      'Mar 02 10:14:02 web-01 app[812]: \u001b[1;31merror\u001b[0m: port 8080 already in use\r\n',
      "Mar 02 10:14:02 web-01 systemd[1]: app.service: Failed with result 'exit-code'.\r\n",
    ],
  },
  { command: 'df -h /', output: ['Filesystem      Size  Used Avail Use% Mounted on\r\n', '/dev/vda1        40G   31G  7.1G  82% /\r\n'] },
  { command: 'printf "ok ✓\\n"', output: ['ok ✓\r\n'] },
  { command: 'echo $TERM', output: ['xterm-256color\r\n'] },
];

function syntheticSession(): CastEvent[] {
  const random = mulberry32(20240302);
  const events: CastEvent[] = [];
  let time = 0;
  const at = (step: number) => (time = round6(time + step));
  events.push([at(0.012), 'o', 'Linux web-01 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 x86_64\r\n\r\n']);
  events.push([at(0.004), 'o', 'Last login: Sat Mar  2 09:58:11 2024 from 10.1.0.7\r\n']);
  events.push([at(0.03), 'o', PROMPT]);
  let index = 0;
  let isResized = false;
  const type = (text: string, echo: boolean) => {
    for (const character of text) {
      const when = at(0.04 + random() * 0.25);
      events.push([when, 'i', character]);
      if (echo) events.push([when, 'o', character]); // the echo at the very same time as the key
    }
  };
  while (time < 540) {
    const item = SCRIPT[index % SCRIPT.length]!;
    index += 1;
    type(item.command, true);
    events.push([at(0.15 + random() * 0.3), 'i', '\r']);
    events.push([at(0.001), 'o', '\r\n']);
    for (const [position, piece] of item.output.entries()) {
      events.push([at(0.005 + random() * 0.2), 'o', piece]);
      if (item.password && position === 0) {
        type(item.password, false); // no echo of a password: input only
        events.push([at(0.1), 'i', '\r']);
      }
    }
    events.push([at(0.002), 'o', PROMPT]);
    at(1 + random() * 20); // idle
    if (!isResized && time > 300) {
      // The window is made larger: a resize event, and the shell redraws its prompt.
      events.push([at(0.5), 'r', '120x40']);
      events.push([at(0.02), 'o', '\u001b[H\u001b[2J' + PROMPT]);
      events.push([time, 'm', 'window resized']);
      isResized = true;
    }
  }
  type('exit', true);
  events.push([at(0.2), 'i', '\r']);
  events.push([at(0.001), 'o', '\r\n']);
  events.push([600, 'o', 'logout\r\n']);
  return events;
}

/** Splits `events` into `count` chunks of uneven sizes; one boundary falls between two events of the same time. */
function splitIntoChunks(events: readonly CastEvent[], count: number): CastEvent[][] {
  const random = mulberry32(7);
  const weights = Array.from({ length: count }, () => 0.5 + random());
  const total = sum(weights);
  const boundaries: number[] = [];
  let accumulated = 0;
  for (const weight of weights.slice(0, -1)) {
    accumulated += weight;
    boundaries.push(Math.round((accumulated / total) * events.length));
  }
  // Move one boundary to fall between an input event and its echo (same time, two chunks).
  const middle = Math.floor(count / 2);
  let split = boundaries[middle]!;
  while (events[split - 1]![0] !== events[split]![0]) split += 1;
  boundaries[middle] = split;
  expect(split).toBeLessThan(boundaries[middle + 1]!);
  const chunks: CastEvent[][] = [];
  let start = 0;
  for (const end of [...boundaries, events.length]) {
    chunks.push(events.slice(start, end));
    start = end;
  }
  return chunks;
}

// ---------------------------------------------------------------------------------------------

describe('an agent streams a 10-minute session in 46 chunks', () => {
  const CHUNKS = 46;
  const RESENT = 17;
  const events = syntheticSession();
  const chunks = splitIntoChunks(events, CHUNKS);
  let session: { eventId: string; sessionId: string };
  let sentHeader: CastHeader;
  let recordingId = '';
  let castPath = '';
  let castFile: Buffer;

  it('the synthetic session is what the test claims: 0..600 s, typed input, a resize, UTF-8, ANSI colours', () => {
    expect(events.length).toBeGreaterThan(1000);
    expect(events[0]![0]).toBeLessThan(0.1);
    expect(events.at(-1)![0]).toBe(600);
    expect(events.some((event) => event[1] === 'i')).toBe(true);
    expect(events.filter((event) => event[1] === 'r').map((event) => event[2])).toEqual(['120x40']);
    expect(events.some((event) => event[1] === 'o' && event[2].includes('naïve ✓'))).toBe(true);
    expect(events.some((event) => event[1] === 'o' && event[2].includes('\u001b[01;32m'))).toBe(true);
    expect(chunks).toHaveLength(CHUNKS);
    expect(chunks.every((chunk) => chunk.length > 0)).toBe(true);
    expect(chunks.flat()).toEqual(events);
  });

  it(
    'stores every chunk in order (201), answers a re-sent chunk 200 without storing it twice, and completes on the final one',
    { timeout: 120_000 },
    async () => {
      session = await openSession('ten-minutes');
      sentHeader = headerOf();
      let stored = 0;
      for (const [seq, chunk] of chunks.entries()) {
        const isFinal = seq === CHUNKS - 1;
        const answer = await putChunk(
          t,
          f.web.agentToken,
          session.eventId,
          seq,
          castLines(chunk, seq === 0 ? sentHeader : undefined),
          isFinal ? { final: 'true' } : {},
        );
        stored += chunk.length;
        expect(answer.status, `chunk ${seq}: ${JSON.stringify(answer.body)}`).toBe(201);
        expect(answer.body).toMatchObject({
          seq,
          isDuplicate: false,
          nextSeq: seq + 1,
          eventCount: stored,
          durationSeconds: chunk.at(-1)![0],
          isComplete: isFinal,
        });
        if (seq === 0) recordingId = answer.body.recordingId;
        expect(answer.body.recordingId).toBe(recordingId);

        if (seq === RESENT) {
          // The agent lost the answer and sends the chunk again.
          const again = await putChunk(t, f.web.agentToken, session.eventId, seq, castLines(chunk));
          expect(again.status).toBe(200);
          expect(again.body).toEqual({ ...answer.body, isDuplicate: true });
          const recording = await recordingOf(recordingId);
          expect(recording).toMatchObject({ eventCount: stored, chunkCount: RESENT + 1, status: 'RECORDING', endedAt: null });
        }
      }
      // Chunk 0 (with its header) re-sent once everything is in: still a duplicate, nothing changes.
      const first = await putChunk(t, f.web.agentToken, session.eventId, 0, castLines(chunks[0]!, sentHeader));
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ isDuplicate: true, nextSeq: CHUNKS, eventCount: events.length, isComplete: true });
    },
  );

  it('downloads as an asciicast v2 file: the header, then exactly the events sent, times never going back', async () => {
    castFile = await download(recordingId);
    castPath = join(workDir, `${recordingId}.cast`);
    await writeFile(castPath, castFile);

    const lines = castFile.toString('utf8').split('\n');
    expect(lines.at(-1)).toBe(''); // every line ends with a newline
    const fileHeader = JSON.parse(lines[0]!);
    expect(fileHeader.version).toBe(2);
    expect(fileHeader.width).toBe(100);
    expect(fileHeader.height).toBe(30);
    expect(fileHeader.timestamp).toBe(sentHeader.timestamp);
    expect(fileHeader.duration).toBeCloseTo(600, 6);
    expect(fileHeader.env).toEqual({ SHELL: '/bin/bash', TERM: 'xterm-256color' });
    expect(fileHeader.command).toBe('/bin/bash -l');
    expect(fileHeader.title).toBe('alice@web-01');

    const eventLines = lines.slice(1, -1);
    expect(eventLines).toHaveLength(events.length);
    let previous = 0;
    for (const [index, line] of eventLines.entries()) {
      const event = JSON.parse(line);
      expect(Array.isArray(event) && event.length === 3, `line ${index + 2}: ${line}`).toBe(true);
      expect(typeof event[0]).toBe('number');
      expect(['o', 'i', 'r', 'm']).toContain(event[1]);
      expect(typeof event[2]).toBe('string');
      expect(event[0], `line ${index + 2} goes back in time`).toBeGreaterThanOrEqual(previous);
      previous = event[0];
    }
    expect(eventsOfCast(castFile)).toEqual(events);
  });

  // asciinema 2.2's `cat` opens /dev/tty and puts it in raw mode, so it fails without a terminal
  // (OSError ENXIO under a test runner). util-linux `script` gives it a pseudo-terminal; raw mode
  // turns output processing off, so the bytes asciinema writes reach us unchanged.
  const canRunAsciinema = existsSync('/usr/bin/asciinema') && existsSync('/usr/bin/script');
  it.skipIf(!canRunAsciinema)(
    `asciinema cat (Debian asciinema 2.2) accepts the file and prints exactly the output sent${canRunAsciinema ? '' : ' [SKIPPED: /usr/bin/asciinema or /usr/bin/script is not installed]'}`,
    async () => {
      expect(castPath).not.toBe('');
      const { stdout, stderr } = await execFileAsync(
        '/usr/bin/script',
        ['--quiet', '--return', '--flush', '--command', `/usr/bin/asciinema cat '${castPath}'`, '/dev/null'],
        {
          env: { ...process.env, TERM: 'xterm' },
          encoding: 'buffer',
          maxBuffer: 64 * 1024 * 1024,
          timeout: 60_000,
        },
      );
      expect(stderr.toString('utf8')).toBe('');
      const expected = Buffer.from(
        events
          .filter((event) => event[1] === 'o')
          .map((event) => event[2])
          .join(''),
        'utf8',
      );
      expect(stdout.length).toBe(expected.length);
      expect(stdout.equals(expected)).toBe(true);
    },
  );

  it('GraphQL reports the totals: UTF-8 bytes in and out, events, chunks, COMPLETE, duration, endedAt = startedAt + duration', async () => {
    const recording = await recordingOf(recordingId);
    const startedAt = sentHeader.timestamp! * 1000;
    const duration = events.at(-1)![0];
    expect(recording).toEqual({
      id: recordingId,
      status: 'COMPLETE',
      startedAt: new Date(startedAt).toISOString(),
      endedAt: new Date(startedAt + Math.round(duration * 1000)).toISOString(),
      durationSeconds: duration,
      bytesIn: utf8Bytes(events, 'i'),
      bytesOut: utf8Bytes(events, 'o'),
      eventCount: events.length,
      chunkCount: CHUNKS,
      width: 100,
      height: 30,
      shell: '/bin/bash',
      term: 'xterm-256color',
      command: '/bin/bash -l',
      title: 'alice@web-01',
      env: { SHELL: '/bin/bash', TERM: 'xterm-256color' },
      gaps: [],
      user: { email: f.alice.email },
      server: { name: 'web-01' },
      downloadPath: `/recordings/${recordingId}.cast`,
    });
    // The UTF-8 byte counts differ from the string lengths (ï, ✓, 日本語, 🚀): the test would notice characters counted.
    expect(recording.bytesOut).toBeGreaterThan(sum(events.filter((event) => event[1] === 'o').map((event) => event[2].length)));

    // The list says the same, to the operator and to carol (session_recordings.view); bob does not see it.
    for (const user of [f.alice, f.carol]) {
      const listed = await t.gql(RECORDINGS, user.token, { sessionId: session.sessionId });
      expect(listed.errors).toBeUndefined();
      expect(listed.data!.terminalRecordings.nodes).toEqual([recording]);
    }
    const bobs = await t.gql(RECORDINGS, f.bob.token, { sessionId: session.sessionId });
    expect(bobs.data!.terminalRecordings.nodes).toEqual([]);
  });

  it('the audit log has the start and the completion (duplicates add nothing), and the download as recording.viewed', async () => {
    const entries = await auditOf(recordingId);
    expect(entries.map((entry) => entry.action)).toEqual(['recording.started', 'recording.completed', 'recording.viewed']);
    expect(entries[0]!.actorType).toBe('AGENT');
    expect(entries[1]!.after).toMatchObject({ durationSeconds: 600, eventCount: events.length, chunks: CHUNKS, gaps: 0 });
    expect(entries[2]).toMatchObject({ actorType: 'USER', actorEmail: f.admin.email, after: { how: 'download' } });
  });
});

describe('gaps', () => {
  const chunk = (from: number, count = 3): CastEvent[] => Array.from({ length: count }, (_, index) => [from + index, 'o', `line ${from + index}\r\n`]);
  let session: { eventId: string; sessionId: string };
  let recordingId: string;
  const sent: CastEvent[] = [];

  it('a chunk ahead of the next one is refused with 409 naming the expected number, and stores nothing', async () => {
    session = await openSession('gaps');
    for (const seq of [0, 1, 2]) {
      const events = chunk(seq * 10);
      const answer = await putChunk(t, f.web.agentToken, session.eventId, seq, castLines(events, seq === 0 ? headerOf() : undefined));
      expect(answer.status).toBe(201);
      sent.push(...events);
      recordingId = answer.body.recordingId;
    }
    const before = await recordingOf(recordingId);
    expect(before).toMatchObject({ chunkCount: 3, eventCount: 9, gaps: [] });

    const ahead = await putChunk(t, f.web.agentToken, session.eventId, 5, castLines(chunk(50)));
    expect(ahead.status).toBe(409);
    expect(errorOf(ahead)).toMatchObject({ code: 'CONFLICT', expectedSeq: 3, receivedSeq: 5 });
    expect(await recordingOf(recordingId)).toEqual(before);
  });

  it('the same chunk with declareGap=true is stored (201) and the recording lists the gap 3..4', async () => {
    const events = chunk(50);
    const answer = await putChunk(t, f.web.agentToken, session.eventId, 5, castLines(events), { declareGap: 'true' });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ seq: 5, isDuplicate: false, nextSeq: 6, eventCount: 12, gap: { fromSeq: 3, toSeq: 4, afterSeconds: 22 } });
    sent.push(...events);
    const recording = await recordingOf(recordingId);
    expect(recording.gaps).toEqual([{ fromSeq: 3, toSeq: 4, afterSeconds: 22 }]);
    expect(recording).toMatchObject({ chunkCount: 6, eventCount: 12, durationSeconds: 52, status: 'RECORDING' });
  });

  it('chunks declared lost cannot be sent afterwards (409), and the recording goes on after the gap', async () => {
    for (const seq of [3, 4]) {
      const late = await putChunk(t, f.web.agentToken, session.eventId, seq, castLines(chunk(30 + (seq - 3) * 10)));
      expect(late.status, `seq ${seq}`).toBe(409);
      expect(errorOf(late).code).toBe('CONFLICT');
    }
    const last = chunk(60, 2);
    const final = await putChunk(t, f.web.agentToken, session.eventId, 6, castLines(last), { final: 'true' });
    expect(final.status).toBe(201);
    expect(final.body).toMatchObject({ nextSeq: 7, eventCount: 14, isComplete: true });
    sent.push(...last);
    expect(await recordingOf(recordingId)).toMatchObject({
      status: 'COMPLETE',
      chunkCount: 7,
      eventCount: 14,
      gaps: [{ fromSeq: 3, toSeq: 4, afterSeconds: 22 }],
    });
  });

  it('audit: recording.started, recording.gap_declared, recording.completed by the agent; a download adds recording.viewed', async () => {
    const entries = await auditOf(recordingId);
    expect(entries.map((entry) => entry.action)).toEqual(['recording.started', 'recording.gap_declared', 'recording.completed']);
    expect(entries.every((entry) => entry.actorType === 'AGENT')).toBe(true);
    expect(entries[1]!.after).toMatchObject({ fromSeq: 3, toSeq: 4, afterSeconds: 22 });
    expect(entries[2]!.after).toMatchObject({ gaps: 1, chunks: 7, eventCount: 14 });

    const file = await download(recordingId, f.carol.token);
    expect(eventsOfCast(file)).toEqual(sent);
    const after = await auditOf(recordingId);
    expect(after.map((entry) => entry.action)).toEqual(['recording.started', 'recording.gap_declared', 'recording.completed', 'recording.viewed']);
    expect(after[3]).toMatchObject({ actorType: 'USER', actorEmail: f.carol.email, after: { how: 'download' } });
  });
});

describe('conflicts', () => {
  it('chunk 1 before chunk 0 is refused with 409 expecting 0, and no recording is started (even with declareGap)', async () => {
    const session = await openSession('no-first');
    for (const query of [{}, { declareGap: 'true' }] as Record<string, string>[]) {
      const answer = await putChunk(t, f.web.agentToken, session.eventId, 1, castLines([[1, 'o', 'x']]), query);
      expect(answer.status).toBe(409);
      expect(errorOf(answer)).toMatchObject({ code: 'CONFLICT', expectedSeq: 0, receivedSeq: 1 });
    }
    expect(await recordingOfSession(session.sessionId)).toBeNull();
  });

  it('the same number with other content is refused with 409 (events or header), and the stored chunk stays', async () => {
    const session = await openSession('other-content');
    const first: CastEvent[] = [[0.5, 'o', 'hello\r\n']];
    const second: CastEvent[] = [[1, 'o', 'one\r\n']];
    const sentHeader = headerOf();
    expect((await putChunk(t, f.web.agentToken, session.eventId, 0, castLines(first, sentHeader))).status).toBe(201);
    const stored = await putChunk(t, f.web.agentToken, session.eventId, 1, castLines(second));
    expect(stored.status).toBe(201);

    const other = await putChunk(t, f.web.agentToken, session.eventId, 1, castLines([[1, 'o', 'ONE\r\n']]));
    expect(other.status).toBe(409);
    expect(errorOf(other)).toMatchObject({ code: 'CONFLICT', receivedSeq: 1, nextSeq: 2 });
    const otherHeader = await putChunk(t, f.web.agentToken, session.eventId, 0, castLines(first, { ...sentHeader, width: 132 }));
    expect(otherHeader.status).toBe(409);
    expect(errorOf(otherHeader).code).toBe('CONFLICT');

    const recording = await recordingOf(stored.body.recordingId);
    expect(recording).toMatchObject({ width: 100, eventCount: 2, chunkCount: 2, bytesOut: Buffer.byteLength('hello\r\none\r\n') });
    expect(eventsOfCast(await download(stored.body.recordingId))).toEqual([...first, ...second]);
  });

  it('nothing is added after the final chunk: 409, also with declareGap; the final chunk re-sent is still a duplicate', async () => {
    const session = await openSession('after-final');
    const only: CastEvent[] = [[0.25, 'o', 'bye\r\n']];
    const final = await putChunk(t, f.web.agentToken, session.eventId, 0, castLines(only, headerOf()), { final: 'true' });
    expect(final.status).toBe(201);
    expect(final.body.isComplete).toBe(true);

    const after = await putChunk(t, f.web.agentToken, session.eventId, 1, castLines([[1, 'o', 'more\r\n']]));
    expect(after.status).toBe(409);
    expect(errorOf(after)).toMatchObject({ code: 'CONFLICT', nextSeq: 1 });
    const ahead = await putChunk(t, f.web.agentToken, session.eventId, 3, castLines([[1, 'o', 'more\r\n']]), { declareGap: 'true', final: 'true' });
    expect(ahead.status).toBe(409);
    expect(errorOf(ahead).code).toBe('CONFLICT');

    const again = await putChunk(t, f.web.agentToken, session.eventId, 0, castLines(only, headerOf()), { final: 'true' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ isDuplicate: true, isComplete: true });
    expect(await recordingOf(final.body.recordingId)).toMatchObject({ status: 'COMPLETE', eventCount: 1, chunkCount: 1, gaps: [] });
  });
});

describe('bad input and bad tokens are refused and write nothing', () => {
  const firstChunk: CastEvent[] = [
    [0.1, 'o', 'prompt$ '],
    [10, 'o', 'ten\r\n'],
  ];
  const good: CastEvent[] = [[11, 'o', 'eleven\r\n']];
  let session: { eventId: string; sessionId: string };
  let recordingId: string;
  let before: any;

  beforeAll(async () => {
    session = await openSession('bad-input');
    const answer = await putChunk(t, f.web.agentToken, session.eventId, 0, castLines(firstChunk, headerOf()));
    expect(answer.status).toBe(201);
    recordingId = answer.body.recordingId;
    before = await recordingOf(recordingId);
  });

  it('chunk 0 without a header, with version 1, or with width 0: 400 naming the line, and no recording', async () => {
    const fresh = await openSession('bad-first');
    const events: CastEvent[] = [[0.5, 'o', 'x']];
    const cases: { name: string; body: string; field: string }[] = [
      { name: 'no header', body: castLines(events), field: 'line 1' },
      { name: 'version 1', body: castLines(events, { ...headerOf(), version: 1 as 2 }), field: 'line 1.version' },
      { name: 'width 0', body: castLines(events, headerOf({ width: 0 })), field: 'line 1.width' },
    ];
    for (const { name, body, field } of cases) {
      const answer = await putChunk(t, f.web.agentToken, fresh.eventId, 0, body);
      expect(answer.status, name).toBe(400);
      expect(errorOf(answer), name).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    expect(await recordingOfSession(fresh.sessionId)).toBeNull();
  });

  it('bad lines in a later chunk: 400 with the field of the line, and the recording is unchanged', async () => {
    const line = (event: unknown) => JSON.stringify(event);
    const cases: { name: string; body: string | Buffer; field: string; extra?: Record<string, unknown> }[] = [
      { name: 'an event that is not JSON', body: `${line([11, 'o', 'a'])}\n[12, "o", "b"\n`, field: 'line 2' },
      { name: 'an unknown event code', body: `${line([11, 'o', 'a'])}\n${line([12, 'o', 'b'])}\n${line([13, 'x', 'c'])}\n`, field: 'line 3' },
      {
        name: 'times going backwards within the chunk',
        body: `${line([12, 'o', 'a'])}\n${line([11.5, 'o', 'b'])}\n`,
        field: 'line 2',
        extra: { seconds: 11.5, notBefore: 12 },
      },
      {
        name: "a first time before the recording's end so far",
        body: `${line([9.5, 'o', 'a'])}\n${line([12, 'o', 'b'])}\n`,
        field: 'line 1',
        extra: { seconds: 9.5, notBefore: 10 },
      },
      { name: 'bytes that are not UTF-8', body: Buffer.concat([Buffer.from('[11,"o","caf'), Buffer.from([0xff]), Buffer.from('"]\n')]), field: 'body' },
      { name: 'a resize to "wide"', body: `${line([11, 'o', 'a'])}\n${line([12, 'r', 'wide'])}\n`, field: 'line 2' },
      { name: 'an unpaired surrogate escaped in JSON (valid UTF-8, but no text)', body: `${line([11, 'o', 'a'])}\n[12,"o","a\\ud800b"]\n`, field: 'line 2' },
      { name: 'a header in chunk 1', body: castLines(good, headerOf()), field: 'line 1' },
    ];
    for (const { name, body, field, extra } of cases) {
      const answer = await putChunk(t, f.web.agentToken, session.eventId, 1, body);
      expect(answer.status, name).toBe(400);
      expect(errorOf(answer), name).toMatchObject({ code: 'BAD_USER_INPUT', field, ...extra });
      expect(await recordingOf(recordingId), name).toEqual(before);
    }
  });

  it('an unknown session is 404; a user token 403; no token 401; another server’s or tenant’s agent 404', async () => {
    const body = castLines(good);
    const unknown = await putChunk(t, f.web.agentToken, 'websh-never-reported', 1, body);
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown).code).toBe('NOT_FOUND');

    const user = await putChunk(t, f.alice.token, session.eventId, 1, body);
    expect(user.status).toBe(403);
    expect(errorOf(user).code).toBe('FORBIDDEN');
    const admin = await putChunk(t, f.admin.token, session.eventId, 1, body);
    expect(admin.status).toBe(403);
    expect(errorOf(admin).code).toBe('FORBIDDEN');

    const anonymous = await rawPut(session.eventId, 1, body, { 'content-type': 'application/x-asciicast' });
    expect(anonymous.status).toBe(401);
    expect(errorOf(anonymous).code).toBe('UNAUTHENTICATED');
    const forged = await rawPut(session.eventId, 1, body, { 'content-type': 'application/x-asciicast', authorization: 'Bearer vigil_not_a_real_token' });
    expect(forged.status).toBe(401);
    expect(errorOf(forged).code).toBe('UNAUTHENTICATED');

    const otherServer = await putChunk(t, f.db.agentToken, session.eventId, 1, body);
    expect(otherServer.status).toBe(404);
    expect(errorOf(otherServer).code).toBe('NOT_FOUND');
    const otherTenant = await putChunk(t, f.other.server.agentToken, session.eventId, 1, body);
    expect(otherTenant.status).toBe(404);
    expect(errorOf(otherTenant).code).toBe('NOT_FOUND');

    expect(await recordingOf(recordingId)).toEqual(before);
    expect(await auditActions(recordingId)).toEqual(['recording.started']);
  });

  it('after all the refusals, chunk 1 is still the next one and is stored', async () => {
    const answer = await putChunk(t, f.web.agentToken, session.eventId, 1, castLines(good));
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ seq: 1, nextSeq: 2, eventCount: 3, durationSeconds: 11 });
    expect(eventsOfCast(await download(recordingId))).toEqual([...firstChunk, ...good]);
  });
});

describe('the GraphQL mutation appendRecordingChunk', () => {
  it('stores, recognises a re-send, refuses a gap with CONFLICT and bad lines with BAD_USER_INPUT, and completes', async () => {
    const session = await openSession('graphql');
    const chunk0: CastEvent[] = [
      [0.2, 'o', '\u001b[01;32m$\u001b[0m '],
      [1.5, 'i', 'l'],
      [1.5, 'o', 'l'],
    ];
    const chunk1: CastEvent[] = [[3, 'o', 'naïve ✓\r\n']];
    const append = (variables: Record<string, unknown>, token = f.web.agentToken) => t.gql(APPEND, token, { sessionEventId: session.eventId, ...variables });

    const stored = await append({ seq: 0, lines: castLines(chunk0, headerOf()) });
    expect(stored.errors).toBeUndefined();
    const receipt = stored.data!.appendRecordingChunk;
    expect(receipt).toMatchObject({ seq: 0, isDuplicate: false, nextSeq: 1, eventCount: 3, durationSeconds: 1.5, isComplete: false, gap: null });

    const again = await append({ seq: 0, lines: castLines(chunk0, headerOf()) });
    expect(again.errors).toBeUndefined();
    expect(again.data!.appendRecordingChunk).toEqual({ ...receipt, isDuplicate: true });

    const gap = await append({ seq: 2, lines: castLines(chunk1) });
    expect(errorCodes(gap)).toEqual(['CONFLICT']);
    expect(gap.errors![0]!.extensions).toMatchObject({ expectedSeq: 1, receivedSeq: 2 });

    const bad = await append({ seq: 1, lines: `${JSON.stringify([3, 'q', 'x'])}\n` });
    expect(errorCodes(bad)).toEqual(['BAD_USER_INPUT']);
    expect(bad.errors![0]!.extensions.field).toBe('line 1');

    const asUser = await append({ seq: 1, lines: castLines(chunk1) }, f.alice.token);
    expect(errorCodes(asUser)).toEqual(['FORBIDDEN']);

    expect(await recordingOf(receipt.recordingId)).toMatchObject({ eventCount: 3, chunkCount: 1, status: 'RECORDING' });

    const final = await append({ seq: 1, lines: castLines(chunk1), isFinal: true });
    expect(final.errors).toBeUndefined();
    expect(final.data!.appendRecordingChunk).toMatchObject({ seq: 1, isDuplicate: false, nextSeq: 2, eventCount: 4, durationSeconds: 3, isComplete: true });

    // The HTTP form and the mutation are one append: the same chunk over HTTP is a duplicate.
    const overHttp = await putChunk(t, f.web.agentToken, session.eventId, 1, castLines(chunk1), { final: 'true' });
    expect(overHttp.status).toBe(200);
    expect(overHttp.body).toMatchObject({ isDuplicate: true, eventCount: 4 });

    const recording = await recordingOf(receipt.recordingId);
    expect(recording).toMatchObject({
      status: 'COMPLETE',
      eventCount: 4,
      chunkCount: 2,
      bytesIn: 1,
      bytesOut: Buffer.byteLength('\u001b[01;32m$\u001b[0m ') + 1 + Buffer.byteLength('naïve ✓\r\n'),
    });
    expect(eventsOfCast(await download(receipt.recordingId))).toEqual([...chunk0, ...chunk1]);
  });
});

describe('copies of a chunk racing each other', () => {
  let session: { eventId: string; sessionId: string };
  let recordingId: string;
  const chunk0: CastEvent[] = [
    [0.1, 'o', 'racing$ '],
    [0.4, 'i', 'x'],
  ];
  const chunk1: CastEvent[] = [
    [1, 'o', 'one\r\n'],
    [1.5, 'o', 'one and a half\r\n'],
  ];
  const chunk2: CastEvent[] = [
    [2, 'o', 'two\r\n'],
    [2.5, 'i', 'y'],
    [3, 'o', 'three\r\n'],
  ];

  it('chunk 0 PUT 5 times at once: exactly one 201, four 200, its events counted once, one recording.started', async () => {
    session = await openSession('race');
    const body = castLines(chunk0, headerOf());
    const answers = await Promise.all(Array.from({ length: 5 }, () => putChunk(t, f.web.agentToken, session.eventId, 0, body)));
    expect(answers.map((answer) => answer.status).sort(), JSON.stringify(answers.map((answer) => answer.body))).toEqual([200, 200, 200, 200, 201]);
    recordingId = answers[0]!.body.recordingId;
    for (const answer of answers) expect(answer.body).toMatchObject({ recordingId, seq: 0, nextSeq: 1, eventCount: 2, isDuplicate: answer.status === 200 });
    expect(await recordingOf(recordingId)).toMatchObject({ eventCount: 2, chunkCount: 1, bytesIn: 1 });
    expect(await auditActions(recordingId)).toEqual(['recording.started']);
  });

  it('chunks 1 and 2 racing (each twice): each stored once, with the right nextSeq; a 2 that came first is told 1 is expected', async () => {
    const body1 = castLines(chunk1);
    const body2 = castLines(chunk2);
    const raced = await Promise.all([
      putChunk(t, f.web.agentToken, session.eventId, 1, body1),
      putChunk(t, f.web.agentToken, session.eventId, 2, body2),
      putChunk(t, f.web.agentToken, session.eventId, 1, body1),
      putChunk(t, f.web.agentToken, session.eventId, 2, body2),
    ]);
    const ones = [raced[0], raced[2]];
    const twos = [raced[1], raced[3]];
    expect(ones.map((answer) => answer.status).sort()).toEqual([200, 201]);
    expect(ones.find((answer) => answer.status === 201)!.body).toMatchObject({ seq: 1, nextSeq: 2, eventCount: 4, isDuplicate: false });
    for (const answer of twos) {
      expect([200, 201, 409]).toContain(answer.status);
      if (answer.status === 409) expect(errorOf(answer)).toMatchObject({ code: 'CONFLICT', expectedSeq: 1, receivedSeq: 2 });
    }
    // The agent sends a refused chunk 2 again once chunk 1 is in.
    if (!twos.some((answer) => answer.status === 201)) twos.push(await putChunk(t, f.web.agentToken, session.eventId, 2, body2));
    const storedTwos = twos.filter((answer) => answer.status === 201);
    expect(storedTwos).toHaveLength(1);
    expect(storedTwos[0]!.body).toMatchObject({ seq: 2, nextSeq: 3, eventCount: 7, isDuplicate: false });
    for (const answer of twos.filter((item) => item.status === 200))
      expect(answer.body).toMatchObject({ seq: 2, isDuplicate: true, nextSeq: 3, eventCount: 7 });

    expect(await recordingOf(recordingId)).toMatchObject({ eventCount: 7, chunkCount: 3, durationSeconds: 3, bytesIn: 2 });
    expect(eventsOfCast(await download(recordingId))).toEqual([...chunk0, ...chunk1, ...chunk2]);
  });
});
