/** Alert rules: made, changed and deleted by holders of monitoring.manage. */
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { recordChange } from '../audit/record-change.js';
import type { Executor } from '../db/database.js';
import { conflictOnDuplicateName } from '../db/db-errors.js';
import { ALERT_CONDITIONS, SEVERITIES, alertRules, type AlertRuleRow } from '../db/tables/index.js';
import { BadInput, NotFound } from '../errors.js';
import { channelsByIds } from '../channels/channels.js';
import { labelKey } from '../identity/servers.js';
import { newId } from '../ids.js';
import { fetchPage, type Page, type PageArgs } from '../pagination/keyset.js';
import type { TransactionContext } from '../service-context.js';
import { nameSchema, parseInput } from '../validation.js';

const ruleInput = z
  .object({
    name: nameSchema(128),
    condition: z.enum(ALERT_CONDITIONS),
    threshold: z.number().int().min(1, 'must be at least 1').max(1_000_000).default(1),
    windowMinutes: z
      .number()
      .int()
      .min(1, 'must be at least 1')
      .max(7 * 24 * 60, 'must be at most a week')
      .default(5),
    commandPattern: z.string().trim().min(1, 'must not be empty').max(1000).nullish(),
    serverLabels: z
      .array(z.object({ key: labelKey, value: z.string().trim().max(256) }))
      .max(32)
      .default([]),
    severity: z.enum(SEVERITIES).default('medium'),
    channelIds: z.array(z.uuid('is not a valid id')).max(20).default([]),
    isEnabled: z.boolean().default(true),
  })
  .refine((rule) => rule.condition !== 'command_failed' || rule.commandPattern, { message: 'is needed for a command_failed rule', path: ['commandPattern'] });

export type AlertRuleInput = z.input<typeof ruleInput>;

export const ruleSnapshot = (row: AlertRuleRow) => {
  const { tenantId: _tenantId, createdAt: _createdAt, updatedAt: _updatedAt, evaluatedThrough: _evaluatedThrough, watchesFrom: _watchesFrom, ...facts } = row;
  return facts;
};

async function columnsOf(ctx: TransactionContext, input: AlertRuleInput) {
  const parsed = parseInput(ruleInput, input, 'input');
  const channels = await channelsByIds(ctx.db, ctx.actor.tenantId, parsed.channelIds);
  const missing = parsed.channelIds.findIndex((id) => !channels.some((channel) => channel.id === id));
  if (missing >= 0) throw new BadInput(`input.channelIds.${missing}`, `input.channelIds.${missing}: no such notification channel in this tenant`);
  return {
    name: parsed.name,
    condition: parsed.condition,
    threshold: parsed.threshold,
    windowSeconds: parsed.windowMinutes * 60,
    parameters: {
      ...(parsed.commandPattern ? { commandPattern: parsed.commandPattern } : {}),
      ...(parsed.serverLabels.length ? { serverLabels: Object.fromEntries(parsed.serverLabels.map((label) => [label.key, label.value])) } : {}),
    },
    severity: parsed.severity,
    channelIds: [...new Set(parsed.channelIds)],
    isEnabled: parsed.isEnabled,
  };
}

const duplicateName = (error: unknown, name: string | undefined): never =>
  conflictOnDuplicateName(error, `An alert rule named ${name} already exists in this tenant`);

export async function createAlertRule(ctx: TransactionContext, input: AlertRuleInput): Promise<AlertRuleRow> {
  const columns = await columnsOf(ctx, input);
  const now = ctx.clock.now();
  const row = await ctx.db
    .insert(alertRules)
    // Event rules look at what happens from now on, not at the whole history.
    .values({ ...columns, tenantId: ctx.actor.tenantId, id: newId(), evaluatedThrough: now, watchesFrom: now, createdAt: now, updatedAt: now })
    .returning()
    .then(([inserted]) => inserted!)
    .catch((error: unknown) => duplicateName(error, columns.name));
  await recordChange(ctx, {
    action: 'alert_rule.created',
    resource: { type: 'alert_rule', id: row.id, name: row.name },
    after: ruleSnapshot(row),
    activityDetails: { alertRuleId: row.id, name: row.name, condition: row.condition },
  });
  return row;
}

export async function getAlertRule(db: Executor, tenantId: string, id: string): Promise<AlertRuleRow> {
  const [row] = await db
    .select()
    .from(alertRules)
    .where(and(eq(alertRules.tenantId, tenantId), eq(alertRules.id, id)));
  if (!row) throw new NotFound('Alert rule', id);
  return row;
}

/** Replaces a rule's settings. */
export async function updateAlertRule(ctx: TransactionContext, id: string, input: AlertRuleInput): Promise<AlertRuleRow> {
  const before = await getAlertRule(ctx.db, ctx.actor.tenantId, id);
  const columns = await columnsOf(ctx, input);
  const row = await ctx.db
    .update(alertRules)
    .set({ ...columns, updatedAt: ctx.clock.now() })
    .where(and(eq(alertRules.tenantId, ctx.actor.tenantId), eq(alertRules.id, id)))
    .returning()
    .then(([updated]) => updated!)
    .catch((error: unknown) => duplicateName(error, columns.name));
  await recordChange(ctx, {
    action: 'alert_rule.updated',
    resource: { type: 'alert_rule', id, name: row.name },
    before: ruleSnapshot(before),
    after: ruleSnapshot(row),
    activityDetails: { alertRuleId: id, name: row.name },
  });
  return row;
}

export async function deleteAlertRule(ctx: TransactionContext, id: string): Promise<AlertRuleRow> {
  const before = await getAlertRule(ctx.db, ctx.actor.tenantId, id);
  await ctx.db.delete(alertRules).where(and(eq(alertRules.tenantId, ctx.actor.tenantId), eq(alertRules.id, id)));
  await recordChange(ctx, {
    action: 'alert_rule.deleted',
    resource: { type: 'alert_rule', id, name: before.name },
    before: ruleSnapshot(before),
    activityDetails: { alertRuleId: id, name: before.name },
  });
  return before;
}

export async function listAlertRules(db: Executor, tenantId: string, args: PageArgs): Promise<Page<AlertRuleRow>> {
  return fetchPage(
    args,
    [alertRules.id],
    (row) => [row.id],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(alertRules)
        .where(and(eq(alertRules.tenantId, tenantId), where))
        .orderBy(...orderBy)
        .limit(limit),
  );
}
