/**
 * Worker-thread entry for bench/support/remote-fleet.ts: holds the subscribers' sockets
 * (bench/support/ws-fleet.ts) on an event loop of its own and answers the main thread's requests.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { openFleet, type Fleet } from './ws-fleet.js';
import type { FleetReply, FleetRequest } from './remote-fleet.js';

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

const port = parentPort!;
const reply = (message: FleetReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
let fleet: Fleet | undefined;

port.on(
  'message',
  (request: FleetRequest) =>
    void (async () => {
      try {
        switch (request.type) {
          case 'open': {
            fleet = await openFleet({
              url: request.url,
              query: request.query,
              count: request.params.length,
              params: (index) => request.params[index],
              concurrency: request.concurrency,
              watched: new Set(request.watched),
              onFailure: (message) => reply({ type: 'failure', message }),
            });
            reply({ type: 'opened' });
            break;
          }
          case 'expect': {
            const round = fleet!.expect(request.marker);
            reply({ type: 'armed' });
            await round.done;
            reply({ type: 'received', times: round.times, watchedReceipts: fleet!.watchedReceipts }, [round.times.buffer as ArrayBuffer]);
            break;
          }
          case 'gc': {
            for (let pass = 0; pass < 3; pass++) collectGarbage();
            reply({ type: 'collected' });
            break;
          }
          case 'close': {
            await fleet?.close();
            fleet = undefined;
            reply({ type: 'closed' });
            break;
          }
        }
      } catch (error) {
        reply({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      }
    })(),
);
