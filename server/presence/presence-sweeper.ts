/**
 * Agents that stop sending heartbeats go offline. Every instance runs this sweeper; a server's row
 * is claimed with FOR UPDATE SKIP LOCKED and changed only while still online, so instances
 * sweeping at once take a server offline once. Each server gone offline is recorded as Vigil's
 * own act (`server.offline`, with when it was last seen) and sent as `host.offline`, in the
 * transaction that changed it.
 */
import { sql } from 'drizzle-orm';
import { appendAuditEntries } from '../audit/append-entries.js';
import type { Clock } from '../clock.js';
import { queryRows, type Database } from '../db/database.js';
import type { Disposable } from '../disposable.js';
import { integrateAfterCommit } from '../log/log-registry.js';
import type { Logger } from '../logger.js';
import { startPeriodicJob } from '../periodic-job.js';
import { publishEvents } from '../realtime/domain-events.js';

const BATCH_SIZE = 500;

/** Takes offline every online server silent for `afterSeconds`; returns how many. */
export async function sweepSilentAgents(db: Database, clock: Clock, afterSeconds: number): Promise<number> {
  const now = clock.now();
  const cutoff = new Date(now.getTime() - afterSeconds * 1000).toISOString();
  const tenants = await queryRows<{ tenant_id: string }>(
    db,
    sql`select distinct tenant_id from server_presence where status = 'online' and last_seen_at < ${cutoff}::timestamptz`,
  );
  let total = 0;
  for (const { tenant_id: tenantId } of tenants) {
    const gone = await db.transaction(async (tx) => {
      const rows = await queryRows<{ server_id: string; last_seen_at: Date | string }>(
        tx,
        sql`with claimed as (
              select server_id from server_presence
              where tenant_id = ${tenantId} and status = 'online' and last_seen_at < ${cutoff}::timestamptz
              limit ${BATCH_SIZE} for update skip locked
            )
            update server_presence p set status = 'offline', status_changed_at = ${now.toISOString()}::timestamptz
            from claimed where p.tenant_id = ${tenantId} and p.server_id = claimed.server_id and p.status = 'online'
            returning p.server_id, p.last_seen_at`,
      );
      if (rows.length === 0) return 0;
      await appendAuditEntries(
        tx,
        tenantId,
        rows.map((row) => ({
          occurredAt: now,
          actorType: 'system' as const,
          actorId: 'presence',
          actorEmail: null,
          action: 'server.offline' as const,
          resourceType: 'server',
          resourceId: row.server_id,
          resourceName: null,
          before: { status: 'online' },
          after: { status: 'offline', lastSeenAt: new Date(row.last_seen_at).toISOString(), silentForSeconds: afterSeconds },
          clientIp: null,
          userAgent: null,
          requestId: null,
        })),
      );
      await publishEvents(
        tx,
        rows.map((row) => ({ type: 'host.changed' as const, tenantId, serverId: row.server_id, status: 'offline' as const })),
        now,
      );
      return rows.length;
    });
    if (gone > 0) await integrateAfterCommit(db, tenantId);
    total += gone;
  }
  return total;
}

export function startPresenceSweeper(options: { db: Database; clock: Clock; logger: Logger; afterSeconds: number; intervalMs: number }): Disposable {
  return startPeriodicJob({
    name: 'agent presence sweep',
    intervalMs: options.intervalMs,
    logger: options.logger,
    work: () => sweepSilentAgents(options.db, options.clock, options.afterSeconds),
  });
}
