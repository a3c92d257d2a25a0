/**
 * util-linux `script`'s logs turned into asciicast v2 events while they grow. Run as
 * `script --logging-format advanced --log-io <io> --log-timing <timing> -f`, script writes:
 *
 *   io log      a "Script started on …" line, then the raw bytes typed and shown, in the order of
 *               the timing entries, then a "Script done on …" line that no entry counts
 *   timing log  one entry a line, each starting with its delay in seconds since the entry before:
 *                 H <delay> <name> <value>                  a fact (START_TIME, COLUMNS, …)
 *                 O <delay> <bytes>                         the next <bytes> of the io log, shown
 *                 I <delay> <bytes>                         the next <bytes> of the io log, typed
 *                 S <delay> SIGWINCH ROWS=<rows> COLS=<cols>  the terminal was resized
 *
 * Both logs are flushed as written but not together: an entry whose bytes are not in the io log
 * yet waits for the next step. Bytes are decoded as UTF-8 per stream, a character split between
 * two entries joined again; times add up in whole microseconds, so they never go back.
 */
import { readBytes, wholeLines } from './spool-records.js';

type Code = 'o' | 'i' | 'r';
export type CastEvent = [seconds: number, code: Code, data: string];

const MAX_READ = 4 * 1024 * 1024;
const readFrom = (file: string, offset: number) => readBytes(file, offset, offset + MAX_READ);

/** "1.001584" → 1001584 */
function microseconds(delay: string): number | undefined {
  const match = /^(\d+)(?:\.(\d{1,6}))?$/.exec(delay);
  return match ? Number(match[1]) * 1_000_000 + Number((match[2] ?? '').padEnd(6, '0')) : undefined;
}

export class ScriptCastConverter {
  private timingOffset = 0;
  /** Where the next entry's bytes start in the io log; unknown until its first line is whole. */
  private ioOffset: number | undefined;
  private elapsed = 0;
  private readonly decoders = { o: new TextDecoder('utf-8'), i: new TextDecoder('utf-8') };

  constructor(private readonly files: { readonly timing: string; readonly io: string }) {}

  /** The events whose entries and bytes are both written by now. */
  async step(): Promise<CastEvent[]> {
    if (this.ioOffset === undefined) {
      const start = await readFrom(this.files.io, 0);
      const end = start.indexOf(0x0a);
      if (end < 0) return [];
      this.ioOffset = end + 1;
    }
    const { lines } = wholeLines(await readFrom(this.files.timing, this.timingOffset));
    const io = await readFrom(this.files.io, this.ioOffset);
    let used = 0;
    const events: CastEvent[] = [];
    for (const { text: line, bytes } of lines) {
      const [type, delay, ...rest] = line.split(' ');
      const code = type === 'O' ? 'o' : type === 'I' ? 'i' : undefined;
      const length = Number(rest[0]);
      if (code && used + length > io.length) break;
      this.timingOffset += bytes;
      const micros = microseconds(delay ?? '');
      if (micros === undefined) continue;
      this.elapsed += micros;
      const seconds = Number((this.elapsed / 1_000_000).toFixed(6));
      if (code && Number.isInteger(length)) {
        const data = this.decoders[code].decode(io.subarray(used, used + length), { stream: true });
        used += length;
        if (data !== '') events.push([seconds, code, data]);
      } else if (type === 'S') {
        const size = /ROWS=(\d+) COLS=(\d+)/.exec(line);
        if (size) events.push([seconds, 'r', `${size[2]}x${size[1]}`]);
      }
    }
    this.ioOffset += used;
    return events;
  }

  /** What is left once script has exited: the last entries, and any character cut short. */
  async finish(): Promise<CastEvent[]> {
    const events = await this.step();
    const seconds = Number((this.elapsed / 1_000_000).toFixed(6));
    for (const code of ['o', 'i'] as const) {
      const rest = this.decoders[code].decode();
      if (rest !== '') events.push([seconds, code, rest]);
    }
    return events;
  }
}

/** Events as asciicast lines. */
export function castLines(events: readonly CastEvent[]): string {
  return events.map((event) => `${JSON.stringify(event)}\n`).join('');
}
