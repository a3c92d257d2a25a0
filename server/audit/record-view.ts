import { inTransaction, type ServiceContext } from '../service-context.js';
import type { AuditAction } from './actions.js';
import { recordChange } from './record-change.js';

/**
 * Reading the record is itself recorded (as Retraced does for its viewers): who looked at what,
 * with which filter. Written in its own transaction, before the answer is sent.
 */
export async function recordAuditView(
  ctx: ServiceContext,
  action: Extract<AuditAction, 'audit.log_viewed' | 'audit.exported' | 'audit.verified' | 'records.exported'>,
  what: string,
  details: Record<string, unknown>,
): Promise<void> {
  await inTransaction(ctx, (tx) => recordChange(tx, { action, resource: { type: what }, after: details }));
}
