/**
 * System logs from a syslog file (/var/log/syslog, /var/log/auth.log …), followed like `tail -F`.
 *
 * The place saved is the file's identity and the bytes delivered from it. The identity is its inode
 * and a hash of its first line (its "head"): the inode alone is not enough, since a file truncated in
 * place (logrotate's copytruncate) keeps it and a new file may reuse a freed one. Each pass:
 *   - another inode at the path: the file was rotated. The old one is looked for by its inode among
 *     its siblings (auth.log.1, auth.log-20261127) and read to its end, and read again for a minute
 *     after, for what the syslog daemon writes to it before it reopens the new file;
 *   - the file shorter than the place, or its head changed: it was truncated, and is read from its start;
 *   - then the whole lines written since the place are shipped.
 * An event id is `sl-<inode>-<head>-<byte offset of the line>`, the same however often it is read.
 * At first start VIGIL_AGENT_SYSTEM_LOGS_FROM decides: `now` (the default) starts at the file's end,
 * `start` at its beginning; a file that does not exist yet is read from its beginning once it does.
 */
import { createHash } from 'node:crypto';
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { AgentConfig } from './agent-config.js';
import type { Shipper } from './daemon.js';
import type { EventDelivery } from './event-delivery.js';
import { LogShipping, type LocatedEntry } from './log-shipping.js';
import { parseSyslogLine } from './syslog-line.js';

interface FilePlace {
  readonly ino: string;
  /** The hash of the first line (at most HEAD_BYTES), once the file has one; until then the offset is 0. */
  readonly head: string | undefined;
  readonly headLength: number;
  /** Bytes delivered: the start of the first line not yet shipped. */
  readonly offset: number;
}

interface RotatedPlace extends FilePlace {
  /** Where the rotated file was last found. */
  readonly path: string;
  readonly rotatedAt: string;
}

interface FollowedPlace {
  /** The file at the followed path; null when it did not exist yet. */
  readonly current: FilePlace | null;
  /** The file rotated away last, still read for ROTATED_DRAIN_MS. */
  readonly rotated?: RotatedPlace;
}

const HEAD_BYTES = 4096;
const CHUNK_BYTES = 1024 * 1024;
const MAX_BYTES_PER_PASS = 4 * CHUNK_BYTES;
const ROTATED_DRAIN_MS = 60_000;
const COMPRESSED = /\.(gz|xz|bz2|zst|lz4|Z)$/;

/** A line of a chunk and where it ends in it (after its newline). */
interface ChunkLine {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** The whole lines of `chunk`; a chunk full to the brim without a newline counts as one line, so a giant line cannot stall the follower. */
function chunkLines(chunk: Buffer, isFull: boolean): ChunkLine[] {
  const lines: ChunkLine[] = [];
  let start = 0;
  for (let newline = chunk.indexOf(0x0a); newline >= 0; newline = chunk.indexOf(0x0a, start)) {
    lines.push({ start, end: newline + 1, text: chunk.subarray(start, newline).toString('utf8').replace(/\r$/, '') });
    start = newline + 1;
  }
  if (lines.length === 0 && isFull) lines.push({ start: 0, end: chunk.length, text: chunk.toString('utf8') });
  return lines;
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/** The file's head (its first line, or its first HEAD_BYTES), or undefined while it has no whole first line. */
async function readHead(handle: FileHandle): Promise<{ head: string; headLength: number } | undefined> {
  const start = await readAt(handle, 0, HEAD_BYTES);
  const newline = start.indexOf(0x0a);
  const headLength = newline >= 0 ? newline + 1 : start.length === HEAD_BYTES ? HEAD_BYTES : 0;
  if (headLength === 0) return undefined;
  return { head: createHash('sha256').update(start.subarray(0, headLength)).digest('hex').slice(0, 16), headLength };
}

async function isSameHead(handle: FileHandle, place: FilePlace): Promise<boolean> {
  if (place.head === undefined) return true;
  const head = await readHead(handle);
  return head?.head === place.head && head.headLength === place.headLength;
}

export class SyslogFileFollower implements Shipper {
  readonly name = 'system-logs';
  private readonly shipping: LogShipping<FollowedPlace>;
  private readonly program: string;

  constructor(
    private readonly config: AgentConfig,
    delivery: EventDelivery,
    private readonly log: Logger,
    private readonly file: string,
  ) {
    this.shipping = new LogShipping(config, delivery, file);
    this.program = path.basename(file);
  }

  async pass(): Promise<number> {
    const handle = await open(this.file, 'r').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    try {
      const ino = handle && String((await handle.stat({ bigint: true })).ino);
      if (!(await this.shipping.load())) await this.chooseFirstPlace(handle, ino);
      let shipped = this.shipping.place!.rotated ? await this.drainRotated() : 0;
      if (!handle) return shipped;
      let current = this.shipping.place!.current;
      if (current && current.ino !== ino) {
        shipped += await this.rotate(current);
        current = null;
      } else if (current && ((await handle.stat()).size < current.offset || !(await isSameHead(handle, current)))) {
        this.log.info({ file: this.file }, 'the file was truncated: reading it from its start');
        current = null;
      }
      if (!current) {
        current = { ino: ino!, head: undefined, headLength: 0, offset: 0 };
        await this.shipping.savePlace({ ...this.shipping.place!, current });
      }
      return shipped + (await this.readOn(handle, current, (place) => ({ ...this.shipping.place!, current: place })));
    } finally {
      await handle?.close();
    }
  }

  private async chooseFirstPlace(handle: FileHandle | undefined, ino: string | undefined): Promise<void> {
    let current: FilePlace | null = null;
    if (handle) {
      const head = await readHead(handle);
      let offset = 0;
      if (this.config.systemLogsFrom === 'now' && head) {
        // The end of the last whole line: a line being written as the agent starts is shipped once whole.
        const size = (await handle.stat()).size;
        const tail = await readAt(handle, Math.max(0, size - CHUNK_BYTES), Math.min(size, CHUNK_BYTES));
        offset = size - tail.length + tail.lastIndexOf(0x0a) + 1;
      }
      current = { ino: ino!, head: head?.head, headLength: head?.headLength ?? 0, offset };
    }
    await this.shipping.savePlace({ current });
    this.log.info({ file: this.file, from: current?.offset ? 'now' : 'its start' }, 'following the file');
  }

  /** The file at the path is another: find the old one among its siblings and keep reading it a while. */
  private async rotate(old: FilePlace): Promise<number> {
    const previous = this.shipping.place!.rotated;
    let shipped = previous ? await this.drainRotated(true) : 0;
    const found = await this.findSibling(old);
    if (!found) {
      this.log.info({ file: this.file }, 'the file was rotated away out of sight: lines written to it after the agent last read it are not shipped');
      return shipped;
    }
    await this.shipping.savePlace({ ...this.shipping.place!, rotated: { ...old, path: found, rotatedAt: new Date().toISOString() } });
    shipped += await this.drainRotated();
    return shipped;
  }

  /** Reads the rotated file on; forgets it once ROTATED_DRAIN_MS passed without anything new (or when `isLast`). */
  private async drainRotated(isLast = false): Promise<number> {
    let rotated = this.shipping.place!.rotated!;
    let handle = await open(rotated.path, 'r').catch(() => undefined);
    if (handle && String((await handle.stat({ bigint: true })).ino) !== rotated.ino) {
      await handle.close();
      handle = undefined;
      // Rotated again meanwhile (auth.log.1 → auth.log.2): look for it once more.
      const found = await this.findSibling(rotated);
      if (found) {
        rotated = { ...rotated, path: found };
        handle = await open(found, 'r').catch(() => undefined);
      }
    }
    let shipped = 0;
    try {
      if (handle) shipped = await this.readOn(handle, rotated, (place) => ({ ...this.shipping.place!, rotated: { ...rotated, ...place } }));
    } finally {
      await handle?.close();
    }
    const isDone = !handle || isLast || (shipped === 0 && Date.now() - Date.parse(rotated.rotatedAt) > ROTATED_DRAIN_MS);
    if (isDone) await this.shipping.savePlace({ current: this.shipping.place!.current });
    return shipped;
  }

  /** A sibling of the followed file (not compressed) with `place`'s inode and head. */
  private async findSibling(place: FilePlace): Promise<string | undefined> {
    const directory = path.dirname(this.file);
    const base = path.basename(this.file);
    for (const name of await readdir(directory).catch(() => [] as string[])) {
      if (name === base || !name.startsWith(base) || COMPRESSED.test(name)) continue;
      const candidate = path.join(directory, name);
      const info = await stat(candidate, { bigint: true }).catch(() => undefined);
      if (!info?.isFile() || String(info.ino) !== place.ino) continue;
      const handle = await open(candidate, 'r');
      try {
        if (await isSameHead(handle, place)) return candidate;
      } finally {
        await handle.close();
      }
    }
    return undefined;
  }

  /** Ships the whole lines after `start`'s offset, saving each batch's place through `saved`. */
  private async readOn(handle: FileHandle, start: FilePlace, saved: (place: FilePlace) => FollowedPlace): Promise<number> {
    let place = start;
    let shipped = 0;
    for (let bytes = 0; bytes < MAX_BYTES_PER_PASS;) {
      if (place.head === undefined) {
        const head = await readHead(handle);
        if (!head) break;
        place = { ...place, ...head };
      }
      const waiting = (await handle.stat()).size - place.offset;
      if (waiting <= 0) break;
      const chunk = await readAt(handle, place.offset, Math.min(waiting, CHUNK_BYTES));
      const lines = chunkLines(chunk, chunk.length === CHUNK_BYTES);
      if (lines.length === 0) break;
      const at = place;
      const now = new Date();
      const items: LocatedEntry[] = lines.map((line) => ({
        eventId: `sl-${at.ino}-${at.head}-${at.offset + line.start}`,
        entry:
          line.text.trim() === ''
            ? undefined
            : (parseSyslogLine(line.text, now, this.program) ?? { program: this.program, level: 'INFO', pid: undefined, message: line.text, loggedAt: now }),
      }));
      const count = await this.shipping.shipBatch(items, (taken) => saved({ ...at, offset: at.offset + lines[taken - 1]!.end }));
      place = { ...at, offset: at.offset + lines[count - 1]!.end };
      bytes += lines[count - 1]!.end;
      shipped += count;
    }
    return shipped;
  }
}
