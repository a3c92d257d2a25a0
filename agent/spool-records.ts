/**
 * Reading what shells and recorders write into the spool (the format is in shell-hook.ts): whole
 * lines only, so a record still being written is read on the next pass. A recorder writes its
 * session's records with formatRecord, in the shells' format.
 */
import { open } from 'node:fs/promises';

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
      return time && { type: 'start', at: time, user: unescapeField(fields[2] ?? ''), tty: unescapeField(fields[3] ?? ''), remoteIp: unescapeField(fields[4] ?? ''), shell: fields[5] ?? '' };
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

/** Bytes [from, to) of `file`, fewer where it ends; none when it is not there. */
export async function readBytes(file: string, from: number, to: number): Promise<Buffer> {
  const handle = await open(file, 'r').catch(() => undefined);
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

/** The whole lines of `chunk` and how many bytes they take; a trailing partial line is left for later. */
export function wholeLines(chunk: Buffer): { lines: string[]; bytes: number } {
  const last = chunk.lastIndexOf(0x0a);
  if (last < 0) return { lines: [], bytes: 0 };
  return { lines: chunk.subarray(0, last).toString('utf8').split('\n'), bytes: last + 1 };
}
