/**
 * A verification that finds the chain broken raises the alarm: a critical in-app notification for
 * the tenant's admins and holders of audit_logs.view, and the `audit.integrity_failed` webhook.
 */
import { and, eq, isNull, or, sql } from 'drizzle-orm';
import { users } from '../db/tables/index.js';
import { notify } from '../notifications/notifications.js';
import { publishEvents } from '../realtime/domain-events.js';
import { inTransaction, type ServiceContext } from '../service-context.js';
import type { VerificationReport } from './chain-verifier.js';

export async function raiseIntegrityAlarm(ctx: ServiceContext, report: VerificationReport): Promise<void> {
  if (report.isIntact || !report.fault) return;
  const fault = report.fault;
  await inTransaction(ctx, async (tx) => {
    const audience = await tx.db
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.tenantId, ctx.actor.tenantId), isNull(users.disabledAt), or(eq(users.role, 'admin'), sql`'audit_logs.view' = any(${users.permissions})`)));
    await notify(
      tx,
      audience.map((user) => user.id),
      {
        category: 'security',
        severity: 'critical',
        title: `Audit log integrity check failed at entry ${fault.seq}`,
        body: `Verifying entries ${report.fromSeq}–${report.toSeq} found entry ${fault.seq} ${fault.kind}.`,
        link: '/audit/integrity',
        resourceType: 'audit_entry',
        resourceId: String(fault.seq),
      },
    );
    await publishEvents(tx.db, [{ type: 'audit.integrity_failed', tenantId: ctx.actor.tenantId, seq: fault.seq, kind: fault.kind, fromSeq: report.fromSeq, toSeq: report.toSeq }], ctx.clock.now());
  });
}
