/**
 * Alert rules evaluated by a job every instance runs. Each rule is evaluated in a transaction of
 * its own, with its row claimed FOR UPDATE SKIP LOCKED, so instances never evaluate a rule at the
 * same time. Threshold rules fire once per subject while the count stays at or above the
 * threshold in the window (one open alert per rule and subject, by a unique index) and resolve
 * when it falls back; event rules look at what happened since they last looked. A firing writes
 * the audit entry, an in-app notification for admins and holders of monitoring.view, the
 * `alert.fired` webhooks and a delivery to every linked channel (outboxes, server/alerts/alert-deliveries.ts),
 * whose first attempt follows the commit.
 */
import { integrateAfterCommit } from '../log/log-registry.js';
import { and, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import { matchesLinePattern } from '../approvals/command-patterns.js';
import { recordChanges, type Change } from '../audit/record-change.js';
import { queryRows, type Executor } from '../db/database.js';
import { alertRules, alerts, commands, servers, sudoAuthorizations, type AlertRow, type AlertRuleRow } from '../db/tables/index.js';
import type { Disposable } from '../disposable.js';
import { usersHolding } from '../identity/users.js';
import { newId } from '../ids.js';
import { notify } from '../notifications/notifications.js';
import { startPeriodicJob } from '../periodic-job.js';
import { publishEvents, type DomainEvent } from '../realtime/domain-events.js';
import type { TransactionContext } from '../service-context.js';
import type { DeliveryDeps } from '../webhooks/delivery-worker.js';
import { queueAlertDeliveries, sendAlertDeliveriesSoon } from './alert-deliveries.js';
import { alertSnapshot } from './alert-snapshot.js';

interface Breach {
  readonly subject: string;
  readonly title: string;
  readonly message: string;
  readonly details: Record<string, unknown>;
}

/** Rules on a state that holds a while (a count over a window, an agent offline): they resolve by themselves once it no longer holds. */
const isThresholdRule = (rule: AlertRuleRow) =>
  rule.condition === 'failed_sign_ins' || rule.condition === 'failed_commands' || rule.condition === 'agent_offline' || rule.condition === 'directive_overdue';

/** The servers carrying the rule's labels whose agent is offline now: one subject each. */
async function offlineAgents(db: Executor, rule: AlertRuleRow): Promise<Breach[]> {
  const labels = (rule.parameters.serverLabels ?? {}) as Record<string, string>;
  const rows = await queryRows<{ server_id: string; name: string; last_seen_at: Date | string; status_changed_at: Date | string }>(
    db,
    sql`select p.server_id, s.name, p.last_seen_at, p.status_changed_at from server_presence p
        join servers s on s.tenant_id = p.tenant_id and s.id = p.server_id
        where p.tenant_id = ${rule.tenantId} and p.status = 'offline' and s.deleted_at is null and s.labels @> ${JSON.stringify(labels)}::jsonb`,
  );
  return rows.map((row) => {
    const lastSeenAt = new Date(row.last_seen_at).toISOString();
    return {
      subject: row.server_id,
      title: `Agent offline on ${row.name}`,
      message: `The agent of ${row.name} has sent no heartbeat since ${lastSeenAt}.`,
      details: { serverId: row.server_id, lastSeenAt, offlineSince: new Date(row.status_changed_at).toISOString() },
    };
  });
}

/**
 * Directives to the agents of servers carrying the rule's labels that have waited longer than the
 * rule's window for an answer: a revocation no agent carried out. One subject each; resolved once
 * answered.
 */
async function overdueDirectives(db: Executor, rule: AlertRuleRow, now: Date): Promise<Breach[]> {
  const labels = (rule.parameters.serverLabels ?? {}) as Record<string, string>;
  const before = new Date(now.getTime() - rule.windowSeconds * 1000).toISOString();
  const rows = await queryRows<{
    id: string;
    kind: string;
    cause: string;
    server_id: string;
    name: string;
    issued_at: Date | string;
    terminal_session_id: string | null;
  }>(
    db,
    sql`select d.id, d.kind, d.cause, d.server_id, s.name, d.issued_at, d.terminal_session_id from agent_directives d
        join servers s on s.tenant_id = d.tenant_id and s.id = d.server_id
        where d.tenant_id = ${rule.tenantId} and d.acknowledged_at is null and d.issued_at <= ${before}::timestamptz
          and s.labels @> ${JSON.stringify(labels)}::jsonb`,
  );
  return rows.map((row) => {
    const issuedAt = new Date(row.issued_at).toISOString();
    const what = row.kind === 'terminate_session' ? 'end a terminal session' : row.kind === 'expire_sudo' ? 'drop a sudo grant' : 'tell a session’s user';
    return {
      subject: row.id,
      title: `Agent of ${row.name} has not answered a directive`,
      message: `The agent of ${row.name} was told at ${issuedAt} to ${what} (${row.cause}) and has not answered.`,
      details: { directiveId: row.id, kind: row.kind, cause: row.cause, serverId: row.server_id, terminalSessionId: row.terminal_session_id, issuedAt },
    };
  });
}

async function thresholdBreaches(db: Executor, rule: AlertRuleRow, now: Date): Promise<Breach[]> {
  if (rule.condition === 'agent_offline') return offlineAgents(db, rule);
  if (rule.condition === 'directive_overdue') return overdueDirectives(db, rule, now);
  const since = new Date(now.getTime() - rule.windowSeconds * 1000).toISOString();
  const minutes = Math.round(rule.windowSeconds / 60);
  if (rule.condition === 'failed_sign_ins') {
    const rows = await queryRows<{ subject: string; count: number }>(
      db,
      sql`select coalesce(user_email, host(ip_address), 'unknown') as subject, count(*)::int as count from activity_log
          where tenant_id = ${rule.tenantId} and action = 'auth.sign_in_failed'
            and occurred_at > ${since}::timestamptz and occurred_at <= ${now.toISOString()}::timestamptz
          group by 1 having count(*) >= ${rule.threshold}`,
    );
    return rows.map((row) => ({
      subject: row.subject,
      title: `${row.count} failed sign-ins for ${row.subject}`,
      message: `${row.count} failed sign-ins for ${row.subject} in the last ${minutes} minutes (threshold ${rule.threshold}).`,
      details: { count: row.count, windowMinutes: minutes, threshold: rule.threshold },
    }));
  }
  const [row] = await queryRows<{ count: number }>(
    db,
    sql`select count(*)::int as count from commands where tenant_id = ${rule.tenantId} and status = 'failed'
        and last_update_at > ${since}::timestamptz and last_update_at <= ${now.toISOString()}::timestamptz`,
  );
  const count = row?.count ?? 0;
  return count >= rule.threshold
    ? [
        {
          subject: 'tenant',
          title: `${count} failed commands`,
          message: `${count} commands failed in the last ${minutes} minutes (threshold ${rule.threshold}).`,
          details: { count, windowMinutes: minutes, threshold: rule.threshold },
        },
      ]
    : [];
}

/**
 * How far back event rules look again behind where they stopped: a record written by a
 * transaction that began before the last evaluation but committed after it is still seen. Subjects
 * already alerted on (in any state) are skipped, so looking twice never fires twice.
 */
const EVENT_LOOKBACK_MS = 10 * 60_000;

async function eventBreaches(db: Executor, rule: AlertRuleRow, since: Date, now: Date): Promise<Breach[]> {
  const from = new Date(Math.max(since.getTime() - EVENT_LOOKBACK_MS, rule.watchesFrom.getTime()));
  let breaches: Breach[];
  if (rule.condition === 'command_failed') {
    const pattern = typeof rule.parameters.commandPattern === 'string' ? rule.parameters.commandPattern : '*';
    const failed = await db
      .select()
      .from(commands)
      .where(and(eq(commands.tenantId, rule.tenantId), eq(commands.status, 'failed'), gt(commands.lastUpdateAt, from), lte(commands.lastUpdateAt, now)));
    breaches = failed
      .filter((command) => matchesLinePattern(pattern, command.line))
      .map((command) => ({
        subject: command.id,
        title: `Command failed: ${command.line.slice(0, 120)}`,
        message: `A command matching "${pattern}" failed${command.exitCode !== null ? ` with exit code ${command.exitCode}` : ''}: ${command.line.slice(0, 500)}`,
        details: { commandId: command.id, serverId: command.serverId, operatorUserId: command.operatorUserId, exitCode: command.exitCode },
      }));
  } else {
    const labels = (rule.parameters.serverLabels ?? {}) as Record<string, string>;
    // An agent may report a grant made long ago: when Vigil learnt of it counts too.
    const learnt = sql`greatest(${sudoAuthorizations.grantedAt}, ${sudoAuthorizations.createdAt})`;
    const grants = await db
      .select({ grant: sudoAuthorizations, serverName: servers.name })
      .from(sudoAuthorizations)
      .innerJoin(servers, and(eq(servers.tenantId, sudoAuthorizations.tenantId), eq(servers.id, sudoAuthorizations.serverId)))
      .where(
        and(
          eq(sudoAuthorizations.tenantId, rule.tenantId),
          sql`${learnt} > ${from.toISOString()}::timestamptz`,
          lte(sudoAuthorizations.grantedAt, now),
          sql`${servers.labels} @> ${JSON.stringify(labels)}::jsonb`,
        ),
      );
    breaches = grants.map(({ grant, serverName }) => ({
      subject: grant.id,
      title: `Sudo granted on ${serverName}`,
      message: `Sudo for "${grant.command}" was granted on ${serverName} (${grant.grantedVia}).`,
      details: { sudoAuthorizationId: grant.id, serverId: grant.serverId, userId: grant.userId, command: grant.command, grantedVia: grant.grantedVia },
    }));
  }
  if (breaches.length === 0) return breaches;
  const seen = await db
    .select({ subject: alerts.subject })
    .from(alerts)
    .where(
      and(
        eq(alerts.tenantId, rule.tenantId),
        eq(alerts.ruleId, rule.id),
        inArray(
          alerts.subject,
          breaches.map((breach) => breach.subject),
        ),
      ),
    );
  const alerted = new Set(seen.map((row) => row.subject));
  return breaches.filter((breach) => !alerted.has(breach.subject));
}

/** Evaluates one rule in `ctx`'s transaction; returns the alerts it fired. */
async function evaluateRule(ctx: TransactionContext, rule: AlertRuleRow, now: Date): Promise<AlertRow[]> {
  const breaches = isThresholdRule(rule)
    ? await thresholdBreaches(ctx.db, rule, now)
    : await eventBreaches(ctx.db, rule, rule.evaluatedThrough ?? rule.createdAt, now);
  const fired: AlertRow[] = [];
  for (const breach of breaches) {
    const [row] = await queryRows<{ id: string }>(
      ctx.db,
      sql`insert into alerts (tenant_id, id, rule_id, subject, state, severity, title, message, details, fired_at)
          values (${rule.tenantId}, ${newId()}, ${rule.id}, ${breach.subject}, 'fired', ${rule.severity}, ${breach.title}, ${breach.message}, ${JSON.stringify(breach.details)}::jsonb, ${now.toISOString()}::timestamptz)
          on conflict (tenant_id, rule_id, subject) where state <> 'resolved' do nothing
          returning id`,
    );
    if (row)
      fired.push(
        (
          await ctx.db
            .select()
            .from(alerts)
            .where(and(eq(alerts.tenantId, rule.tenantId), eq(alerts.id, row.id)))
        )[0]!,
      );
  }
  const resolved: AlertRow[] = [];
  if (isThresholdRule(rule)) {
    const open = await ctx.db
      .select()
      .from(alerts)
      .where(and(eq(alerts.tenantId, rule.tenantId), eq(alerts.ruleId, rule.id), inArray(alerts.state, ['fired', 'acknowledged'])));
    const stillBreached = new Set(breaches.map((breach) => breach.subject));
    for (const alert of open.filter((candidate) => !stillBreached.has(candidate.subject))) {
      const [row] = await ctx.db
        .update(alerts)
        .set({ state: 'resolved', resolvedAt: now })
        .where(and(eq(alerts.tenantId, alert.tenantId), eq(alerts.id, alert.id)))
        .returning();
      resolved.push(row!);
    }
  } else {
    await ctx.db
      .update(alertRules)
      .set({ evaluatedThrough: now })
      .where(and(eq(alertRules.tenantId, rule.tenantId), eq(alertRules.id, rule.id)));
  }
  if (fired.length > 0) {
    // Who hears of alerts in the app: admins and holders of monitoring.view.
    const audience = await usersHolding(ctx.db, rule.tenantId, 'monitoring.view');
    for (const alert of fired) {
      await notify(ctx, audience, {
        category: 'alert',
        severity: alert.severity,
        title: alert.title,
        body: alert.message,
        link: `/alerts/${alert.id}`,
        resourceType: 'alert',
        resourceId: alert.id,
      });
    }
  }
  const events: DomainEvent[] = [
    ...fired.map((alert) => ({ type: 'alert.changed' as const, tenantId: alert.tenantId, alertId: alert.id, state: 'fired' as const })),
    ...resolved.map((alert) => ({ type: 'alert.changed' as const, tenantId: alert.tenantId, alertId: alert.id, state: 'resolved' as const })),
  ];
  await publishEvents(ctx.db, events, now);
  const changes: Change[] = [
    ...fired.map((alert): Change => ({ action: 'alert.fired', resource: { type: 'alert', id: alert.id, name: rule.name }, after: alertSnapshot(alert) })),
    ...resolved.map((alert): Change => ({ action: 'alert.resolved', resource: { type: 'alert', id: alert.id, name: rule.name }, after: alertSnapshot(alert) })),
  ];
  await recordChanges(ctx, changes);
  return fired;
}

/** Which rules a pass evaluates, and whether their firings go out. */
export interface EvaluationScope {
  /** Only this tenant's rules (the demo evaluates its own tenant on its own clock). */
  readonly tenantId?: string;
  /** Send fired alerts to the rules' channels (the default); the demo's history sends nothing. */
  readonly isDelivering?: boolean;
}

/** One pass over every enabled rule of every tenant (or of one); returns how many alerts fired. */
export async function evaluateAlertRules(deps: DeliveryDeps, scope: EvaluationScope = {}): Promise<number> {
  const now = deps.clock.now();
  const onlyTenant = scope.tenantId ? sql`where t.id = ${scope.tenantId}` : sql``;
  const rules = await queryRows<{ tenant_id: string; id: string }>(
    deps.db,
    sql`select r.tenant_id, r.id from tenants t join alert_rules r on r.tenant_id = t.id and r.is_enabled ${onlyTenant} order by r.tenant_id, r.id`,
  );
  let firedCount = 0;
  const isDelivering = scope.isDelivering !== false;
  for (const { tenant_id: tenantId, id } of rules) {
    const outcome = await deps.db.transaction(async (tx) => {
      const [rule] = await tx
        .select()
        .from(alertRules)
        .where(and(eq(alertRules.tenantId, tenantId), eq(alertRules.id, id), eq(alertRules.isEnabled, true)))
        .for('update', { skipLocked: true });
      if (!rule) return undefined;
      const ctx: TransactionContext = { db: tx, clock: deps.clock, actor: { type: 'system', tenantId, name: 'alert-rules' } };
      const fired = await evaluateRule(ctx, rule, now);
      if (isDelivering) await queueAlertDeliveries(tx, rule, fired, now);
      return { rule, fired };
    });
    if (!outcome) continue;
    if (outcome.fired.length > 0) await integrateAfterCommit(deps.db, tenantId);
    firedCount += outcome.fired.length;
    // The first attempt at once; the delivery worker retries what fails.
    if (isDelivering && outcome.fired.length > 0 && outcome.rule.channelIds.length > 0) await sendAlertDeliveriesSoon(deps, tenantId);
  }
  return firedCount;
}

export function startAlertEvaluator(deps: DeliveryDeps, intervalMs: number): Disposable {
  return startPeriodicJob({ name: 'alert rules', intervalMs, logger: deps.logger, work: () => evaluateAlertRules(deps) });
}
