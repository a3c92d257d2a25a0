/**
 * A verification that finds the chain broken raises the alarm: a critical in-app notification for
 * the tenant's admins and holders of audit_logs.view, and the `audit.integrity_failed` webhook.
 */
import { usersHolding } from '../identity/users.js';
import { notify } from '../notifications/notifications.js';
import { publishEvents } from '../realtime/domain-events.js';
import { inTransaction, type ServiceContext } from '../service-context.js';
import type { VerificationReport } from './chain-verifier.js';

export async function raiseIntegrityAlarm(ctx: ServiceContext, report: VerificationReport): Promise<void> {
  if (report.isIntact || !report.fault) return;
  const fault = report.fault;
  await inTransaction(ctx, async (tx) => {
    await notify(tx, await usersHolding(tx.db, ctx.actor.tenantId, 'audit_logs.view'), {
      category: 'security',
      severity: 'critical',
      title: `Audit log integrity check failed at entry ${fault.seq}`,
      body: `Verifying entries ${report.fromSeq}–${report.toSeq} found entry ${fault.seq} ${fault.kind}.`,
      link: '/audit/integrity',
      resourceType: 'audit_entry',
      resourceId: String(fault.seq),
    });
    await publishEvents(
      tx.db,
      [{ type: 'audit.integrity_failed', tenantId: ctx.actor.tenantId, seq: fault.seq, kind: fault.kind, fromSeq: report.fromSeq, toSeq: report.toSeq }],
      ctx.clock.now(),
    );
  });
}
