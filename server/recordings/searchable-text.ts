/**
 * The plain text of a recording's output and input, for search: escape sequences and control
 * characters removed, backspaces applied to typed input, and each event's offset in seconds
 * marked where its text begins, so a match can be turned into "at 4:12 in the recording".
 *
 * A chunk's text begins with the last CARRY_CHARS characters of the text before it (the carry),
 * so a word split across two chunks is still found; the longest search is shorter than the carry.
 */
import type { CarriedText, SearchCarry } from '../db/tables/index.js';
import type { AsciicastEvent } from './asciicast.js';

export const CARRY_CHARS = 256;
/** Longest search string: shorter than the carry, so any match fits inside one chunk's text. */
export const MAX_SEARCH_CHARS = 200;
/** An unterminated escape (a long OSC title) is given up on after this many characters. */
const MAX_PENDING = 512;

export const EMPTY_CARRY: SearchCarry = { o: { text: '', marks: [] }, i: { text: '', marks: [] } };

// CSI (ESC [ … final), OSC (ESC ] … BEL or ST), two-character escapes, then other C0/C1 controls.
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[P^_X][^\x1b]*\x1b\\|\x1b[ -/]*[0-~]/g;
const UNFINISHED_ESCAPE = /\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*\x1b?|[P^_X][^\x1b]*\x1b?|[ -/]*)$/;
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/g;
const CONTROL = /^[\x00-\x1f\x7f\x80-\x9f]$/;

type Mark = readonly [number, number];

/** One stream's text under construction, starting from a carry. */
export class StreamText {
  private text: string;
  private readonly marks: Mark[];
  private pending: string;
  /** How much of the carried text is still as the previous chunk had it (typed input can take some back). */
  private intactCarry: number;

  constructor(
    private readonly stream: 'o' | 'i',
    carry: CarriedText,
  ) {
    this.text = carry.text;
    this.marks = [...carry.marks];
    this.pending = carry.pending ?? '';
    this.intactCarry = carry.text.length;
  }

  append(seconds: number, data: string): void {
    let raw = this.pending + data;
    this.pending = '';
    const unfinished = UNFINISHED_ESCAPE.exec(raw);
    if (unfinished) {
      if (unfinished[0].length <= MAX_PENDING) this.pending = unfinished[0];
      raw = raw.slice(0, unfinished.index);
    }
    this.mark(this.text.length, seconds);
    const plain = raw.replace(ESCAPES, '');
    if (this.stream === 'i') this.type(seconds, plain);
    else this.text += plain.replace(/\r\n?/g, '\n').replace(CONTROLS, '');
  }

  /** Where an event's text begins; of two events at one place, the later wrote what follows. */
  private mark(index: number, seconds: number): void {
    const last = this.marks[this.marks.length - 1];
    if (last && last[0] >= index) {
      while (this.marks.length > 0 && this.marks[this.marks.length - 1]![0] >= index) this.marks.pop();
    }
    this.marks.push([index, seconds]);
  }

  /** Typed input: Enter ends a line, backspace takes back the last character typed on it. */
  private type(seconds: number, keys: string): void {
    let text = this.text;
    const typedFrom = text.length;
    let lowest = typedFrom;
    for (const key of keys) {
      if (key === '\r' || key === '\n') text += '\n';
      else if (key === '\x7f' || key === '\b') {
        if (text.length > 0 && !text.endsWith('\n')) {
          text = text.slice(0, -1);
          lowest = Math.min(lowest, text.length);
        }
      } else if (key === '\t' || !CONTROL.test(key)) text += key;
    }
    this.text = text;
    // Backspaces took back text earlier events wrote: what follows `lowest` is this event's.
    if (lowest < typedFrom) this.mark(lowest, seconds);
    this.intactCarry = Math.min(this.intactCarry, lowest);
  }

  /** Characters at the start that the previous chunk's text had too, unchanged: matches within them were found there. */
  get carriedIntact(): number {
    return this.intactCarry;
  }

  get value(): string {
    return this.text;
  }

  /** The offset in seconds of the event that wrote the character at `index`. */
  secondsAt(index: number): number {
    let low = 0;
    let high = this.marks.length - 1;
    let found = 0;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (this.marks[middle]![0] <= index) {
        found = middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    return this.marks[found]?.[1] ?? 0;
  }

  /** The end of this text, to start the next chunk's with. */
  carryOut(): CarriedText {
    const start = Math.max(0, this.text.length - CARRY_CHARS);
    const marks: Mark[] = [];
    for (const [index, seconds] of this.marks) {
      // The last event to begin at or before the carry's start wrote its first character.
      if (index <= start) marks[0] = [0, seconds];
      else marks.push([index - start, seconds]);
    }
    return { text: this.text.slice(start), marks, ...(this.pending ? { pending: this.pending } : {}) };
  }
}

export interface ChunkText {
  readonly output: StreamText;
  readonly input: StreamText;
}

/** The searchable text of one chunk's events, continuing from `carry`. */
export function chunkText(events: readonly AsciicastEvent[], carry: SearchCarry): ChunkText {
  const output = new StreamText('o', carry.o);
  const input = new StreamText('i', carry.i);
  for (const [seconds, code, data] of events) {
    if (code === 'o') output.append(seconds, data);
    else if (code === 'i') input.append(seconds, data);
  }
  return { output, input };
}
