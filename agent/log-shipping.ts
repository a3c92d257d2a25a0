/**
 * What the system log followers (journald-follower.ts, syslog-file-follower.ts) share: their entries
 * become SYSTEM_LOG events, and sftp-server's closes FILE_TRANSFER events too, sent in batches of at
 * most Vigil's 1,000 events; after each batch Vigil took, the follower's place in its source (and
 * the SFTP sessions open there) is saved atomically in the spool's `system-logs/` directory. A crash
 * between the two sends the batch again on restart, which Vigil recognises by its event ids.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { AgentConfig } from './agent-config.js';
import { MAX_EVENTS_PER_BATCH, type AgentEvent, type EventDelivery } from './event-delivery.js';
import { emailOf } from './people.js';
import { SftpTracker, type SftpSessions, type SftpTransfer } from './sftp-transfers.js';
import { privateStateDirectory, readState, saveState } from './spool-state.js';
import { eventIdOf, systemLogEvent, type SystemLogEntry } from './system-log-events.js';

export interface LocatedEntry {
  readonly eventId: string;
  /** Undefined for a line or entry with nothing to ship: the place still moves past it. */
  readonly entry: SystemLogEntry | undefined;
}

interface SavedState<Place> {
  /** What was followed (`journald`, or the file's path): a state of another source is not resumed. */
  readonly source: string;
  readonly place: Place;
  readonly sftp: SftpSessions;
}

const MAX_PATH = 4096;

export class LogShipping<Place> {
  private stateFile: string | undefined;
  private sftp: SftpSessions = {};
  /** The place saved last; undefined before the first start has chosen one. */
  place: Place | undefined;

  constructor(
    private readonly config: AgentConfig,
    private readonly delivery: EventDelivery,
    private readonly source: string,
  ) {}

  /** Reads the saved state, once: the place to resume from, or undefined at first start. */
  async load(): Promise<Place | undefined> {
    if (this.stateFile === undefined) {
      const directory = await privateStateDirectory(this.config.spool, 'system-logs');
      const name = this.source === 'journald' ? 'journald' : `file-${createHash('sha256').update(this.source).digest('hex').slice(0, 16)}`;
      const saved = await readState<SavedState<Place>>(path.join(directory, `${name}.json`));
      this.stateFile = path.join(directory, `${name}.json`);
      if (saved?.source === this.source) {
        this.place = saved.place;
        this.sftp = saved.sftp ?? {};
      }
    }
    return this.place;
  }

  /** Saves a place reached without shipping (the first start's position, a file found rotated). */
  async savePlace(place: Place): Promise<void> {
    await saveState(this.stateFile!, { source: this.source, place, sftp: this.sftp } satisfies SavedState<Place>);
    this.place = place;
  }

  /**
   * Ships the leading `items` whose events fit one batch, then saves `placeAfter(count)`: the place
   * just past the last of them. Resolves with that count, at least one when `items` is not empty.
   */
  async shipBatch(items: readonly LocatedEntry[], placeAfter: (count: number) => Place): Promise<number> {
    const tracker = new SftpTracker(this.sftp);
    const events: AgentEvent[] = [];
    let count = 0;
    for (const { eventId, entry } of items) {
      // An entry makes two events at most: its log line and the transfer it may report.
      if (events.length + 2 > MAX_EVENTS_PER_BATCH) break;
      const transfer = entry && tracker.observe(entry);
      const log = entry && systemLogEvent(eventId, entry);
      events.push(...[log, transfer && this.transferEvent(eventIdOf('ft-', eventId), transfer)].filter((event): event is AgentEvent => event !== undefined));
      count += 1;
    }
    if (events.length > 0) await this.delivery.deliver(events);
    this.sftp = tracker.sessions;
    if (count > 0) await this.savePlace(placeAfter(count));
    return count;
  }

  private transferEvent(eventId: string, transfer: SftpTransfer): AgentEvent | undefined {
    if (transfer.path === '' || transfer.path.length > MAX_PATH) return undefined;
    return {
      eventId,
      kind: 'FILE_TRANSFER',
      fileTransfer: {
        userEmail: this.delivery.emailToSend(emailOf(this.config, transfer.username)) ?? null,
        username: transfer.username,
        direction: transfer.direction,
        objectName: transfer.objectName,
        path: transfer.path,
        sizeBytes: transfer.sizeBytes,
        remoteIp: transfer.remoteIp ?? null,
        status: transfer.status,
        error: transfer.error ?? null,
        occurredAt: transfer.occurredAt.toISOString(),
      },
    };
  }
}
