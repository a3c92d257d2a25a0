/**
 * Records a change made by the acting person, agent or Vigil itself: an audit-chain entry always,
 * and a workspace activity-log entry when the action is one the activity log shows. Both are
 * written in the caller's transaction.
 */
import { ACTIVITY_ACTIONS, type ActivityAction } from '../activity/actions.js';
import { recordActorActivity } from '../activity/record-activity.js';
import type { Actor } from '../auth/actor.js';
import { actorId } from '../auth/actor.js';
import type { TransactionContext } from '../service-context.js';
import type { AuditAction } from './actions.js';
import { markQueuedLeaves } from '../log/log-registry.js';
import { appendAuditEntries, type NewAuditEntry } from './append-entries.js';

export interface Change {
  readonly action: AuditAction;
  readonly resource: { readonly type: string; readonly id?: string | null; readonly name?: string | null };
  readonly before?: object | null;
  readonly after?: object | null;
  /** Extra facts for the activity log (the audit entry has before and after instead). */
  readonly activityDetails?: Record<string, unknown>;
}

function actorFields(actor: Actor): Pick<NewAuditEntry, 'actorType' | 'actorId' | 'actorEmail'> {
  return { actorType: actor.type, actorId: actorId(actor), actorEmail: actor.type === 'user' ? actor.email : null };
}

export function auditEntryFor(ctx: Omit<TransactionContext, 'db'>, change: Change): NewAuditEntry {
  return {
    occurredAt: ctx.clock.now(),
    ...actorFields(ctx.actor),
    action: change.action,
    resourceType: change.resource.type,
    resourceId: change.resource.id ?? null,
    resourceName: change.resource.name ?? null,
    before: change.before ?? null,
    after: change.after ?? null,
    clientIp: ctx.request?.clientIp ?? null,
    userAgent: ctx.request?.userAgent ?? null,
    requestId: ctx.request?.requestId || null,
  };
}

const isActivityAction = (action: string): action is ActivityAction => (ACTIVITY_ACTIONS as readonly string[]).includes(action);

/**
 * Call it last in the transaction: the audit append takes the tenant's chain-head lock, held until
 * commit, so everything done after it makes every other writer of the tenant wait longer.
 */
export async function recordChange(ctx: TransactionContext, change: Change): Promise<void> {
  await recordChanges(ctx, [change]);
}

/** Several changes of one act (a decision that approves a request and grants sudo), in order. */
export async function recordChanges(ctx: TransactionContext, changes: readonly Change[]): Promise<void> {
  for (const change of changes) {
    if (isActivityAction(change.action) && change.activityDetails) await recordActorActivity(ctx, change.action, change.activityDetails);
  }
  if (!ctx.isAuditChainOff && changes.length > 0) {
    markQueuedLeaves(ctx.db);
    await appendAuditEntries(
      ctx.db,
      ctx.actor.tenantId,
      changes.map((change) => auditEntryFor(ctx, change)),
    );
  }
}
