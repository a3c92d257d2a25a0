/**
 * A recording as an asciicast v2 file, produced piece by piece: the header line, then each
 * chunk's event lines as they come out of gunzip. Memory holds a few chunks, whatever the
 * recording's length, so a 200 MB session downloads like a 2 MB one.
 */
import { createGunzip } from 'node:zlib';
import type { Executor } from '../db/database.js';
import type { TerminalRecordingRow } from '../db/tables/index.js';
import { headerLine } from './asciicast.js';
import { storedChunks } from './recording-queries.js';

export async function* castFile(db: Executor, recording: TerminalRecordingRow): AsyncGenerator<Buffer> {
  yield Buffer.from(
    headerLine({
      width: recording.width,
      height: recording.height,
      timestamp: recording.startedAt,
      command: recording.command ?? undefined,
      title: recording.title ?? undefined,
      env: recording.env,
      durationSeconds: recording.status === 'complete' ? recording.durationSeconds : undefined,
    }),
  );
  for await (const chunk of storedChunks(db, recording.tenantId, recording.id)) {
    yield* gunzipped(chunk.data);
  }
}

/** zlib's output pieces: 64 KB rather than its 16 KB default, a quarter of the writes for the same bytes. */
const GUNZIP_PIECE_BYTES = 64 * 1024;

/** The decompressed bytes of one chunk, in the pieces zlib produces them (in its thread pool, beside the main thread). */
async function* gunzipped(data: Buffer): AsyncGenerator<Buffer> {
  const gunzip = createGunzip({ chunkSize: GUNZIP_PIECE_BYTES });
  gunzip.end(data);
  for await (const piece of gunzip) yield piece as Buffer;
}
