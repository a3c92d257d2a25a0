import { inTransaction, type ServiceContext } from '../service-context.js';
import type { AuditAction } from './actions.js';
import { recordChange, type Change } from './record-change.js';

/**
 * Reading the record is itself recorded (as Retraced does for its viewers): who looked at what,
 * with which filter. So is every send someone asks for outside the normal flow (a test of a
 * webhook or a channel). Written in its own transaction, before the answer is sent.
 */
export async function recordAuditView(
  ctx: ServiceContext,
  action: Extract<
    AuditAction,
    'audit.log_viewed' | 'audit.exported' | 'audit.verified' | 'records.exported' | 'recording.searched' | 'webhook.tested' | 'channel.tested'
  >,
  what: string | Change['resource'],
  details: Record<string, unknown>,
): Promise<void> {
  await inTransaction(ctx, (tx) => recordChange(tx, { action, resource: typeof what === 'string' ? { type: what } : what, after: details }));
}
