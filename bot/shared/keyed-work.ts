/**
 * Work about one subject (a request, an alert) runs in order on this instance, so a message is
 * announced before it is updated and updates never overtake each other; a failure is logged, not
 * retried. Disposing waits for what is under way.
 */
import type { Logger } from '../../server/logger.js';

export interface KeyedWork {
  run(key: string, work: () => Promise<void>): void;
  settled(): Promise<void>;
}

export function keyedWork(logger: Logger, failure: string, field: string): KeyedWork {
  const queues = new Map<string, Promise<void>>();
  return {
    run(key, work) {
      const next = (queues.get(key) ?? Promise.resolve()).then(work).catch((error: unknown) => logger.error({ err: error, [field]: key }, failure));
      queues.set(key, next);
      void next.finally(() => {
        if (queues.get(key) === next) queues.delete(key);
      });
    },
    async settled() {
      await Promise.allSettled([...queues.values()]);
    },
  };
}
