/**
 * Runs the sequencer and the checkpointer for one Vigil process. After a transaction commits, its
 * writer asks for its tenant's queued leaves to be integrated and waits: the request joins a run
 * that starts after the commit, so concurrent writers share runs (group commit) instead of each
 * taking the lock. A periodic pass on every instance integrates whatever a crashed writer left and
 * signs due checkpoints; checkpoint signing waits for the lock instead of skipping a busy tenant,
 * so the unsigned tail stays bounded under any load.
 */
import type { Clock } from '../clock.js';
import type { Database, Executor } from '../db/database.js';
import type { Disposable } from '../disposable.js';
import type { Logger } from '../logger.js';
import { startPeriodicJob } from '../periodic-job.js';
import { isCheckpointDue, latestLogCheckpoint, LogInconsistent, signLogCheckpoint, tenantsDueForCheckpoint, type CheckpointPolicy, type LogSigner } from './checkpoints.js';
import { raiseLogAlarm } from './log-alarm.js';
import { integrateQueued, lockTenantLog, readLogHead, SEQUENCER_BATCH, type Integration } from './sequencer.js';

export interface LogService {
  /** Resolves once every leaf of `tenantId` committed before the call is in the tree. */
  integrate(tenantId: string): Promise<void>;
  /** Integrates what is queued and signs a checkpoint if one is due (or `force`). */
  settle(tenantId: string, options?: { force?: boolean }): Promise<void>;
  /** One periodic pass over every tenant. */
  runMaintenance(): Promise<number>;
  start(intervalMs: number): Disposable;
  readonly signer: LogSigner | undefined;
}

interface Runs {
  current?: Promise<void>;
  next?: Promise<void>;
}

export function createLogService(options: { db: Database; clock: Clock; logger: Logger; signer?: LogSigner; policy: CheckpointPolicy }): LogService {
  const { db, clock, logger, signer, policy } = options;
  const runsByTenant = new Map<string, Runs>();

  /** One locked transaction: integrate a batch, sign if due by size (or forced). */
  async function step(tenantId: string, force: boolean): Promise<Integration | null> {
    return db.transaction(async (tx) => {
      await tx.execute(lockTenantLog(tenantId));
      const now = clock.now();
      const integration = await integrateQueued(tx, tenantId, now);
      // Due by time alone is the periodic pass's to find; here only what this step added counts.
      if (signer && (integration || force)) await signIfDue(tx, tenantId, now, force);
      return integration;
    });
  }

  /** Tenants whose log refused a checkpoint, and when they were last alarmed about it. */
  const alarmedAt = new Map<string, number>();

  async function signIfDue(tx: Executor, tenantId: string, now: Date, force: boolean): Promise<void> {
    const last = await latestLogCheckpoint(tx, tenantId);
    const head = await readLogHead(tx, tenantId);
    if (!force && !isCheckpointDue(last, head.size, now, policy)) return;
    try {
      // A savepoint: a refusal must not undo the integration this transaction made.
      await (tx as Database).transaction((savepoint) => signLogCheckpoint(savepoint, signer!, tenantId, now));
    } catch (error) {
      if (!(error instanceof LogInconsistent)) throw error;
      logger.error({ tenantId }, error.message);
      const previous = alarmedAt.get(tenantId) ?? 0;
      if (now.getTime() - previous >= 60 * 60_000) {
        alarmedAt.set(tenantId, now.getTime());
        refusals.push({ tenantId, message: error.message, size: head.size });
      }
    }
  }

  /** Alarms are raised after the locked transaction, in one of their own. */
  const refusals: { tenantId: string; message: string; size: number }[] = [];
  async function raiseRefusals(): Promise<void> {
    for (const refusal of refusals.splice(0)) {
      await raiseLogAlarm(db, clock, refusal.tenantId, { kind: 'checkpoint_refused', index: refusal.size, message: refusal.message, faultCount: 1, size: refusal.size }).catch((error: unknown) =>
        logger.warn({ err: error, tenantId: refusal.tenantId }, 'raising the log alarm failed'),
      );
    }
  }

  async function drain(tenantId: string, force = false): Promise<void> {
    try {
      for (let isFirst = true; ; isFirst = false) {
        const integration = await step(tenantId, force && isFirst);
        if (!integration || integration.toSize - integration.fromSize < SEQUENCER_BATCH) return;
      }
    } finally {
      await raiseRefusals();
    }
  }

  function integrate(tenantId: string): Promise<void> {
    const runs = runsByTenant.get(tenantId) ?? {};
    runsByTenant.set(tenantId, runs);
    if (runs.next) return runs.next;
    const start = (): Promise<void> => {
      const run = drain(tenantId).finally(() => {
        if (runs.current === run) runs.current = undefined;
        if (!runs.current && !runs.next) runsByTenant.delete(tenantId);
      });
      runs.current = run;
      return run;
    };
    if (!runs.current) return start();
    const next = runs.current
      .catch(() => undefined)
      .then(() => {
        runs.next = undefined;
        return start();
      });
    runs.next = next;
    return next;
  }

  async function runMaintenance(): Promise<number> {
    let count = 0;
    for (const tenantId of await tenantsDueForCheckpoint(db, clock.now(), policy)) {
      await drain(tenantId);
      // A quiet tenant is due by time: sign even though nothing was integrated.
      await db.transaction(async (tx) => {
        await tx.execute(lockTenantLog(tenantId));
        if (signer) await signIfDue(tx, tenantId, clock.now(), false);
      });
      await raiseRefusals();
      count++;
    }
    return count;
  }

  return {
    signer,
    integrate,
    settle: (tenantId, settleOptions) => drain(tenantId, settleOptions?.force ?? false),
    runMaintenance,
    start(intervalMs) {
      return startPeriodicJob({ name: 'log sequencing and checkpoints', intervalMs, logger, work: runMaintenance });
    },
  };
}

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

/**
 * Called after a transaction of `tenantId` committed. A failure here loses nothing: the leaves
 * are committed in their queue, and the periodic pass integrates them.
 */
export async function integrateAfterCommit(db: Database, tenantId: string, logger?: Logger): Promise<void> {
  const service = services.get(db);
  if (!service) return;
  try {
    await service.integrate(tenantId);
  } catch (error) {
    logger?.warn({ err: error, tenantId }, 'integrating the log after a commit failed; the periodic pass will');
  }
}
