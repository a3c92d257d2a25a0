/**
 * Statements that fall due in the same turn of the event loop go to PostgreSQL on one connection,
 * in one write. A page's nested objects load through several DataLoaders (its servers, its people)
 * that dispatch together; on a pool each statement would take a connection and a socket write of
 * its own, and those writes were the largest item of a page's profile after GC (bench/RESULTS.md,
 * finding 2). postgres.js sends what is queued on one connection within a tick as one write, so a
 * batch of two or more runs on a connection reserved for it, released once all have answered.
 *
 * Where no connection can be reserved (PGlite, a single connection anyway), statements run as
 * they come.
 */
import type { Database, Executor } from './database.js';

export interface ReservedConnection {
  /** drizzle on the reserved connection. */
  readonly db: Executor;
  release(): void;
}

const reservers = new WeakMap<Database, () => Promise<ReservedConnection>>();

/** How `database` reserves one of its pooled connections (postgres.js `reserve()`). */
export function registerReservedConnections(database: Database, reserve: () => Promise<ReservedConnection>): void {
  reservers.set(database, reserve);
}

export interface StatementPipeline {
  /** Runs `work` (which sends its statement at once) with the statements due in the same turn. */
  run<T>(work: (db: Executor) => Promise<T>): Promise<T>;
}

interface Pending {
  run(db: Executor): Promise<void>;
  fail(error: unknown): void;
}

export function statementPipeline(db: Executor): StatementPipeline {
  const reserver = reservers.get(db);
  if (!reserver) return { run: (work) => work(db) };
  const reserve = reserver;
  let pending: Pending[] = [];

  async function flush(): Promise<void> {
    const batch = pending;
    pending = [];
    if (batch.length === 1) return batch[0]!.run(db);
    let reserved: ReservedConnection;
    try {
      reserved = await reserve();
    } catch (error) {
      for (const item of batch) item.fail(error);
      return;
    }
    try {
      await Promise.all(batch.map((item) => item.run(reserved.db)));
    } finally {
      reserved.release();
    }
  }

  return {
    run<T>(work: (db: Executor) => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        if (pending.length === 0) setImmediate(() => void flush());
        pending.push({ run: (on) => work(on).then(resolve, reject), fail: reject });
      });
    },
  };
}
