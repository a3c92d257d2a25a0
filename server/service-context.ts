import type { Actor, RequestInfo } from './auth/actor.js';
import type { Clock } from './clock.js';
import type { Database, Executor } from './db/database.js';
import { integrateAfterCommit, queuedLeavesIn } from './log/log-registry.js';
import { answeredOnly, OnCallNotAsked } from './oncall/on-call-asked.js';
import type { OnCallLookup } from './oncall/on-call-directory.js';

/**
 * The database as the layers above the services hold it (the schema, the HTTP and bot layers): a
 * handle they pass to services and never query themselves.
 */
export type DatabaseHandle = Database;

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
  /**
   * Who is on call for the schedules policies name, asked once per operation (server/oncall).
   * Absent (the CLI, the demo), on-call schedules make nobody eligible.
   */
  readonly onCall?: OnCallLookup;
}

/** The same context, running inside a transaction. */
export interface TransactionContext extends Omit<ServiceContext, 'db'> {
  readonly db: Executor;
}

/**
 * Runs `work` in one transaction: its change, and later its audit entry and outbox rows, commit
 * together, with the leaves the tables' triggers queued for the tenant's verifiable log. Once
 * committed, a sequencer run is asked for; this returns without waiting for it (unless the
 * tenant's sequencer is behind), and whoever reads the log's positions catches up first
 * (LogService.catchUp), so what a caller was told is done is in every log-derived read.
 *
 * Who is on call is never asked inside the transaction: work that needs a schedule not asked yet
 * is rolled back, the provider asked, and the work run again (server/oncall/on-call-asked.ts).
 */
export async function inTransaction<T>(ctx: ServiceContext, work: (tx: TransactionContext) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await transactionOnce(ctx, work);
    } catch (error) {
      if (!(error instanceof OnCallNotAsked) || !ctx.onCall || attempt >= MAX_ON_CALL_ATTEMPTS) throw error;
      await ctx.onCall.schedules(ctx.db, error.tenantId, error.keys);
    }
  }
}

/** Attempts of one transaction that found schedules to ask (each asks those it found). */
const MAX_ON_CALL_ATTEMPTS = 4;

async function transactionOnce<T>(ctx: ServiceContext, work: (tx: TransactionContext) => Promise<T>): Promise<T> {
  let hasQueuedLeaves = false;
  const onCall = ctx.onCall && answeredOnly(ctx.onCall);
  const result = await ctx.db.transaction(async (db) => {
    const value = await work({ ...ctx, db, onCall });
    hasQueuedLeaves = queuedLeavesIn(db);
    return value;
  });
  if (hasQueuedLeaves) await integrateAfterCommit(ctx.db, ctx.actor.tenantId);
  return result;
}
