/**
 * Reading what shells and recorders write into the spool (the format is in shell-hook.ts): whole
 * lines only, so a record still being written is read on the next pass. A recorder writes its
 * session's records with formatRecord, in the shells' format.
 */
import { constants, open, readdir, type FileHandle } from 'node:fs/promises';

export type SpoolRecord =
  | { readonly type: 'start'; readonly at: Date; readonly user: string; readonly tty: string; readonly remoteIp: string; readonly shell: string }
  | { readonly type: 'begin'; readonly seq: number; readonly at: Date; readonly workingDirectory: string; readonly line: string }
  | { readonly type: 'finish'; readonly seq: number; readonly at: Date; readonly exitStatus: number }
  | { readonly type: 'end'; readonly at: Date };

const ESCAPES: Record<string, string> = { '\\': '\\', n: '\n', t: '\t', r: '\r' };

export function unescapeField(value: string): string {
  return value.replace(/\\(.)/g, (whole, char: string) => ESCAPES[char] ?? whole);
}

export function escapeField(value: string): string {
  return value.replace(/[\\\n\t\r]/g, (char) => ({ '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r' })[char]!);
}

/** EPOCHREALTIME as bash or zsh print it ("1733475600.123456", a comma in some locales), to a Date with milliseconds. */
export function parseShellTime(value: string): Date | undefined {
  const match = /^(\d+)(?:[.,](\d+))?$/.exec(value);
  if (!match) return undefined;
  const fraction = (match[2] ?? '').padEnd(3, '0').slice(0, 3);
  return new Date(Number(match[1]) * 1000 + Number(fraction));
}

/** A time as the shells write it: seconds, a dot, six digits. */
export function formatShellTime(at: Date): string {
  const ms = at.getTime();
  return `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}000`;
}

/** A record as its line (without the newline): what a recorder writes for the session it starts. */
export function formatRecord(record: SpoolRecord): string {
  const time = formatShellTime(record.at);
  switch (record.type) {
    case 'start':
      return ['S', time, escapeField(record.user), escapeField(record.tty), escapeField(record.remoteIp), escapeField(record.shell)].join('\t');
    case 'begin':
      return ['B', String(record.seq), time, escapeField(record.workingDirectory), escapeField(record.line)].join('\t');
    case 'finish':
      return ['C', String(record.seq), time, String(record.exitStatus)].join('\t');
    case 'end':
      return `E\t${time}`;
  }
}

/** One line, or undefined for a line that is not a record (damaged, or from a newer agent). */
export function parseRecord(line: string): SpoolRecord | undefined {
  const fields = line.split('\t');
  const at = (index: number) => parseShellTime(fields[index] ?? '');
  switch (fields[0]) {
    case 'S': {
      const time = at(1);
      return (
        time && {
          type: 'start',
          at: time,
          user: unescapeField(fields[2] ?? ''),
          tty: unescapeField(fields[3] ?? ''),
          remoteIp: unescapeField(fields[4] ?? ''),
          shell: fields[5] ?? '',
        }
      );
    }
    case 'B': {
      const time = at(2);
      const seq = Number(fields[1]);
      if (!time || !Number.isInteger(seq) || fields.length < 5) return undefined;
      // A line holds no raw tab (escaped), but take everything after the fourth field anyway.
      return { type: 'begin', seq, at: time, workingDirectory: unescapeField(fields[3]!), line: unescapeField(fields.slice(4).join('\t')) };
    }
    case 'C': {
      const time = at(2);
      const seq = Number(fields[1]);
      const exitStatus = Number(fields[3]);
      if (!time || !Number.isInteger(seq) || !Number.isInteger(exitStatus)) return undefined;
      return { type: 'finish', seq, at: time, exitStatus };
    }
    case 'E': {
      const time = at(1);
      return time && { type: 'end', at: time };
    }
    default:
      return undefined;
  }
}

/** The spool's files whose names match `pattern`, in name order; none while the spool is not made yet. */
export async function spoolFiles(spool: string, pattern: RegExp): Promise<string[]> {
  try {
    return (await readdir(spool)).filter((name) => pattern.test(name)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * Opens a file of the spool for reading, or undefined when it is not there or not a regular file.
 * The spool is writable by everyone and the daemon runs as root: a symbolic link planted there
 * (to /etc/shadow) is not followed, and a FIFO does not block the open.
 */
export async function openSpoolFile(file: string): Promise<FileHandle | undefined> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => undefined);
  if (!handle) return undefined;
  if ((await handle.stat()).isFile()) return handle;
  await handle.close();
  return undefined;
}

/** Bytes [from, to) of `file`, fewer where it ends; none when it is not there. */
export async function readBytes(file: string, from: number, to: number): Promise<Buffer> {
  const handle = await openSpoolFile(file);
  if (!handle) return Buffer.alloc(0);
  try {
    const length = Math.max(0, Math.min(to, (await handle.stat()).size) - from);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = length > 0 ? await handle.read(buffer, 0, length, from) : { bytesRead: 0 };
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * The whole lines of `chunk`, each with the bytes it took (its newline included), and how many
 * bytes they take in all; a trailing partial line is left for later. Bytes are counted before
 * decoding, so a line that is not valid UTF-8 still moves the place read by its own length.
 */
export function wholeLines(chunk: Buffer): { lines: { text: string; bytes: number }[]; bytes: number } {
  const lines: { text: string; bytes: number }[] = [];
  let start = 0;
  for (let end = chunk.indexOf(0x0a); end >= 0; end = chunk.indexOf(0x0a, start)) {
    lines.push({ text: chunk.toString('utf8', start, end), bytes: end + 1 - start });
    start = end + 1;
  }
  return { lines, bytes: start };
}
