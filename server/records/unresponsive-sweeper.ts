/**
 * Running commands that stop reporting become Unresponsive. Every instance runs this sweeper; the
 * rows it changes are claimed with FOR UPDATE SKIP LOCKED inside the UPDATE, so instances sweeping
 * at once never change the same command twice, and a command locked by an ingesting batch is left
 * for the next sweep. Each change is kept in the command's status history like an agent's report.
 */
import { sql } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import type { Disposable } from '../disposable.js';
import { queryRows, type Database } from '../db/database.js';
import type { Logger } from '../logger.js';

const BATCH_SIZE = 1000;

/** Marks every Running command silent for `afterSeconds` as Unresponsive; returns how many. */
export async function sweepUnresponsiveCommands(db: Database, clock: Clock, afterSeconds: number): Promise<number> {
  const now = clock.now();
  const cutoff = new Date(now.getTime() - afterSeconds * 1000).toISOString();
  let total = 0;
  for (;;) {
    const swept = await queryRows<{ count: number }>(
      db,
      sql`
      with claimed as (
        select tenant_id, id from commands
        where status = 'running' and last_update_at < ${cutoff}::timestamptz
        order by last_update_at
        limit ${BATCH_SIZE}
        for update skip locked
      ), changed as (
        update commands c set status = 'unresponsive'
        from claimed
        where c.tenant_id = claimed.tenant_id and c.id = claimed.id and c.status = 'running'
        returning c.tenant_id, c.id, c.server_id
      ), history as (
        insert into command_status_changes (tenant_id, id, event_id, server_id, command_id, from_status, to_status, reported_at)
        select tenant_id, gen_random_uuid(), 'vigil:unresponsive:' || id || ':' || ${now.getTime()}, server_id, id, 'running', 'unresponsive', ${now.toISOString()}::timestamptz
        from changed
        returning 1
      )
      select count(*)::int as count from history`,
    );
    const count = swept[0]?.count ?? 0;
    total += count;
    if (count < BATCH_SIZE) return total;
  }
}

/** Sweeps every `intervalMs` until disposed; a failed sweep is logged and tried again next time. */
export function startUnresponsiveSweeper(options: {
  db: Database;
  clock: Clock;
  logger: Logger;
  afterSeconds: number;
  intervalMs: number;
}): Disposable {
  let running: Promise<void> | undefined;
  const sweep = () => {
    running ??= sweepUnresponsiveCommands(options.db, options.clock, options.afterSeconds)
      .then((count) => {
        if (count > 0) options.logger.info({ count }, 'commands marked unresponsive');
      })
      .catch((error: unknown) => options.logger.warn({ err: error }, 'unresponsive sweep failed'))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(sweep, options.intervalMs);
  timer.unref();
  return {
    async dispose() {
      clearInterval(timer);
      await running;
    },
  };
}
