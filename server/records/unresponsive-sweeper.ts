/**
 * Running commands that stop reporting become Unresponsive. Every instance runs this sweeper. It
 * works tenant by tenant, one transaction each: the commands it changes are claimed with FOR
 * UPDATE SKIP LOCKED, so instances sweeping at once never change the same command twice and a
 * command locked by an ingesting batch waits for the next sweep. Each change goes into the
 * command's status history, and each sweep of a tenant into its audit log, as Vigil's own act.
 */
import { sql } from 'drizzle-orm';
import { appendAuditEntries } from '../audit/append-entries.js';
import { integrateAfterCommit } from '../log/log-registry.js';
import type { Clock } from '../clock.js';
import { queryRows, type Database } from '../db/database.js';
import type { Disposable } from '../disposable.js';
import { startPeriodicJob } from '../periodic-job.js';
import { publishEvents, recordsChanged } from '../realtime/domain-events.js';
import type { Logger } from '../logger.js';

const BATCH_SIZE = 1000;

/**
 * Marks every Running command silent for `afterSeconds` as Unresponsive, in every tenant or only
 * in `scope.tenantId` (the demo sweeps its own tenant on its own clock); returns how many.
 */
export async function sweepUnresponsiveCommands(db: Database, clock: Clock, afterSeconds: number, scope: { tenantId?: string } = {}): Promise<number> {
  const now = clock.now();
  const cutoff = new Date(now.getTime() - afterSeconds * 1000).toISOString();
  const onlyTenant = scope.tenantId ? sql`tenant_id = ${scope.tenantId} and` : sql``;
  const tenants = await queryRows<{ tenant_id: string }>(
    db,
    sql`select distinct tenant_id from commands where ${onlyTenant} status = 'running' and last_update_at < ${cutoff}::timestamptz`,
  );
  let total = 0;
  for (const { tenant_id: tenantId } of tenants) {
    for (;;) {
      const count = await sweepTenant(db, tenantId, cutoff, now);
      total += count;
      if (count < BATCH_SIZE) break;
    }
  }
  return total;
}

async function sweepTenant(db: Database, tenantId: string, cutoff: string, now: Date): Promise<number> {
  const count = await db.transaction(async (tx) => {
    const changed = await queryRows<{ id: string; server_id: string }>(
      tx,
      sql`
      with claimed as (
        select id from commands
        where tenant_id = ${tenantId} and status = 'running' and last_update_at < ${cutoff}::timestamptz
        order by last_update_at
        limit ${BATCH_SIZE}
        for update skip locked
      ), changed as (
        update commands c set status = 'unresponsive'
        from claimed
        where c.tenant_id = ${tenantId} and c.id = claimed.id and c.status = 'running'
        returning c.id, c.server_id
      ), history as (
        insert into command_status_changes (tenant_id, id, event_id, server_id, command_id, from_status, to_status, reported_at)
        select ${tenantId}, gen_random_uuid(), 'vigil:unresponsive:' || id || ':' || ${now.getTime()}, server_id, id, 'running', 'unresponsive', ${now.toISOString()}::timestamptz
        from changed
        returning command_id
      )
      select history.command_id as id, changed.server_id from history join changed on changed.id = history.command_id`,
    );
    if (changed.length > 0) {
      const byServer = new Map<string, { id: string }[]>();
      for (const row of changed) byServer.set(row.server_id, [...(byServer.get(row.server_id) ?? []), row]);
      await publishEvents(
        tx,
        [...byServer].flatMap(([serverId, rows]) =>
          recordsChanged(
            tenantId,
            serverId,
            'command',
            'updated',
            rows.map((row) => row.id),
          ),
        ),
        now,
      );
      await appendAuditEntries(tx, tenantId, [
        {
          occurredAt: now,
          actorType: 'system',
          actorId: 'unresponsive-sweeper',
          action: 'commands.marked_unresponsive',
          resourceType: 'command',
          after: { count: changed.length, commandIds: changed.map((row) => row.id), silentSince: cutoff },
        },
      ]);
    }
    return changed.length;
  });
  if (count > 0) await integrateAfterCommit(db, tenantId);
  return count;
}

/** Sweeps every `intervalMs` until disposed. */
export function startUnresponsiveSweeper(options: { db: Database; clock: Clock; logger: Logger; afterSeconds: number; intervalMs: number }): Disposable {
  return startPeriodicJob({
    name: 'unresponsive sweep',
    intervalMs: options.intervalMs,
    logger: options.logger,
    async work() {
      const count = await sweepUnresponsiveCommands(options.db, options.clock, options.afterSeconds);
      if (count > 0) options.logger.info({ count }, 'commands marked unresponsive');
    },
  });
}
