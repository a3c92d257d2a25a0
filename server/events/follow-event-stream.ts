/**
 * Following the event stream: pages from a cursor to the end of the log, then a page each time
 * the tenant's log grows. What wakes a follower is the sequencer's `log.appended` domain event,
 * published in the transaction that places leaves (so it arrives once they are visible, on every
 * instance); what it then reads is everything after its own cursor. The re-read by cursor is what
 * makes the stream lossless and free of repeats: a wake-up says only "look again", however many
 * runs it stands for, and one missed (a listener reconnecting) costs at most `pollMs` of delay.
 *
 * Pages are read only as the consumer takes them (a generator, pulled), so a slow consumer holds
 * at most one page in memory and the log itself is the backlog.
 */
import type { ServiceContext } from '../service-context.js';
import { readEventStream, type EventStreamPage, type EventStreamRead, type LogCatchUp } from './read-event-stream.js';

export interface FollowOptions extends EventStreamRead {
  /** Calls `wake` whenever the tenant's log grows (its `log.appended` events); returns the unsubscribe. */
  readonly onLogAppended: (wake: () => void) => () => void;
  /**
   * Reads again after this long without a wake-up, and yields that page even when it is empty (a
   * heartbeat for the consumer).
   * @default 30_000
   */
  readonly pollMs?: number;
  /** Ends the stream: the consumer went away. A wait in progress ends at once. */
  readonly signal?: AbortSignal;
  /** Awaited before each read (a re-check of who the consumer is); it may end the stream through `signal`. */
  readonly beforeRead?: () => Promise<void>;
}

/**
 * Pages from `after` on, for as long as the consumer pulls them. `context` is asked before each
 * read, so a changed permission applies from the next page on. Every page is yielded, empty ones
 * included once the end is reached, so the consumer sees each endCursor.
 */
export async function* followEventStream(context: () => ServiceContext, log: LogCatchUp, options: FollowOptions): AsyncGenerator<EventStreamPage> {
  const { signal, pollMs = 30_000 } = options;
  let after = options.after ?? null;
  let isWoken = true;
  let wake: (() => void) | undefined;
  const unsubscribe = options.onLogAppended(() => {
    isWoken = true;
    wake?.();
  });
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort);
  try {
    while (!signal?.aborted) {
      if (!isWoken) await nextWakeUp(pollMs, (done) => (wake = done));
      wake = undefined;
      if (signal?.aborted) return;
      // Cleared before the read: a wake-up during it makes the next read come at once.
      isWoken = false;
      await options.beforeRead?.();
      if (signal?.aborted) return;
      const page = await readEventStream(context(), log, { after, first: options.first, filter: options.filter });
      after = page.endCursor;
      if (page.hasMore) isWoken = true;
      yield page;
    }
  } finally {
    unsubscribe();
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Resolves at the wake-up `arm` is handed, or after `ms`, whichever comes first. */
function nextWakeUp(ms: number, arm: (done: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      resolve();
    }
    arm(done);
  });
}
