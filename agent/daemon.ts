/**
 * `vigil-agent run`: ships the spool every poll interval until stopped, backing off while Vigil is
 * unreachable. Each part that ships something (shells, recordings, system logs) is a Shipper; a
 * failure in one does not stop the others.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { backoffMs, VigilRefused, VigilUnavailable } from './vigil-client.js';

export interface Shipper {
  readonly name: string;
  /** Delivers what is waiting; resolves with how much was delivered. */
  pass(): Promise<number>;
  /** Ends what the shipper keeps running between passes (a journalctl child), when the daemon stops. */
  dispose?(): Promise<void>;
}

export interface RunningDaemon {
  stop(): Promise<void>;
}

export function startDaemon(shippers: readonly Shipper[], options: { pollMs: number; log: Logger }): RunningDaemon {
  const controller = new AbortController();
  const loops = shippers.map(async (shipper) => {
    let failures = 0;
    while (!controller.signal.aborted) {
      let wait = options.pollMs;
      try {
        await shipper.pass();
        if (failures > 0) options.log.info({ shipper: shipper.name }, 'Vigil reachable again; delivering');
        failures = 0;
      } catch (error) {
        failures += 1;
        wait = backoffMs(failures);
        const level = failures === 1 || failures % 10 === 0 ? 'warn' : 'debug';
        const reason = error instanceof VigilUnavailable || error instanceof VigilRefused ? error.message : String(error);
        options.log[level]({ shipper: shipper.name, failures, retryInMs: wait, reason }, 'delivery failed; will retry');
      }
      await sleep(wait, undefined, { signal: controller.signal }).catch(() => undefined);
    }
  });
  return {
    async stop() {
      controller.abort();
      await Promise.all(loops);
      await Promise.all(shippers.map(async (shipper) => shipper.dispose?.()));
    },
  };
}
