import type { Disposable } from './disposable.js';
import type { Logger } from './logger.js';

/**
 * Runs `work` every `intervalMs` until disposed. A run never overlaps the previous one; a failed
 * run is logged and tried again next time. Jobs must be safe to run on every instance at once
 * (each one says how: advisory or row locks, SKIP LOCKED, idempotent deletes).
 */
export function startPeriodicJob(options: { name: string; intervalMs: number; logger: Logger; work: () => Promise<unknown> }): Disposable {
  let running: Promise<void> | undefined;
  const tick = () => {
    running ??= options
      .work()
      .then(() => undefined)
      .catch((error: unknown) => options.logger.warn({ err: error, job: options.name }, `${options.name} failed`))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  return {
    async dispose() {
      clearInterval(timer);
      await running;
    },
  };
}
