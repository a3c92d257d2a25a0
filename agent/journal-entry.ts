/**
 * One line of `journalctl --output=json` as a system log entry. journalctl writes a field as a JSON
 * string when it is UTF-8 text, as an array of byte values when it is not (binary, or another
 * encoding), as an array of values when the entry holds the field more than once, and as null when it
 * is larger than 4096 bytes, unless called with --all (the follower does).
 */
import { eventIdOf, LEVELS, levelOfSeverity, type SystemLogEntry } from './system-log-events.js';

export interface JournalLine {
  /** Where the entry is in the journal: what --after-cursor resumes after. */
  readonly cursor: string;
  readonly eventId: string;
  /** Undefined for an entry without a message or a time: nothing to ship, but a place to move past. */
  readonly entry: SystemLogEntry | undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.length > 0) {
    if (value.every((item) => typeof item === 'number')) return Buffer.from(value).toString('utf8');
    return text(value[0]);
  }
  return undefined;
}

function integer(value: string | undefined): number | undefined {
  return value !== undefined && /^\d{1,10}$/.test(value) ? Number(value) : undefined;
}

/** The entry of a JSON line, or undefined when the line is not an entry with a cursor. */
export function parseJournalLine(line: string): JournalLine | undefined {
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const cursor = text(fields?.__CURSOR);
  if (!cursor) return undefined;
  const eventId = eventIdOf('jd-', cursor);
  const message = text(fields.MESSAGE);
  const microseconds = text(fields.__REALTIME_TIMESTAMP);
  if (message === undefined || !microseconds || !/^\d{1,20}$/.test(microseconds)) return { cursor, eventId, entry: undefined };
  const priority = integer(text(fields.PRIORITY));
  return {
    cursor,
    eventId,
    entry: {
      program: text(fields.SYSLOG_IDENTIFIER) || text(fields._COMM) || 'unknown',
      level: priority !== undefined && priority < LEVELS.length ? levelOfSeverity(priority) : 'INFO',
      pid: integer(text(fields._PID) ?? text(fields.SYSLOG_PID)),
      message,
      loggedAt: new Date(Number(BigInt(microseconds) / 1000n)),
    },
  };
}
