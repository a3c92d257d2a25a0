/**
 * Asciicast v2 (https://docs.asciinema.org/manual/asciicast/v2/): a JSON header line, then one
 * JSON array per event, `[seconds since start, code, data]`. Agents send a recording as chunks of
 * these lines; this is where they are read and checked, and where the header of a download is made.
 */
import { BadInput } from '../errors.js';
import { hasLoneSurrogate } from '../validation.js';

/** Output, input, resize and marker events. */
export const EVENT_CODES = ['o', 'i', 'r', 'm'] as const;
export type EventCode = (typeof EVENT_CODES)[number];

export type AsciicastEvent = readonly [seconds: number, code: EventCode, data: string];

export interface AsciicastHeader {
  readonly width: number;
  readonly height: number;
  /** When the recording started; absent in the header means "when it reached Vigil". */
  readonly timestamp?: Date;
  readonly command?: string;
  readonly title?: string;
  readonly env: Record<string, string>;
}

export interface ParsedChunk {
  /** Present when the chunk began with a header line (only chunk 0 may). */
  readonly header?: AsciicastHeader;
  readonly events: readonly AsciicastEvent[];
}

const MAX_DIMENSION = 10_000;
const MAX_ENV_ENTRIES = 32;
const MAX_HEADER_TEXT = 4096;
const RESIZE = /^\d{1,5}x\d{1,5}$/;
const isWellFormed = (text: string) => !hasLoneSurrogate(text);

/**
 * The lines of one chunk. `isHeaderExpected`: chunk 0 starts with the header. Event times must
 * not go back, within the chunk or from `notBeforeSeconds` (where the recording stands).
 */
export function parseChunk(text: string, isHeaderExpected: boolean, notBeforeSeconds: number): ParsedChunk {
  const lines = text.split('\n');
  let header: AsciicastHeader | undefined;
  const events: AsciicastEvent[] = [];
  let last = notBeforeSeconds;
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!.trim();
    if (line === '') continue;
    const field = `line ${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new BadInput(field, `${field} is not JSON`);
    }
    if (!Array.isArray(value)) {
      if (isHeaderExpected && !header && events.length === 0) {
        header = parseHeader(value, field);
        continue;
      }
      throw new BadInput(
        field,
        isHeaderExpected ? `${field}: the header must be the first line` : `${field}: only chunk 0 carries a header; later chunks hold events only`,
      );
    }
    if (isHeaderExpected && !header)
      throw new BadInput(field, 'Chunk 0 must start with the asciicast v2 header line ({"version": 2, "width": …, "height": …})');
    const event = parseEvent(value, field);
    if (event[0] < last) {
      throw new BadInput(field, `${field}: event time ${event[0]} goes back before ${last}; times must not decrease`, { seconds: event[0], notBefore: last });
    }
    last = event[0];
    events.push(event);
  }
  if (isHeaderExpected && !header)
    throw new BadInput('line 1', 'Chunk 0 must start with the asciicast v2 header line ({"version": 2, "width": …, "height": …})');
  return { header, events };
}

function parseEvent(value: unknown[], field: string): AsciicastEvent {
  const [seconds, code, data] = value;
  if (value.length !== 3) throw new BadInput(field, `${field}: an event is [seconds, code, data]`);
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0)
    throw new BadInput(field, `${field}: the time must be a number of seconds, 0 or more`);
  if (typeof code !== 'string' || !(EVENT_CODES as readonly string[]).includes(code)) {
    throw new BadInput(field, `${field}: the event code must be one of ${EVENT_CODES.join(', ')}`);
  }
  if (typeof data !== 'string') throw new BadInput(field, `${field}: the event data must be a string`);
  // A lone surrogate (a JSON escape such as \ud800) is valid JSON but no text: players choke on it.
  if (!isWellFormed(data)) throw new BadInput(field, `${field}: the event data holds an unpaired UTF-16 surrogate`);
  if (code === 'r' && !RESIZE.test(data)) throw new BadInput(field, `${field}: a resize event's data is COLSxROWS, e.g. 120x40`);
  return [seconds, code as EventCode, data];
}

function parseHeader(value: unknown, field: string): AsciicastHeader {
  if (typeof value !== 'object' || value === null) throw new BadInput(field, `${field}: the header must be a JSON object`);
  const header = value as Record<string, unknown>;
  if (header.version !== 2) throw new BadInput(`${field}.version`, `${field}: only asciicast version 2 is accepted`);
  const dimension = (name: 'width' | 'height') => {
    const size = header[name];
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > MAX_DIMENSION) {
      throw new BadInput(`${field}.${name}`, `${field}: ${name} must be a whole number from 1 to ${MAX_DIMENSION}`);
    }
    return size;
  };
  const text = (name: 'command' | 'title') => {
    const item = header[name];
    if (item == null) return undefined;
    if (typeof item !== 'string' || item.length > MAX_HEADER_TEXT || !isWellFormed(item)) {
      throw new BadInput(`${field}.${name}`, `${field}: ${name} must be text of at most ${MAX_HEADER_TEXT} characters`);
    }
    return item;
  };
  let timestamp: Date | undefined;
  if (header.timestamp != null) {
    if (typeof header.timestamp !== 'number' || !Number.isFinite(header.timestamp) || header.timestamp < 0) {
      throw new BadInput(`${field}.timestamp`, `${field}: timestamp must be a Unix time in seconds`);
    }
    timestamp = new Date(Math.round(header.timestamp * 1000));
  }
  const env: Record<string, string> = {};
  if (header.env != null) {
    if (typeof header.env !== 'object' || Array.isArray(header.env)) throw new BadInput(`${field}.env`, `${field}: env must be an object of strings`);
    const entries = Object.entries(header.env as Record<string, unknown>);
    if (entries.length > MAX_ENV_ENTRIES) throw new BadInput(`${field}.env`, `${field}: env may hold at most ${MAX_ENV_ENTRIES} variables`);
    for (const [name, item] of entries) {
      if (typeof item !== 'string' || item.length > MAX_HEADER_TEXT || !isWellFormed(item) || !isWellFormed(name)) {
        throw new BadInput(`${field}.env.${name}`, `${field}: env.${name} must be text`);
      }
      env[name] = item;
    }
  }
  return { width: dimension('width'), height: dimension('height'), timestamp, command: text('command'), title: text('title'), env };
}

/** One event as a line of the file (what is stored, compressed, and what a download sends). */
export function eventLine(event: AsciicastEvent): string {
  return `${JSON.stringify(event)}\n`;
}

/** The header line of a download. */
export function headerLine(header: AsciicastHeader & { readonly durationSeconds?: number }): string {
  const line: Record<string, unknown> = { version: 2, width: header.width, height: header.height };
  if (header.timestamp) line.timestamp = Math.floor(header.timestamp.getTime() / 1000);
  if (header.durationSeconds !== undefined) line.duration = header.durationSeconds;
  if (header.command) line.command = header.command;
  if (header.title) line.title = header.title;
  if (Object.keys(header.env).length > 0) line.env = header.env;
  return `${JSON.stringify(line)}\n`;
}
