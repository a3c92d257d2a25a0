/**
 * Ships the shells' spool files to Vigil: on each pass, the whole records written since the last
 * delivered offset of each file, as one ingestEvents batch per file, then the new offset. A file
 * whose shell has exited (its end record delivered, or its process gone) is removed. What Vigil
 * refuses is handled by EventDelivery (event-delivery.ts): an unknown email is dropped, a refused
 * event set aside.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { AgentConfig } from './agent-config.js';
import { EventDelivery, type AgentEvent } from './event-delivery.js';
import { emailOf, userNameOf } from './people.js';
import { shellEvents, sessionEventId } from './shell-events.js';
import { openSpoolFile, parseRecord, spoolFiles, wholeLines, type SpoolRecord } from './spool-records.js';
import { privateStateDirectory, readOffset, removeDelivered, saveOffset } from './spool-state.js';
import type { VigilClient } from './vigil-client.js';

const SHELL_FILE = /^shell-((\d+)-\d+)\.tsv$/;
/** Records read per file and pass: well under Vigil's 1,000 events a batch. */
const MAX_RECORDS_PER_BATCH = 900;
const MAX_BYTES_PER_PASS = 4 * 1024 * 1024;

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, as another user's process.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class ShellShipper {
  private readonly delivery: EventDelivery;
  private states: Promise<string> | undefined;

  constructor(
    private readonly config: AgentConfig,
    client: VigilClient,
    private readonly log: Logger,
  ) {
    this.delivery = new EventDelivery(client, config.spool, log);
  }

  /** One pass over the spool; throws VigilUnavailable (or a refusal of the whole request) for the caller to back off. */
  async pass(): Promise<number> {
    const files = await spoolFiles(this.config.spool, SHELL_FILE);
    let sent = 0;
    for (const name of files) sent += await this.shipFile(name);
    return sent;
  }

  /**
   * Whether the session of this id has been delivered as far as its start (recordings wait for it):
   * some of its file is, or all of it (the file is gone: a recorder writes it before its recording).
   */
  async isSessionDelivered(session: string): Promise<boolean> {
    const name = `shell-${session}.tsv`;
    if ((await readOffset(await this.stateDirectory(), name)) > 0) return true;
    return !(await stat(path.join(this.config.spool, name)).then(
      () => true,
      () => false,
    ));
  }

  /** Offsets live where only the daemon writes: in the spool, anyone could plant one, or a link. */
  private stateDirectory(): Promise<string> {
    this.states ??= privateStateDirectory(this.config.spool, 'shells').catch((error: unknown) => {
      this.states = undefined;
      throw error;
    });
    return this.states;
  }

  private async shipFile(name: string): Promise<number> {
    const [, session, pid] = SHELL_FILE.exec(name)!;
    const file = path.join(this.config.spool, name);
    const states = await this.stateDirectory();
    const offset = await readOffset(states, name);
    const handle = await openSpoolFile(file);
    if (!handle) return 0;
    let chunk: Buffer;
    let uid: number;
    let modifiedAt: Date;
    let size: number;
    try {
      const info = await handle.stat();
      uid = info.uid;
      modifiedAt = info.mtime;
      size = info.size;
      const length = Math.min(info.size - offset, MAX_BYTES_PER_PASS);
      chunk = Buffer.alloc(Math.max(0, length));
      if (length > 0) await handle.read(chunk, 0, length, offset);
    } finally {
      await handle.close();
    }
    const { lines, bytes } = wholeLines(chunk);
    const records: SpoolRecord[] = [];
    let consumed = 0;
    for (const line of lines) {
      if (records.length >= MAX_RECORDS_PER_BATCH) break;
      consumed += line.bytes;
      const record = parseRecord(line.text);
      if (record) records.push(record);
      else if (line.text !== '') this.log.warn({ file: name, line: line.text.slice(0, 200) }, 'skipping a spool line that is not a record');
    }
    const isExhausted = consumed === bytes && offset + bytes >= size;
    const hasEnded = records.some((record) => record.type === 'end');
    if (isExhausted && !hasEnded && lines.length === 0 && !isProcessAlive(Number(pid)) && Date.now() - modifiedAt.getTime() > 2000) {
      // The shell died without its exit trap (killed, connection lost): its session ends when it last wrote.
      records.push({ type: 'end', at: modifiedAt });
    }
    if (records.length > 0) {
      const username = userNameOf(uid) ?? (records.find((record) => record.type === 'start') as { user?: string } | undefined)?.user ?? `uid-${uid}`;
      await this.delivery.deliver(this.shellEventsFor(session!, username, records));
    }
    if (consumed > 0) await saveOffset(states, name, offset + consumed);
    if (isExhausted && records.some((record) => record.type === 'end')) await removeDelivered(this.config.spool, states, name);
    return records.length;
  }

  private shellEventsFor(session: string, username: string, records: SpoolRecord[]): AgentEvent[] {
    return shellEvents({ session, username, userEmail: this.delivery.emailToSend(emailOf(this.config, username)) }, records);
  }
}

export { sessionEventId };
