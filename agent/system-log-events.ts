/**
 * A system log entry, from the journal or a syslog file, as the SYSTEM_LOG event Vigil ingests.
 * Event ids come from where the entry sits in its source (a journal cursor, a file's identity and
 * byte offset), so an entry sent twice (the agent stopped before saving its place) is written once.
 */
import { createHash } from 'node:crypto';
import type { AgentEvent } from './event-delivery.js';

/** syslog severities 0-7, in order (RFC 5424 §6.2.1): a journal PRIORITY or PRI & 7 indexes it. */
export const LEVELS = ['EMERGENCY', 'ALERT', 'CRITICAL', 'ERROR', 'WARNING', 'NOTICE', 'INFO', 'DEBUG'] as const;
export type LogLevel = (typeof LEVELS)[number];

export interface SystemLogEntry {
  readonly program: string;
  readonly level: LogLevel;
  readonly pid: number | undefined;
  readonly message: string;
  readonly loggedAt: Date;
}

/** Vigil's limits on a SYSTEM_LOG (server/records/ingest/agent-event.ts). */
const MAX_PROGRAM = 256;
const MAX_MESSAGE = 65_536;
const EVENT_ID = /^[\x21-\x7e]{1,128}$/;

export function levelOfSeverity(severity: number): LogLevel {
  return LEVELS[severity] ?? 'INFO';
}

/**
 * `prefix` + `key` when that is a valid event id (1-128 printable ASCII characters, no spaces);
 * otherwise `prefix` + a SHA-256 of the key, so a long or odd key still names its entry alone.
 */
export function eventIdOf(prefix: string, key: string): string {
  const plain = `${prefix}${key}`;
  return EVENT_ID.test(plain) ? plain : `${prefix}h-${createHash('sha256').update(key).digest('hex')}`;
}

/** Text Vigil takes: no NUL (it refuses text holding one), at most `max` UTF-16 units, no half surrogate pair. */
function storable(text: string, max: number): string {
  let clean = text.replace(/\0/g, '\uFFFD');
  if (clean.length > max) clean = clean.slice(0, /[\uD800-\uDBFF]/.test(clean[max - 1]!) ? max - 1 : max);
  return clean;
}

/** The SYSTEM_LOG event of an entry; undefined for an entry with nothing to say (an empty message). */
export function systemLogEvent(eventId: string, entry: SystemLogEntry): AgentEvent | undefined {
  const message = storable(entry.message.replace(/\s+$/, ''), MAX_MESSAGE);
  if (message.trim() === '') return undefined;
  return {
    eventId,
    kind: 'SYSTEM_LOG',
    systemLog: {
      program: storable(entry.program, MAX_PROGRAM).trim() || 'unknown',
      level: entry.level,
      pid: entry.pid !== undefined && Number.isSafeInteger(entry.pid) && entry.pid >= 0 && entry.pid <= 2 ** 31 - 1 ? entry.pid : null,
      message,
      loggedAt: entry.loggedAt.toISOString(),
    },
  };
}
