/** Fired alerts: listed for holders of monitoring.view, acknowledged and resolved by holders of monitoring.manage. */
import { and, eq, inArray } from 'drizzle-orm';
import { recordChange } from '../audit/record-change.js';
import type { Executor } from '../db/database.js';
import { alerts, type AlertRow, type AlertState } from '../db/tables/index.js';
import { Conflict, NotFound } from '../errors.js';
import { fetchPage, type Page, type PageArgs } from '../pagination/keyset.js';
import { publishEvents } from '../realtime/domain-events.js';
import type { TransactionContext } from '../service-context.js';
import { alertSnapshot } from './alert-snapshot.js';

export interface AlertFilter {
  state?: AlertState[] | null;
  ruleId?: string | null;
}

export async function listAlerts(db: Executor, tenantId: string, filter: AlertFilter, args: PageArgs): Promise<Page<AlertRow>> {
  const conditions = [
    eq(alerts.tenantId, tenantId),
    filter.state?.length ? inArray(alerts.state, filter.state) : undefined,
    filter.ruleId ? eq(alerts.ruleId, filter.ruleId) : undefined,
  ];
  return fetchPage(
    args,
    [alerts.firedAt, alerts.id],
    (row) => [row.firedAt.toISOString(), row.id],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(alerts)
        .where(and(...conditions, where))
        .orderBy(...orderBy)
        .limit(limit),
  );
}

/** One alert of the tenant; NOT_FOUND when there is none with that id. */
export async function getAlert(db: Executor, tenantId: string, id: string): Promise<AlertRow> {
  const [row] = await db
    .select()
    .from(alerts)
    .where(and(eq(alerts.tenantId, tenantId), eq(alerts.id, id)));
  if (!row) throw new NotFound('Alert', id);
  return row;
}

/** Moves an open alert on: fired → acknowledged → resolved (a fired alert may be resolved directly). */
export async function changeAlertState(ctx: TransactionContext, id: string, state: 'acknowledged' | 'resolved'): Promise<AlertRow> {
  const [current] = await ctx.db
    .select()
    .from(alerts)
    .where(and(eq(alerts.tenantId, ctx.actor.tenantId), eq(alerts.id, id)))
    .for('update');
  if (!current) throw new NotFound('Alert', id);
  const allowed = state === 'acknowledged' ? current.state === 'fired' : current.state !== 'resolved';
  if (!allowed) {
    const why = current.state === state ? `This alert is already ${state}` : `This alert is ${current.state}: it can no longer be ${state}`;
    throw new Conflict(why, { state: current.state });
  }
  const by = ctx.actor.type === 'user' ? ctx.actor.userId : null;
  const now = ctx.clock.now();
  const [row] = await ctx.db
    .update(alerts)
    .set(state === 'acknowledged' ? { state, acknowledgedAt: now, acknowledgedById: by } : { state, resolvedAt: now, resolvedById: by })
    .where(and(eq(alerts.tenantId, ctx.actor.tenantId), eq(alerts.id, id)))
    .returning();
  await publishEvents(ctx.db, [{ type: 'alert.changed', tenantId: ctx.actor.tenantId, alertId: id, state }], now);
  await recordChange(ctx, {
    action: state === 'acknowledged' ? 'alert.acknowledged' : 'alert.resolved',
    resource: { type: 'alert', id, name: current.title },
    before: alertSnapshot(current),
    after: alertSnapshot(row!),
    activityDetails: { alertId: id, title: current.title },
  });
  return row!;
}
