import type { Actor, RequestInfo } from '../auth/actor.js';
import type { Executor } from '../db/database.js';
import { postgresErrorCode } from '../db/db-errors.js';
import { activityLog } from '../db/tables/index.js';
import { newId } from '../ids.js';
import type { TransactionContext } from '../service-context.js';
import type { ActivityAction } from './actions.js';

export interface ActivityEntry {
  readonly tenantId: string;
  readonly action: ActivityAction;
  /** HTTP-like: 200 done, 401 refused credentials, 403 not allowed, … */
  readonly result: number;
  readonly userId?: string | null;
  readonly userEmail?: string | null;
  readonly details?: Record<string, unknown>;
  readonly request?: RequestInfo;
  readonly occurredAt: Date;
}

/** Writes one activity-log entry, in the caller's transaction when given one. */
export async function recordActivity(db: Executor, entry: ActivityEntry): Promise<void> {
  await recordActivities(db, [entry]);
}

/** Writes many entries in one statement; returns their ids, in order. */
export async function recordActivities(db: Executor, entries: readonly ActivityEntry[]): Promise<string[]> {
  if (entries.length === 0) return [];
  const rows = entries.map(toRow);
  await db.insert(activityLog).values(rows);
  return rows.map((row) => row.id);
}

function toRow(entry: ActivityEntry): typeof activityLog.$inferInsert {
  return {
    tenantId: entry.tenantId,
    id: newId(),
    userId: entry.userId ?? null,
    userEmail: entry.userEmail ?? null,
    action: entry.action,
    result: entry.result,
    ipAddress: entry.request?.clientIp ?? null,
    userAgent: entry.request?.userAgent ?? null,
    details: entry.details ?? {},
    requestId: entry.request?.requestId || null,
    occurredAt: entry.occurredAt,
  };
}

/** The person behind an actor, as the activity log names them. */
export function activityActor(actor: Actor): { userId: string | null; userEmail: string | null; details: Record<string, unknown> } {
  if (actor.type === 'user') return { userId: actor.userId, userEmail: actor.email, details: {} };
  if (actor.type === 'agent') return { userId: null, userEmail: null, details: { agentTokenId: actor.tokenId, serverId: actor.serverId } };
  return { userId: null, userEmail: null, details: { by: actor.name } };
}

/**
 * Records a refused credential (a failed sign-in) outside any transaction: the request itself
 * fails, but the attempt must stay visible. A token naming a tenant that does not exist is
 * dropped silently, as there is no tenant to file it under.
 */
export async function recordFailedSignIn(db: Executor, entry: Omit<ActivityEntry, 'action' | 'result'>): Promise<void> {
  try {
    await recordActivity(db, { ...entry, action: 'auth.sign_in_failed', result: 401 });
  } catch (error) {
    if (postgresErrorCode(error) !== '23503' && postgresErrorCode(error) !== '22P02') throw error;
  }
}

/** Records what the acting person (or Vigil) just did, inside the mutation's transaction. */
export async function recordActorActivity(ctx: TransactionContext, action: ActivityAction, details: Record<string, unknown>, result = 200): Promise<void> {
  const who = activityActor(ctx.actor);
  await recordActivity(ctx.db, {
    tenantId: ctx.actor.tenantId,
    action,
    result,
    userId: who.userId,
    userEmail: who.userEmail,
    details: { ...who.details, ...details },
    request: ctx.request,
    occurredAt: ctx.clock.now(),
  });
}
