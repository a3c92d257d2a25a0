/** A chunk's event lines, gzip-compressed for storage, and their digest for recognising re-sends. */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { eventLine, type AsciicastEvent, type AsciicastHeader } from './asciicast.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export interface EncodedChunk {
  readonly data: Buffer;
  readonly rawBytes: number;
  readonly digest: string;
}

/** Compression runs on libuv's pool, off the event loop, and before any transaction opens. */
export async function encodeChunk(events: readonly AsciicastEvent[], header?: AsciicastHeader): Promise<EncodedChunk> {
  const lines = Buffer.from(events.map(eventLine).join(''), 'utf8');
  const digest = createHash('sha256');
  // Chunk 0's header is part of what was sent: the same number with another header is another chunk.
  if (header) digest.update(JSON.stringify(header)).update('\n');
  digest.update(lines);
  return { data: await gzipAsync(lines), rawBytes: lines.length, digest: digest.digest('hex') };
}

export async function decodeChunk(data: Buffer): Promise<string> {
  return (await gunzipAsync(data)).toString('utf8');
}

/** The events of a stored chunk (for search, which needs them one by one). */
export async function chunkEvents(data: Buffer): Promise<AsciicastEvent[]> {
  const text = await decodeChunk(data);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AsciicastEvent);
}
