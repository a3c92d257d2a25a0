import type { Actor, RequestInfo } from './auth/actor.js';
import type { Clock } from './clock.js';
import type { Database, Executor } from './db/database.js';

/**
 * What every domain service receives: where to read and write, what time it is, who is acting and
 * the request they acted in. Resolvers, the CLI, workers and bots all build one of these.
 */
export interface ServiceContext {
  readonly db: Database;
  readonly clock: Clock;
  readonly actor: Actor;
  readonly request?: RequestInfo;
  /**
   * Skips the audit chain (activity entries are still written). Only the audit-cost benchmark
   * sets it, through startVigil's options; no configuration reaches it.
   */
  readonly isAuditChainOff?: boolean;
}

/** The same context, running inside a transaction. */
export interface TransactionContext extends Omit<ServiceContext, 'db'> {
  readonly db: Executor;
}

/** Runs `work` in one transaction: its change, and later its audit entry and outbox rows, commit together. */
export async function inTransaction<T>(ctx: ServiceContext, work: (tx: TransactionContext) => Promise<T>): Promise<T> {
  return ctx.db.transaction(async (db) => work({ ...ctx, db }));
}
