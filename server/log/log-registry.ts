/**
 * Where a transaction finds the log service that integrates its leaves after commit: a registry
 * kept apart from the service itself, so that the service context (which every service uses) does
 * not import the log service (which uses services in turn).
 */
import type { Database, Executor } from '../db/database.js';
import type { Logger } from '../logger.js';
import type { LogService } from './log-service.js';

const services = new WeakMap<object, LogService>();

/**
 * Transactions known to have queued leaves: those that recorded a change (every write of a
 * covered table comes with its audit entry) or appended a recording chunk. A transaction not
 * marked is not waited for; whatever it queued, the periodic pass integrates within a second.
 */
const queuingTransactions = new WeakSet<object>();

export function markQueuedLeaves(tx: Executor): void {
  queuingTransactions.add(tx);
}

export function queuedLeavesIn(tx: Executor): boolean {
  return queuingTransactions.has(tx);
}

/** Lets transactions on `db` find the log service that integrates after them. */
export function registerLogService(db: Database, service: LogService): () => void {
  services.set(db, service);
  return () => services.delete(db);
}

/** Resolves once the runs asked for on `db` have finished (for readers of the raw tables). */
export async function whenLogIdle(db: Database): Promise<void> {
  await services.get(db)?.whenIdle();
}

/** Integrates whatever of `tenantId` is queued (before work that needs every committed leaf placed). */
export async function catchUpLog(db: Database, tenantId: string): Promise<void> {
  await services.get(db)?.catchUp(tenantId);
}

/**
 * Called after a transaction of `tenantId` committed. A failure here loses nothing: the leaves
 * are committed in their queue, and the periodic pass integrates them.
 */
export async function integrateAfterCommit(db: Database, tenantId: string, logger?: Logger): Promise<void> {
  const service = services.get(db);
  if (!service) return;
  try {
    await service.afterCommit(tenantId);
  } catch (error) {
    logger?.warn({ err: error, tenantId }, 'integrating the log after a commit failed; the periodic pass will');
  }
}
