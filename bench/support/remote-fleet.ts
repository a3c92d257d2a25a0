/**
 * The subscribers of bench/support/ws-fleet.ts on a worker thread: the same process as the server
 * under test, but an event loop of their own, so a receipt is timed when it reaches the client's
 * socket rather than when the server's thread is done sending to everyone, and the server's JS
 * heap holds only the server's side of each connection.
 */
import { Worker } from 'node:worker_threads';

export type FleetRequest =
  | { type: 'open'; url: string; query: string; params: (Record<string, unknown> | undefined)[]; watched: number[]; concurrency: number }
  | { type: 'expect'; marker: string }
  | { type: 'gc' }
  | { type: 'close' };

export type FleetReply =
  | { type: 'opened' | 'armed' | 'collected' | 'closed' }
  | { type: 'received'; times: Float64Array; watchedReceipts: number }
  | { type: 'failure' | 'error'; message: string };

/** The clock both threads share: milliseconds since the epoch, sub-millisecond resolution. */
export const now = () => performance.timeOrigin + performance.now();

export interface RemoteFleet {
  /** Opens `params.length` subscribers (indexes in `watched` must receive nothing). */
  open(options: { url: string; query: string; params: (Record<string, unknown> | undefined)[]; watched: number[]; concurrency?: number }): Promise<void>;
  /** Arms a round for `marker`; the returned promise gives each expected receipt's time (see `now`), in arrival order. */
  expect(marker: string): Promise<{ received: Promise<{ times: Float64Array; watchedReceipts: number }> }>;
  /** Forces garbage collection in the worker (before reading the process's RSS). */
  collectGarbage(): Promise<void>;
  close(): Promise<void>;
  terminate(): Promise<void>;
}

export function startRemoteFleet(): RemoteFleet {
  const entry = new URL('./fleet-worker.ts', import.meta.url).href;
  // Worker threads do not inherit tsx's hooks for their entry module: load it through tsx's API.
  const worker = new Worker(`import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}))`, {
    eval: true,
  });
  let pending: { expecting: FleetReply['type'][]; resolve: (reply: FleetReply) => void; reject: (error: Error) => void } | undefined;
  let failure: Error | undefined;
  const settleWith = (error: Error) => {
    failure ??= error;
    pending?.reject(error);
    pending = undefined;
  };
  worker.on('message', (reply: FleetReply) => {
    if (reply.type === 'failure' || reply.type === 'error') return settleWith(new Error(`subscribers: ${reply.message}`));
    if (pending?.expecting.includes(reply.type)) {
      const { resolve } = pending;
      pending = undefined;
      resolve(reply);
    }
  });
  worker.on('error', (error) => settleWith(error));
  worker.on('exit', (code) => settleWith(new Error(`the subscribers' worker exited (${code})`)));

  const ask = (request: FleetRequest, expecting: FleetReply['type']): Promise<FleetReply> =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      pending = { expecting: [expecting], resolve, reject };
      worker.postMessage(request);
    });

  return {
    async open(options) {
      await ask({ type: 'open', concurrency: 250, ...options }, 'opened');
    },
    async expect(marker) {
      await ask({ type: 'expect', marker }, 'armed');
      const received = new Promise<FleetReply>((resolve, reject) => {
        if (failure) return reject(failure);
        pending = { expecting: ['received'], resolve, reject };
      });
      return { received: received as Promise<{ times: Float64Array; watchedReceipts: number } & FleetReply> };
    },
    async collectGarbage() {
      await ask({ type: 'gc' }, 'collected');
    },
    async close() {
      await ask({ type: 'close' }, 'closed');
    },
    async terminate() {
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
}
