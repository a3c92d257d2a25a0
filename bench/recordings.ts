/**
 * Recordings: a terminal session's asciicast v2 recording sent by its agent in 1 MiB chunks over
 * the real HTTP PUT path (ingest MB/s), then downloaded as a .cast file over HTTP while this
 * process's RSS and heap are sampled, against a paged raw-SQL read of the same chunks gunzipped
 * in the same process; at two recording sizes, to show a 200 MB recording downloads with flat
 * memory.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { startBenchVigil, type BenchVigil } from './support/bench-vigil.js';
import { measured, MIB, type Measured } from './support/memory-sampler.js';
import { createBenchTenant, type BenchTenant } from './support/fixtures.js';
import { size, type BenchOptions } from './support/options.js';
import type { RawSql } from './support/raw-sql.js';
import { compare, printFigure, type BenchmarkResult, type Figure } from './support/report.js';

const gunzipAsync = promisify(gunzip);
const MB = 1_000_000;
/** Each PUT carries about this many bytes of event lines. */
const CHUNK_BYTES = MIB;
/** What the raw-SQL baseline reads per query, as Vigil does (server/recordings/recording-queries.ts). */
const PAGE = 4;
const HEADER = { version: 2, width: 120, height: 40 };
const INGEST = 'mutation($events: [AgentEventInput!]!) { ingestEvents(events: $events) { accepted events { recordId } } }';
/** The bar for ingest: a 200 MB recording should not take longer than this to arrive. */
const INGEST_SECONDS_EXPECTED = 300;

/** mulberry32: the same recording on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LEVELS = [
  ['INFO ', '32'],
  ['INFO ', '32'],
  ['INFO ', '32'],
  ['DEBUG', '36'],
  ['WARN ', '33'],
  ['ERROR', '31'],
] as const;
const SERVICES = ['api', 'worker', 'scheduler', 'billing', 'auth', 'ingest', 'mailer', 'search'];
const ROUTES = [
  'GET /api/v1/orders',
  'POST /api/v1/orders',
  'GET /api/v1/users',
  'PATCH /api/v1/invoices',
  'GET /healthz',
  'DELETE /api/v1/sessions',
  'GET /api/v2/search',
];
const STATUSES = [200, 200, 200, 200, 201, 204, 304, 400, 404, 500, 503];
const COMMANDS = ['journalctl -fu app.service', 'tail -F /var/log/app/current', 'kubectl logs -f deploy/api --since=1h', 'docker compose logs -f worker'];

/**
 * A realistic terminal session: a prompt, a command typed key by key, then a stream of coloured
 * log lines with timestamps and random hex ids (which gzip cannot squeeze to nothing). Yields
 * asciicast v2 event lines, each exactly as Vigil stores and serves it (JSON.stringify of the event).
 */
function* sessionEvents(seed: number): Generator<string> {
  const random = seeded(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const hex = (length: number) => {
    let text = '';
    while (text.length < length)
      text += Math.floor(random() * 2 ** 32)
        .toString(16)
        .padStart(8, '0');
    return text.slice(0, length);
  };
  const wallStart = Date.UTC(2026, 10, 27, 9, 0, 0);
  let micros = 0;
  const event = (code: 'o' | 'i', data: string) => `${JSON.stringify([micros / 1e6, code, data])}\n`;
  for (;;) {
    micros += 300_000 + Math.floor(random() * 1_500_000);
    yield event('o', '\x1b[1;32mdeploy@srv-0\x1b[0m:\x1b[1;34m~\x1b[0m$ ');
    for (const key of `${pick(COMMANDS)}\r`) {
      micros += 40_000 + Math.floor(random() * 160_000);
      yield event('i', key);
      yield event('o', key === '\r' ? '\r\n' : key);
    }
    const bursts = 20 + Math.floor(random() * 200);
    for (let burst = 0; burst < bursts; burst++) {
      micros += 1_000 + Math.floor(random() * 250_000);
      let data = '';
      const lines = 1 + Math.floor(random() * 6);
      for (let line = 0; line < lines; line++) {
        const [level, colour] = pick(LEVELS);
        const at = new Date(wallStart + micros / 1000 + line).toISOString();
        data +=
          `\x1b[2m${at}\x1b[0m \x1b[${colour}m${level}\x1b[0m ${pick(SERVICES)}[${1000 + Math.floor(random() * 30000)}]: ` +
          `req=${hex(16)} trace=${hex(32)} ${pick(ROUTES)}/${hex(8)} -> \x1b[1m${pick(STATUSES)}\x1b[0m in ${(random() * 900).toFixed(1)}ms user=u${Math.floor(random() * 5000)}\r\n`;
      }
      yield event('o', data);
    }
    micros += 500_000;
    yield event('i', '\x03');
    yield event('o', '^C\r\n');
  }
}

interface Recording {
  readonly recordingId: string;
  /** Bytes of event lines sent (the header line not counted). */
  readonly eventBytes: number;
  readonly chunks: number;
  /** Seconds spent in the PUTs (making the chunks is not counted). */
  readonly putSeconds: number;
}

async function openTerminalSession(bench: BenchVigil, tenant: BenchTenant, eventId: string): Promise<void> {
  const response = await fetch(bench.vigil.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.agentTokens[0]}` },
    body: JSON.stringify({
      query: INGEST,
      variables: {
        events: [
          {
            eventId,
            kind: 'TERMINAL_SESSION_STARTED',
            terminalSessionStarted: {
              userEmail: tenant.userEmails[0],
              username: 'deploy',
              source: 'WEB_TERMINAL',
              startedAt: new Date(Date.now() - 3_600_000).toISOString(),
            },
          },
        ],
      },
    }),
  });
  const body = (await response.json()) as { errors?: unknown };
  if (body.errors) throw new Error(`opening the terminal session failed: ${JSON.stringify(body.errors)}`);
}

/** Sends about `targetBytes` of event lines as the agent would: chunk after chunk, the last one final. */
async function ingestRecording(bench: BenchVigil, tenant: BenchTenant, sessionEventId: string, targetBytes: number, seed: number): Promise<Recording> {
  await openTerminalSession(bench, tenant, sessionEventId);
  const events = sessionEvents(seed);
  let pendingLine = events.next().value as string;
  let eventBytes = 0;
  let putSeconds = 0;
  let recordingId = '';
  let seq = 0;
  let reported = 0;
  while (eventBytes < targetBytes) {
    const budget = Math.min(CHUNK_BYTES, targetBytes - eventBytes);
    const lines: string[] = seq === 0 ? [`${JSON.stringify(HEADER)}\n`] : [];
    let chunkBytes = 0;
    // Event lines are ASCII (JSON escapes the control characters): length is bytes.
    while (chunkBytes === 0 || chunkBytes + pendingLine.length <= budget) {
      lines.push(pendingLine);
      chunkBytes += pendingLine.length;
      pendingLine = events.next().value as string;
    }
    eventBytes += chunkBytes;
    const isFinal = eventBytes >= targetBytes;
    const body = lines.join('');
    const started = performance.now();
    const response = await fetch(
      `${bench.vigil.baseUrl}/recordings/sessions/${encodeURIComponent(sessionEventId)}/chunks/${seq}${isFinal ? '?final=true' : ''}`,
      {
        method: 'PUT',
        headers: { authorization: `Bearer ${tenant.agentTokens[0]}`, 'content-type': 'application/x-asciicast' },
        body,
      },
    );
    const receipt = (await response.json()) as { recordingId?: string; isComplete?: boolean };
    putSeconds += (performance.now() - started) / 1000;
    if (response.status !== 201) throw new Error(`chunk ${seq} answered ${response.status}: ${JSON.stringify(receipt)}`);
    if (isFinal && !receipt.isComplete) throw new Error(`the final chunk ${seq} did not complete the recording`);
    recordingId = receipt.recordingId!;
    seq++;
    if (eventBytes - reported >= 50 * MB || isFinal) {
      reported = eventBytes;
      process.stdout.write(`    sent ${(eventBytes / MB).toFixed(0)} MB in ${seq} chunks (${putSeconds.toFixed(0)} s in PUTs)\n`);
    }
  }
  return { recordingId, eventBytes, chunks: seq, putSeconds };
}

interface Download {
  readonly bytes: number;
  readonly headerLine: string;
}

/** GET /recordings/{id}.cast, counting the bytes as they stream (only the header line is kept). */
async function downloadOverHttp(bench: BenchVigil, token: string, recordingId: string): Promise<Download> {
  const response = await fetch(`${bench.vigil.baseUrl}/recordings/${recordingId}.cast`, { headers: { authorization: `Bearer ${token}` } });
  if (response.status !== 200) throw new Error(`the download answered ${response.status}: ${await response.text()}`);
  let bytes = 0;
  let headerLine = '';
  let isHeaderRead = false;
  const decoder = new TextDecoder();
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    if (!isHeaderRead) {
      const newline = value.indexOf(10);
      headerLine += decoder.decode(newline >= 0 ? value.subarray(0, newline + 1) : value, { stream: newline < 0 });
      isHeaderRead = newline >= 0 || headerLine.length > 64 * 1024;
    }
  }
  return { bytes, headerLine };
}

/** The baseline: the same chunks, PAGE at a time by keyset, each gunzipped whole; the bytes counted. */
async function readWithRawSql(raw: RawSql, tenantId: string, recordingId: string): Promise<number> {
  let last = -1;
  let bytes = 0;
  for (;;) {
    const rows = await raw.query<{ seq: number; data: Uint8Array }>(
      'select seq, data from terminal_recording_chunks where tenant_id = $1 and recording_id = $2 and seq > $3 order by seq limit $4',
      [tenantId, recordingId, last, PAGE],
    );
    for (const row of rows) {
      bytes += (await gunzipAsync(row.data)).length;
      last = row.seq;
    }
    if (rows.length < PAGE) return bytes;
  }
}

/** The download is the header line Vigil writes, then every event line as it was sent. */
function checkDownload(download: Download, recording: Recording, label: string): void {
  const header = JSON.parse(download.headerLine) as Record<string, unknown>;
  if (header.version !== 2 || header.width !== HEADER.width || header.height !== HEADER.height || typeof header.duration !== 'number') {
    throw new Error(`the ${label} download's header line is not the recording's: ${download.headerLine}`);
  }
  const expected = Buffer.byteLength(download.headerLine) + recording.eventBytes;
  if (download.bytes !== expected) throw new Error(`the ${label} download had ${download.bytes} bytes, not ${expected} (header line + event lines sent)`);
}

export async function benchRecordings(options: BenchOptions): Promise<BenchmarkResult> {
  const [small, large] = size(options, [10 * MB, 40 * MB], [20 * MB, 200 * MB]);
  const sizeLabel = (bytes: number) => `${bytes / MB} MB`;
  process.stdout.write(
    `\n7. Recordings: asciicast download of ${sizeLabel(small)} and ${sizeLabel(large)} recordings, sent in ${CHUNK_BYTES / MIB} MiB chunks\n`,
  );
  const bench = await startBenchVigil(options);
  try {
    const tenant = await createBenchTenant(bench.vigil, 'recordings', 1, 1);
    const figures: Figure[] = [];
    const notes: string[] = [];
    const recordings = new Map<number, Recording>();
    for (const [index, target] of [small, large].entries()) {
      const recording = await ingestRecording(bench, tenant, `bench-session-${index}`, target, 0x5eed + index);
      recordings.set(target, recording);
      const [stored] = await bench.raw.query<{ stored: string }>(
        'select stored_bytes::text as stored from terminal_recordings where tenant_id = $1 and id = $2',
        [tenant.tenantId, recording.recordingId],
      );
      figures.push(
        printFigure({
          label: `Vigil recording ingest over HTTP PUT, ${sizeLabel(target)}`,
          value: recording.eventBytes / MB / recording.putSeconds,
          unit: 'MB/s',
        }),
      );
      const detail = `${sizeLabel(target)} recording: ${recording.chunks} chunks, ${recording.putSeconds.toFixed(1)} s of PUTs, stored gzip ${(Number(stored!.stored) / MB).toFixed(1)} MB (${((100 * Number(stored!.stored)) / recording.eventBytes).toFixed(0)}% of the event lines).`;
      process.stdout.write(`  ${detail}\n`);
      notes.push(detail);
      if (target === large && recording.putSeconds > INGEST_SECONDS_EXPECTED) {
        notes.push(
          `Finding: ingesting the ${sizeLabel(target)} recording over HTTP took ${recording.putSeconds.toFixed(0)} s, more than ${INGEST_SECONDS_EXPECTED} s.`,
        );
        process.stdout.write(`  finding: ingesting ${sizeLabel(target)} took ${recording.putSeconds.toFixed(0)} s (> ${INGEST_SECONDS_EXPECTED} s)\n`);
      }
    }

    // One download first, unmeasured: code paths compiled and connection pools made on first use.
    checkDownload(await downloadOverHttp(bench, tenant.adminToken, recordings.get(small)!.recordingId), recordings.get(small)!, 'warm-up');

    const runs: Record<number, { vigil: Figure; raw: Figure; rss: Figure; heap: Figure; rawRss: Figure }> = {};
    const http: Record<number, Measured<Download>> = {};
    for (const target of [small, large]) {
      const recording = recordings.get(target)!;
      http[target] = await measured(() => downloadOverHttp(bench, tenant.adminToken, recording.recordingId));
      checkDownload(http[target].result, recording, sizeLabel(target));
    }
    for (const target of [small, large]) {
      const recording = recordings.get(target)!;
      const raw = await measured(() => readWithRawSql(bench.raw, tenant.tenantId, recording.recordingId));
      if (raw.result !== recording.eventBytes) throw new Error(`the raw read of ${sizeLabel(target)} had ${raw.result} bytes, not ${recording.eventBytes}`);
      const label = sizeLabel(target);
      const vigil = http[target]!;
      runs[target] = {
        vigil: printFigure({ label: `Vigil .cast download over HTTP, ${label}`, value: vigil.result.bytes / MB / vigil.seconds, unit: 'MB/s' }),
        raw: printFigure({ label: `raw SQL paged read + gunzip, ${label}`, value: raw.result / MB / raw.seconds, unit: 'MB/s' }),
        rss: printFigure({ label: `Vigil download peak RSS growth, ${label}`, value: Math.max(vigil.peakRssMiB, 0.1), unit: 'MiB' }),
        heap: printFigure({ label: `Vigil download peak heap growth, ${label}`, value: Math.max(vigil.peakHeapMiB, 0.1), unit: 'MiB' }),
        rawRss: printFigure({ label: `raw SQL read peak RSS growth, ${label}`, value: Math.max(raw.peakRssMiB, 0.1), unit: 'MiB' }),
      };
      figures.push(runs[target].vigil, runs[target].raw, runs[target].rss, runs[target].heap, runs[target].rawRss);
      const mib = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(1)} MiB`;
      const detail =
        `Vigil download of ${label}: ${vigil.seconds.toFixed(2)} s; RSS peak in its second half vs its first half ${mib(vigil.lateRssMiB)}; ` +
        `left after it and a full GC: RSS ${mib(vigil.retainedRssMiB)}, heap ${mib(vigil.retainedHeapMiB)}.`;
      process.stdout.write(`  ${detail}\n`);
      notes.push(detail);
    }
    const smallRun = runs[small]!;
    const largeRun = runs[large]!;
    notes.push(
      `Download correctness checked on every download: bytes received = the header line Vigil writes + the ${sizeLabel(large)} / ${sizeLabel(small)} of event lines sent.`,
      'RSS and heap are sampled every 20 ms in the one process that serves the download and reads it (and, on PGlite, runs the database); growth is over the value after a full GC before each download. Both recordings are ingested before any download, and both Vigil downloads run before the raw reads.',
      `The raw baseline reads ${PAGE} chunks per query by keyset, as Vigil does, and gunzips each chunk whole; Vigil's figure also carries the HTTP client reading the download on the same event loop.`,
    );
    if (bench.engine === 'pglite') {
      notes.push(
        "On PGlite the database runs in this process: it hands each bytea over as a hex string (twice the chunk's stored size, in V8's large-object space) before decoding it, and those strings pile up as garbage until V8's next full GC, in Vigil's download and in the raw read alike. The peak RSS is the top of that sawtooth, set by V8's GC scheduling rather than by anything Vigil keeps: compare what is left after the download and a full GC.",
      );
    }
    return {
      benchmark: 'recordings',
      figures,
      comparisons: [
        compare(`recording download vs raw SQL, ${sizeLabel(large)}`, largeRun.vigil, largeRun.raw, { ratioAtLeast: 0.7, description: '>= 0.70 (issue 20)' }),
        compare(`recording download memory, ${sizeLabel(large)} vs ${sizeLabel(small)}`, largeRun.rss, smallRun.rss, {
          ratioAtMost: 1.5,
          description: '<= 1.50 (flat)',
        }),
        compare(`recording download heap, ${sizeLabel(large)} vs ${sizeLabel(small)}`, largeRun.heap, smallRun.heap, { description: 'for reference' }),
      ],
      notes,
    };
  } finally {
    await bench.close();
  }
}
