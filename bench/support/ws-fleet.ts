/**
 * Many graphql-ws subscribers in this process, on raw `ws` sockets speaking the
 * graphql-transport-ws protocol by hand (lighter than graphql-ws's client at thousands of
 * sockets): connection_init, one subscription, and a `{ __typename }` round trip after it, as the
 * tests' client does, so the subscribe message has been handled when `open` resolves.
 *
 * Receipts are timed in the socket's message handler: a round names a marker (a string the
 * payload carries, e.g. the command's line) and each socket's first message containing it is one
 * receipt. Anything else a subscriber is sent (an error, a completion, a close) fails the run.
 */
import WebSocket from 'ws';

export interface Round {
  /** Receipt times (performance.timeOrigin + performance.now(): comparable across threads), in arrival order. */
  readonly times: Float64Array;
  /** Resolves once every expected receipt is in. */
  readonly done: Promise<void>;
}

export interface Fleet {
  readonly size: number;
  /** What went wrong after the sockets were open (an unexpected message or close): fails the run. */
  readonly failures: string[];
  /** Starts a round expecting one receipt of `marker` from each socket that is not watched. */
  expect(marker: string): Round;
  /** `next` messages the watched sockets received (scoping should have kept every one out). */
  readonly watchedReceipts: number;
  close(): Promise<void>;
}

const SUBPROTOCOL = 'graphql-transport-ws';
const CONNECT_TIMEOUT_MS = 60_000;

/**
 * Opens `count` subscribers of `query` on `url` (ws://…), `concurrency` connection handshakes at a
 * time; `params(i)` is the connection_init payload of the i-th. Sockets whose index is in
 * `watched` are counted apart: they must receive nothing.
 */
export async function openFleet(options: {
  url: string;
  query: string;
  count: number;
  params: (index: number) => Record<string, unknown> | undefined;
  concurrency?: number;
  watched?: ReadonlySet<number>;
  /** Called with each failure as it happens (it is also kept in `failures`). */
  onFailure?: (message: string) => void;
}): Promise<Fleet> {
  const sockets: WebSocket[] = [];
  const failures: string[] = [];
  const fail = (message: string) => {
    failures.push(message);
    options.onFailure?.(message);
  };
  let current: { marker: string; times: Float64Array; count: number; resolve: () => void } | undefined;
  let roundIndex = 0;
  let watchedReceipts = 0;
  let isClosing = false;
  const watched = options.watched ?? new Set<number>();

  const openOne = (index: number) =>
    new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(options.url, SUBPROTOCOL);
      let isReady = false;
      let seenRound = -1;
      const timer = setTimeout(() => {
        reject(new Error(`subscriber ${index}: no subscription after ${CONNECT_TIMEOUT_MS} ms`));
        socket.terminate();
      }, CONNECT_TIMEOUT_MS);
      socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: options.params(index) })));
      socket.on('message', (data: Buffer) => {
        const text = data.toString();
        if (isReady) {
          if (watched.has(index)) {
            if (text.includes('"next"')) watchedReceipts++;
            return;
          }
          const round = current;
          if (round && seenRound !== roundIndex && text.includes(round.marker)) {
            round.times[round.count++] = performance.timeOrigin + performance.now();
            seenRound = roundIndex;
            if (round.count === round.times.length) round.resolve();
            return;
          }
          fail(`subscriber ${index} was sent ${text.slice(0, 300)}`);
          return;
        }
        const message = JSON.parse(text) as { type: string; id?: string };
        if (message.type === 'connection_ack') {
          socket.send(JSON.stringify({ type: 'subscribe', id: 's', payload: { query: options.query } }));
          socket.send(JSON.stringify({ type: 'subscribe', id: 'q', payload: { query: '{ __typename }' } }));
        } else if (message.type === 'complete' && message.id === 'q') {
          isReady = true;
          clearTimeout(timer);
          resolve(socket);
        } else if (message.type === 'error' || (message.type === 'complete' && message.id === 's')) {
          reject(new Error(`subscriber ${index}: ${text.slice(0, 300)}`));
        }
      });
      socket.once('close', (code, reason) => {
        clearTimeout(timer);
        if (!isReady) reject(new Error(`subscriber ${index}: closed ${code} ${reason.toString()} before subscribing`));
        else if (!isClosing) fail(`subscriber ${index}: closed ${code} ${reason.toString()}`);
      });
      socket.on('error', (error) => {
        if (!isReady) reject(error);
        else fail(`subscriber ${index}: ${error.message}`);
      });
    });

  const concurrency = options.concurrency ?? 100;
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: Math.min(concurrency, options.count) }, async () => {
        while (next < options.count) {
          const index = next++;
          sockets[index] = await openOne(index);
        }
      }),
    );
  } catch (error) {
    isClosing = true;
    for (const socket of sockets) socket?.terminate();
    throw error;
  }

  return {
    size: sockets.length,
    failures,
    get watchedReceipts() {
      return watchedReceipts;
    },
    expect(marker) {
      let resolve!: () => void;
      const done = new Promise<void>((settle) => (resolve = settle));
      const times = new Float64Array(sockets.length - watched.size);
      roundIndex++;
      current = { marker, times, count: 0, resolve };
      if (times.length === 0) resolve();
      return { times, done };
    },
    async close() {
      isClosing = true;
      current = undefined;
      await Promise.all(
        sockets.map(
          (socket) =>
            new Promise<void>((resolve) => {
              if (socket.readyState === WebSocket.CLOSED) return resolve();
              const timer = setTimeout(() => {
                socket.terminate();
                resolve();
              }, 10_000);
              socket.once('close', () => {
                clearTimeout(timer);
                resolve();
              });
              socket.close(1000);
            }),
        ),
      );
    },
  };
}
