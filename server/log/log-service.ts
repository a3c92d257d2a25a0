/**
 * Runs the sequencer and the checkpointer for one Vigil process. After a transaction commits, its
 * writer asks for its tenant's queued leaves to be integrated: the request joins the next run,
 * which starts after the commit and serves every tenant asked for meanwhile, so concurrent writers
 * share runs (group commit) whichever tenants they wrote to. The writer does not wait for that run
 * (its leaves are committed in the queue, as durable as its rows) unless its tenant is behind, so
 * writers are held back only when the sequencer cannot keep up. Readers of what the sequencer
 * derives (positions, proofs, the audit chain, checkpoints) call `catchUp` first instead.
 * A periodic pass on every instance integrates whatever a crashed writer left and signs due
 * checkpoints; checkpoint signing waits for the lock instead of skipping a busy tenant, so the
 * unsigned tail stays bounded under any load.
 */
import type { Clock } from '../clock.js';
import type { Database, Executor } from '../db/database.js';
import type { Disposable } from '../disposable.js';
import type { Logger } from '../logger.js';
import { startPeriodicJob } from '../periodic-job.js';
import { LogInconsistent, signLogCheckpoint, tenantsDueAmong, tenantsDueForCheckpoint, type CheckpointPolicy, type LogSigner } from './checkpoints.js';
import { raiseLogAlarm } from './log-alarm.js';
import { lockTenantLogs } from './log-lock.js';
import { hasQueuedLeaves, integrateQueued, readLogHead, SEQUENCER_BATCH, type Integration } from './sequencer.js';

export interface LogService {
  /** Resolves once every leaf of `tenantId` committed before the call is in the tree. */
  integrate(tenantId: string): Promise<void>;
  /**
   * After a commit that queued leaves of `tenantId`: starts a run for them, and waits for it only
   * while the tenant is behind (its last run hit the batch limit), which is the writers' backpressure.
   */
  afterCommit(tenantId: string): Promise<void>;
  /**
   * Before reading what the sequencer derives: integrates whatever of `tenantId` is queued, so the
   * reader sees every write committed before the call. One index probe when nothing is queued.
   */
  catchUp(tenantId: string): Promise<void>;
  /** Resolves once no run is in flight or asked for (before the database closes). */
  whenIdle(): Promise<void>;
  /** Integrates what is queued and signs a checkpoint if one is due (or `force`). */
  settle(tenantId: string, options?: { force?: boolean }): Promise<void>;
  /** One periodic pass over every tenant. */
  runMaintenance(): Promise<number>;
  start(intervalMs: number): Disposable;
  readonly signer: LogSigner | undefined;
}

/** Tenants served by one transaction at most: its locks are held only while it runs. */
const TENANTS_PER_RUN = 64;

interface Waiter {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function waiter(): Waiter {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

export function createLogService(options: { db: Database; clock: Clock; logger: Logger; signer?: LogSigner; policy: CheckpointPolicy }): LogService {
  const { db, clock, logger, signer, policy } = options;

  /** One transaction: integrate a batch of each tenant, sign where due by size or time (or forced). */
  async function step(tenantIds: readonly string[], force: boolean): Promise<Map<string, Integration>> {
    return db.transaction(async (tx) => {
      const now = clock.now();
      const integrations = await integrateQueued(tx, tenantIds, now);
      // Due by time alone is the periodic pass's to find; here only tenants this step added to.
      const candidates = force ? tenantIds : [...integrations.keys()];
      if (signer && candidates.length > 0) await signDue(tx, candidates, now, force);
      return integrations;
    });
  }

  /** Tenants whose log refused a checkpoint, and when they were last alarmed about it. */
  const alarmedAt = new Map<string, number>();
  /** Alarms are raised after the locked transaction, in one of their own. */
  const refusals: { tenantId: string; message: string; size: number }[] = [];

  /** Signs each due tenant's head; the caller's transaction holds their log locks. */
  async function signDue(tx: Executor, tenantIds: readonly string[], now: Date, force: boolean): Promise<void> {
    for (const tenantId of await tenantsDueAmong(tx, tenantIds, now, policy, force)) {
      try {
        // A savepoint: a refusal must not undo the integration this transaction made.
        await (tx as Database).transaction((savepoint) => signLogCheckpoint(savepoint, signer!, tenantId, now));
      } catch (error) {
        if (!(error instanceof LogInconsistent)) throw error;
        logger.error({ tenantId }, error.message);
        const previous = alarmedAt.get(tenantId) ?? 0;
        if (now.getTime() - previous >= 60 * 60_000) {
          alarmedAt.set(tenantId, now.getTime());
          refusals.push({ tenantId, message: error.message, size: (await readLogHead(tx, tenantId)).size });
        }
      }
    }
  }

  async function raiseRefusals(): Promise<void> {
    for (const refusal of refusals.splice(0)) {
      await raiseLogAlarm(db, clock, refusal.tenantId, {
        kind: 'checkpoint_refused',
        index: refusal.size,
        message: refusal.message,
        faultCount: 1,
        size: refusal.size,
      }).catch((error: unknown) => logger.warn({ err: error, tenantId: refusal.tenantId }, 'raising the log alarm failed'));
    }
  }

  /**
   * Tenants whose last run hit the batch limit: more was queued than one run takes, so their
   * writers wait for the next run. A hint for this process's writers only; any instance may
   * integrate any tenant.
   */
  const behind = new Set<string>();

  /** Integrates everything queued for `tenantIds`, a batch per tenant per transaction. */
  async function drain(tenantIds: readonly string[], force = false): Promise<void> {
    try {
      let remaining = [...tenantIds];
      for (let isFirst = true; remaining.length > 0; isFirst = false) {
        const integrations = await step(remaining, force && isFirst);
        remaining = remaining.filter((tenantId) => {
          const integration = integrations.get(tenantId);
          const isFull = integration !== undefined && integration.toSize - integration.fromSize >= SEQUENCER_BATCH;
          if (isFull) behind.add(tenantId);
          else behind.delete(tenantId);
          return isFull;
        });
      }
    } finally {
      await raiseRefusals();
    }
  }

  /** Drains a group; if the shared run fails, each tenant runs alone so one damaged log stalls no other. */
  async function serve(group: Map<string, Waiter>): Promise<void> {
    for (const tenants of chunks([...group.keys()], TENANTS_PER_RUN)) {
      try {
        await drain(tenants);
        for (const tenantId of tenants) group.get(tenantId)!.resolve();
      } catch (error) {
        if (tenants.length === 1) {
          group.get(tenants[0]!)!.reject(error);
          continue;
        }
        for (const tenantId of tenants) {
          await drain([tenantId]).then(
            () => group.get(tenantId)!.resolve(),
            (alone: unknown) => group.get(tenantId)!.reject(alone),
          );
        }
      }
    }
  }

  /** The tenants asked for since the current run started; they are served by the next one. */
  let next = new Map<string, Waiter>();
  let running = false;
  /** Pending while a run is in flight or asked for; resolved when the last one ends. */
  let idle: Waiter | undefined;

  function runNext(): void {
    if (running) return;
    if (next.size === 0) {
      idle?.resolve();
      idle = undefined;
      return;
    }
    const group = next;
    next = new Map();
    idle ??= waiter();
    running = true;
    void serve(group).finally(() => {
      running = false;
      runNext();
    });
  }

  function integrate(tenantId: string): Promise<void> {
    let waiting = next.get(tenantId);
    if (!waiting) {
      waiting = waiter();
      next.set(tenantId, waiting);
    }
    runNext();
    return waiting.promise;
  }

  function afterCommit(tenantId: string): Promise<void> {
    const run = integrate(tenantId);
    if (behind.has(tenantId)) return run;
    run.catch((error: unknown) => logger.warn({ err: error, tenantId }, 'integrating the log after a commit failed; the periodic pass will'));
    return Promise.resolve();
  }

  async function catchUp(tenantId: string): Promise<void> {
    if (await hasQueuedLeaves(db, tenantId)) await integrate(tenantId);
  }

  async function runMaintenance(): Promise<number> {
    const due = await tenantsDueForCheckpoint(db, clock.now(), policy);
    for (const tenants of chunks(due, TENANTS_PER_RUN)) {
      await drain(tenants);
      // A quiet tenant is due by time: sign even though nothing was integrated.
      if (signer) {
        await db.transaction(async (tx) => {
          await tx.execute(lockTenantLogs(tenants));
          await signDue(tx, tenants, clock.now(), false);
        });
      }
      await raiseRefusals();
    }
    return due.length;
  }

  return {
    signer,
    integrate,
    afterCommit,
    catchUp,
    whenIdle: async () => idle?.promise,
    settle: (tenantId, settleOptions) => drain([tenantId], settleOptions?.force ?? false),
    runMaintenance,
    start(intervalMs) {
      return startPeriodicJob({ name: 'log sequencing and checkpoints', intervalMs, logger, work: runMaintenance });
    },
  };
}
