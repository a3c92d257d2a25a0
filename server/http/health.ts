import type { RequestHandler } from 'express';
import type { DatabaseHandle } from '../db/database.js';
import { countPendingMigrations } from '../db/migrate.js';
import type { ReadRouting } from '../reads/read-routing.js';

const READINESS_TIMEOUT_MS = 2_000;

/** Alive: the process answers. Says nothing about the database, so orchestrators do not restart
 * a healthy process during a database outage. */
export const livenessHandler: RequestHandler = (_req, res) => {
  res.json({ status: 'ok' });
};

/**
 * Ready: the database answers within 2 s and every shipped migration is applied. A read replica's
 * state is reported but never makes an instance unready: its reads fall back to the primary.
 */
export function readinessHandler(database: DatabaseHandle, reads?: ReadRouting): RequestHandler {
  return async (req, res) => {
    try {
      const pending = await withTimeout(
        (async () => {
          await database.ping();
          return countPendingMigrations(database);
        })(),
        READINESS_TIMEOUT_MS,
      );
      if (pending > 0) {
        res.status(503).json({ status: 'unavailable', database: 'ok', pendingMigrations: pending });
        return;
      }
      const replica = reads?.status();
      res.json({ status: 'ok', database: 'ok', pendingMigrations: 0, ...(replica && { readReplica: replica.state }) });
    } catch (error) {
      // The reason goes to the log: /readyz is unauthenticated, and the driver's message names the
      // database's address.
      req.log?.warn({ err: error }, 'readiness check failed');
      res.status(503).json({ status: 'unavailable', database: 'unreachable' });
    }
  };
}

function withTimeout<T>(work: Promise<T>, milliseconds: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${milliseconds} ms`)), milliseconds);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
