/**
 * System logs from the journal: `journalctl --follow --output=json` as a child process, resumed
 * with --after-cursor after the last entry Vigil took. At first start, with no cursor saved,
 * VIGIL_AGENT_SYSTEM_LOGS_FROM decides: `now` (the default) starts after the journal's newest entry
 * at that moment, `start` ships the whole journal. Either way the choice is saved at once, so a
 * restart before the next entry neither loses nor repeats anything.
 *
 * Entries are queued as journalctl writes them and shipped by each pass. While Vigil is away they
 * wait in journalctl's pipe (reading pauses once MAX_QUEUED are queued), not in a growing buffer.
 * journalctl is started again (after the daemon's backoff) when it exits. `vigil-agent send` runs
 * journalctl without --follow: everything up to now, then done.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import type { AgentConfig } from './agent-config.js';
import type { Shipper } from './daemon.js';
import { MAX_EVENTS_PER_BATCH, type EventDelivery } from './event-delivery.js';
import { parseJournalLine, type JournalLine } from './journal-entry.js';
import { LogShipping } from './log-shipping.js';

/** Every field whole (--all: else fields over 4096 bytes come as null), no hints on stderr, no pager. */
const BASE_ARGS = ['--output=json', '--all', '--quiet', '--no-pager'];
const MAX_QUEUED = 5_000;

/** The last entry Vigil took, or null: from the journal's start. */
interface JournalPlace {
  readonly cursor: string | null;
}

/** One journalctl process and the entries it wrote that are not shipped yet. */
class JournalReader {
  readonly queue: JournalLine[] = [];
  failure: Error | undefined;
  hasEnded = false;
  private readonly child: ChildProcess;
  private partial = '';
  private stderr = '';
  private isStopping = false;
  private readonly ended: Promise<void>;
  private wake: (() => void) | undefined;

  constructor(args: string[], log: Logger) {
    this.child = spawn('journalctl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (text: string) => {
      const lines = (this.partial + text).split('\n');
      this.partial = lines.pop()!;
      for (const line of lines) {
        const entry = parseJournalLine(line);
        if (entry) this.queue.push(entry);
        else if (line.trim() !== '') log.warn({ line: line.slice(0, 200) }, 'skipping a journalctl line that is not an entry');
      }
      if (this.queue.length >= MAX_QUEUED) this.child.stdout!.pause();
      this.notify();
    });
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (text: string) => (this.stderr = (this.stderr + text).slice(-2000)));
    this.ended = new Promise((resolve) => {
      this.child.once('error', (error) => {
        this.failure = new Error(`cannot run journalctl: ${error.message}`);
        this.end(resolve);
      });
      this.child.once('close', (code, signal) => {
        if (!this.isStopping && code !== 0)
          this.failure ??= new Error(`journalctl ${args.join(' ')} exited with ${code ?? signal}: ${this.stderr.trim() || 'no message'}`);
        this.end(resolve);
      });
    });
  }

  /** The first `count` queued entries are shipped. */
  take(count: number): void {
    this.queue.splice(0, count);
    if (this.queue.length < MAX_QUEUED / 2 && this.child.stdout!.isPaused()) this.child.stdout!.resume();
  }

  /** Resolves once a batch's worth is queued or journalctl has finished. */
  async settled(): Promise<void> {
    while (!this.hasEnded && this.queue.length < MAX_EVENTS_PER_BATCH / 2) {
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  async stop(): Promise<void> {
    this.isStopping = true;
    if (!this.hasEnded) this.child.kill('SIGTERM');
    await this.ended;
  }

  private end(resolve: () => void): void {
    this.hasEnded = true;
    this.notify();
    resolve();
  }

  private notify(): void {
    this.wake?.();
    this.wake = undefined;
  }
}

export class JournaldFollower implements Shipper {
  readonly name = 'system-logs';
  private readonly shipping: LogShipping<JournalPlace>;
  private reader: JournalReader | undefined;

  constructor(
    private readonly config: AgentConfig,
    delivery: EventDelivery,
    private readonly log: Logger,
    private readonly follow: boolean,
  ) {
    this.shipping = new LogShipping(config, delivery, 'journald');
  }

  async pass(): Promise<number> {
    if (!(await this.shipping.load())) await this.chooseFirstPlace();
    if (this.reader?.hasEnded && this.reader.queue.length === 0) {
      const { failure } = this.reader;
      this.reader = undefined;
      if (failure) throw failure;
      if (this.follow) throw new Error('journalctl stopped following the journal');
    }
    const cursor = this.shipping.place!.cursor;
    const reader = (this.reader ??= new JournalReader(
      [...BASE_ARGS, ...(this.follow ? ['--follow'] : []), '--no-tail', ...(cursor ? ['--after-cursor', cursor] : [])],
      this.log,
    ));
    let shipped = 0;
    for (;;) {
      if (!this.follow) await reader.settled();
      const items = reader.queue.slice(0, MAX_EVENTS_PER_BATCH);
      if (items.length === 0) break;
      const count = await this.shipping.shipBatch(items, (taken) => ({ cursor: items[taken - 1]!.cursor }));
      reader.take(count);
      shipped += count;
    }
    if (!this.follow && reader.failure) throw reader.failure;
    return shipped;
  }

  async dispose(): Promise<void> {
    await this.reader?.stop();
  }

  private async chooseFirstPlace(): Promise<void> {
    const cursor = this.config.systemLogsFrom === 'now' ? await newestCursor() : null;
    await this.shipping.savePlace({ cursor });
    this.log.info({ from: cursor ? 'now' : 'the start of the journal' }, 'following the journal');
  }
}

/** The cursor of the journal's newest entry, or null when the journal is empty. */
async function newestCursor(): Promise<string | null> {
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)('journalctl', [...BASE_ARGS, '--lines=1'], { maxBuffer: 64 * 1024 * 1024 }));
  } catch (error) {
    throw new Error(`cannot run journalctl: ${(error as Error).message}`);
  }
  const lines = stdout.split('\n').filter((line) => line.trim() !== '');
  return (lines.length > 0 && parseJournalLine(lines.at(-1)!)?.cursor) || null;
}
