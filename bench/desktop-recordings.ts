/**
 * Desktop recordings: a desktop session's WebM sent by its agent in 1 MiB chunks over the real
 * HTTP PUT path (ingest MB/s), then downloaded as a .webm over HTTP while this process's RSS and
 * heap are sampled, against a paged raw-SQL read of the same chunks in the same process; at two
 * sizes, to show a long session downloads at the database's pace in flat memory. Video is already
 * compressed, so the chunks are random bytes (after the EBML magic a WebM file starts with).
 */
import { randomBytes } from 'node:crypto';
import { startBenchVigil, type BenchVigil } from './support/bench-vigil.js';
import { createBenchTenant, type BenchTenant } from './support/fixtures.js';
import { measured, MIB, type Measured } from './support/memory-sampler.js';
import { size, type BenchOptions } from './support/options.js';
import type { RawSql } from './support/raw-sql.js';
import { compare, printFigure, type BenchmarkResult, type Figure } from './support/report.js';

const MB = 1_000_000;
const CHUNK_BYTES = MIB;
/** What the raw-SQL baseline reads per query, as Vigil does (server/recordings/desktop-recording-queries.ts). */
const PAGE = 4;
const EBML_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);

interface Recording {
  readonly recordingId: string;
  readonly bytes: number;
  readonly chunks: number;
  readonly putSeconds: number;
}

async function ingestRecording(bench: BenchVigil, tenant: BenchTenant, sessionEventId: string, targetBytes: number): Promise<Recording> {
  let bytes = 0;
  let putSeconds = 0;
  let recordingId = '';
  let seq = 0;
  while (bytes < targetBytes) {
    const length = Math.min(CHUNK_BYTES, targetBytes - bytes);
    const data = seq === 0 ? Buffer.concat([EBML_MAGIC, randomBytes(length - EBML_MAGIC.length)]) : randomBytes(length);
    bytes += length;
    const isFinal = bytes >= targetBytes;
    const query = new URLSearchParams({ frames: '30', until: String(seq + 1), ...(isFinal ? { final: 'true' } : {}) });
    if (seq === 0) {
      for (const [name, value] of Object.entries({ protocol: 'rdp', width: '1920', height: '1080', userEmail: tenant.userEmails[0]! })) query.set(name, value);
    }
    const started = performance.now();
    const response = await fetch(`${bench.vigil.baseUrl}/recordings/desktop/${encodeURIComponent(sessionEventId)}/chunks/${seq}?${query}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${tenant.agentTokens[0]}`, 'content-type': 'video/webm;codecs=vp9' },
      body: new Uint8Array(data),
    });
    const receipt = (await response.json()) as { recordingId?: string; isComplete?: boolean };
    putSeconds += (performance.now() - started) / 1000;
    if (response.status !== 201) throw new Error(`chunk ${seq} answered ${response.status}: ${JSON.stringify(receipt)}`);
    if (isFinal && !receipt.isComplete) throw new Error(`the final chunk ${seq} did not complete the recording`);
    recordingId = receipt.recordingId!;
    seq++;
  }
  process.stdout.write(`    sent ${(bytes / MB).toFixed(0)} MB in ${seq} chunks (${putSeconds.toFixed(1)} s in PUTs)\n`);
  return { recordingId, bytes, chunks: seq, putSeconds };
}

/** GET /recordings/desktop/{id}.webm, counting the bytes as they stream. */
async function downloadOverHttp(bench: BenchVigil, token: string, recordingId: string): Promise<number> {
  const response = await fetch(`${bench.vigil.baseUrl}/recordings/desktop/${recordingId}.webm`, { headers: { authorization: `Bearer ${token}` } });
  if (response.status !== 200) throw new Error(`the download answered ${response.status}: ${await response.text()}`);
  let bytes = 0;
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return bytes;
    bytes += value.length;
  }
}

/** The baseline: the same chunks, PAGE at a time by keyset; the bytes counted. */
async function readWithRawSql(raw: RawSql, tenantId: string, recordingId: string): Promise<number> {
  let last = -1;
  let bytes = 0;
  for (;;) {
    const rows = await raw.query<{ seq: number; data: Uint8Array }>(
      'select seq, data from desktop_recording_chunks where tenant_id = $1 and recording_id = $2 and seq > $3 order by seq limit $4',
      [tenantId, recordingId, last, PAGE],
    );
    for (const row of rows) {
      bytes += row.data.length;
      last = row.seq;
    }
    if (rows.length < PAGE) return bytes;
  }
}

export async function benchDesktopRecordings(options: BenchOptions): Promise<BenchmarkResult> {
  const [small, large] = size(options, [10 * MB, 40 * MB], [20 * MB, 200 * MB]);
  const label = (bytes: number) => `${bytes / MB} MB`;
  process.stdout.write(`\n12. Desktop recordings: .webm download of ${label(small)} and ${label(large)} recordings, sent in ${CHUNK_BYTES / MIB} MiB chunks\n`);
  const bench = await startBenchVigil(options);
  try {
    const tenant = await createBenchTenant(bench.vigil, 'desktop-recordings', 1, 1);
    const figures: Figure[] = [];
    const notes: string[] = [];
    const recordings = new Map<number, Recording>();
    for (const [index, target] of [small, large].entries()) {
      const recording = await ingestRecording(bench, tenant, `bench-desktop-${index}`, target);
      recordings.set(target, recording);
      figures.push(
        printFigure({
          label: `Vigil desktop recording ingest over HTTP PUT, ${label(target)}`,
          value: recording.bytes / MB / recording.putSeconds,
          unit: 'MB/s',
        }),
      );
    }
    // One download first, unmeasured: code paths compiled and pools made on first use.
    await downloadOverHttp(bench, tenant.adminToken, recordings.get(small)!.recordingId);

    const http: Record<number, Measured<number>> = {};
    for (const target of [small, large]) {
      http[target] = await measured(() => downloadOverHttp(bench, tenant.adminToken, recordings.get(target)!.recordingId));
      if (http[target].result !== target) throw new Error(`the ${label(target)} download had ${http[target].result} bytes`);
    }
    const runs: Record<number, { vigil: Figure; raw: Figure; rss: Figure; heap: Figure }> = {};
    for (const target of [small, large]) {
      const raw = await measured(() => readWithRawSql(bench.raw, tenant.tenantId, recordings.get(target)!.recordingId));
      if (raw.result !== target) throw new Error(`the raw read of ${label(target)} had ${raw.result} bytes`);
      const vigil = http[target]!;
      runs[target] = {
        vigil: printFigure({ label: `Vigil .webm download over HTTP, ${label(target)}`, value: target / MB / vigil.seconds, unit: 'MB/s' }),
        raw: printFigure({ label: `raw SQL paged read, ${label(target)}`, value: target / MB / raw.seconds, unit: 'MB/s' }),
        rss: printFigure({ label: `Vigil .webm download peak RSS growth, ${label(target)}`, value: Math.max(vigil.peakRssMiB, 0.1), unit: 'MiB' }),
        heap: printFigure({ label: `Vigil .webm download peak heap growth, ${label(target)}`, value: Math.max(vigil.peakHeapMiB, 0.1), unit: 'MiB' }),
      };
      figures.push(runs[target].vigil, runs[target].raw, runs[target].rss, runs[target].heap);
      const detail =
        `Vigil .webm download of ${label(target)}: ${vigil.seconds.toFixed(2)} s; RSS peak in its second half vs its first half ${vigil.lateRssMiB.toFixed(1)} MiB; ` +
        `left after it and a full GC: RSS ${vigil.retainedRssMiB.toFixed(1)} MiB, heap ${vigil.retainedHeapMiB.toFixed(1)} MiB; peak heap growth ${vigil.peakHeapMiB.toFixed(1)} MiB.`;
      process.stdout.write(`  ${detail}\n`);
      notes.push(detail);
    }
    notes.push(
      'Every download is checked to have exactly the bytes sent. The raw baseline reads 4 chunks per query by keyset, as Vigil does; Vigil’s figure also carries the HTTP client reading the download on the same event loop.',
    );
    return {
      benchmark: 'desktop-recordings',
      figures,
      comparisons: [
        compare(`desktop recording download vs raw SQL, ${label(large)}`, runs[large]!.vigil, runs[large]!.raw, { ratioAtLeast: 0.7, description: '>= 0.70' }),
        compare(`desktop recording download memory, ${label(large)} vs ${label(small)}`, runs[large]!.rss, runs[small]!.rss, {
          ratioAtMost: 1.5,
          description: '<= 1.50 (flat)',
        }),
        compare(`desktop recording download heap, ${label(large)} vs ${label(small)}`, runs[large]!.heap, runs[small]!.heap, { description: 'for reference' }),
      ],
      notes,
    };
  } finally {
    await bench.close();
  }
}
