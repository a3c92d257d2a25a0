/**
 * A log found broken raises the alarm: a critical notification for the tenant's holders of
 * audit_logs.view and the `audit.integrity_failed` webhook, naming the first fault.
 */
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { usersHolding } from '../identity/users.js';
import { notify } from '../notifications/notifications.js';
import { publishEvents } from '../realtime/domain-events.js';
import { inTransaction } from '../service-context.js';

export interface LogAlarm {
  readonly kind: string;
  readonly index: number | null;
  readonly message: string;
  readonly faultCount: number;
  readonly size: number;
}

export async function raiseLogAlarm(db: Database, clock: Clock, tenantId: string, alarm: LogAlarm): Promise<void> {
  const ctx = { db, clock, actor: { type: 'system', tenantId, name: 'verifiable-log' } } as const;
  await inTransaction(ctx, async (tx) => {
    await notify(tx, await usersHolding(tx.db, tenantId, 'audit_logs.view'), {
      category: 'security',
      severity: 'critical',
      title: `Verifiable log check failed: ${alarm.faultCount} fault${alarm.faultCount === 1 ? '' : 's'}`,
      body: alarm.message.slice(0, 1000),
      link: '/audit/integrity',
      resourceType: 'log',
      resourceId: alarm.index === null ? null : String(alarm.index),
    });
    await publishEvents(
      tx.db,
      [{ type: 'audit.integrity_failed', tenantId, seq: alarm.index ?? 0, kind: alarm.kind, fromSeq: 0, toSeq: alarm.size }],
      clock.now(),
    );
  });
}
