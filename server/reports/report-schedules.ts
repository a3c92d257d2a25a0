/**
 * Review digest schedules: made, changed and removed by admins. A schedule's cron expression and
 * time zone are checked by croner and Intl (BAD_USER_INPUT on the field), its channels must be the
 * tenant's, and its next run is computed as it is saved. Removal is soft: runs stay records that
 * name their schedule.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordChange } from '../audit/record-change.js';
import { channelsByIds } from '../channels/channels.js';
import { queryRows, type Executor } from '../db/database.js';
import { conflictOnDuplicateName } from '../db/db-errors.js';
import { REPORT_SECTIONS, reportSchedules, type ReportScheduleRow } from '../db/tables/index.js';
import { BadInput, NotFound } from '../errors.js';
import { newId } from '../ids.js';
import { fetchPage, type Page, type PageArgs } from '../pagination/keyset.js';
import type { TransactionContext } from '../service-context.js';
import { nameSchema, parseInput } from '../validation.js';
import { nextOccurrence, parseCron, parseTimezone } from './cron-schedule.js';
import { DEFAULT_WORKING_HOURS, minuteOfDay, workingHoursSchema } from './working-hours.js';

/** A pattern that every line matches would list every command: not a watch. */
const watchPattern = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(1000, 'must be at most 1000 characters')
  .refine((pattern) => !/[\r\n\0]/.test(pattern), 'must be one line')
  .refine((pattern) => /[^*\s]/.test(pattern), 'must name something besides * (it would match every command)');

const scheduleInput = z
  .object({
    name: nameSchema(128),
    cron: z.string().max(200, 'is too long'),
    timezone: z.string().max(100, 'is too long'),
    // Default: every section (watched commands only with patterns to watch for).
    sections: z.array(z.enum(REPORT_SECTIONS)).min(1, 'must name at least one section').optional(),
    watchPatterns: z.array(watchPattern).max(50, 'at most 50 patterns').default([]),
    workingHours: workingHoursSchema.default({ ...DEFAULT_WORKING_HOURS, days: [...DEFAULT_WORKING_HOURS.days] }),
    approverThreshold: z.number().int().min(2, 'must be at least 2').max(10_000).default(5),
    channelIds: z.array(z.uuid('is not a valid id')).max(20, 'at most 20 channels').default([]),
    isEnabled: z.boolean().default(true),
  })
  .refine((input) => !input.sections?.includes('watched_commands') || input.watchPatterns.length > 0, {
    message: 'must name at least one pattern for the WATCHED_COMMANDS section',
    path: ['watchPatterns'],
  });

export type ReportScheduleInput = z.input<typeof scheduleInput>;

export const scheduleSnapshot = (row: ReportScheduleRow) => {
  const { tenantId: _tenantId, createdAt: _createdAt, updatedAt: _updatedAt, nextRunAt: _nextRunAt, ...facts } = row;
  return facts;
};

async function columnsOf(ctx: TransactionContext, input: ReportScheduleInput) {
  const parsed = parseInput(scheduleInput, input, 'input');
  const timezone = parseTimezone(parsed.timezone);
  // The digest's queries read working hours with PostgreSQL's time zone data: it must know the zone too.
  const [known] = await queryRows<{ is_known: boolean }>(ctx.db, sql`select exists (select 1 from pg_timezone_names where name = ${timezone}) as is_known`);
  if (!known?.is_known) throw new BadInput('input.timezone', `input.timezone: ${timezone} is not known to the database`);
  const cron = parseCron(parsed.cron, timezone);
  const channels = await channelsByIds(ctx.db, ctx.actor.tenantId, parsed.channelIds);
  const missing = parsed.channelIds.findIndex((id) => !channels.some((channel) => channel.id === id));
  if (missing >= 0) throw new BadInput(`input.channelIds.${missing}`, `input.channelIds.${missing}: no such notification channel in this tenant`);
  return {
    name: parsed.name,
    cron: parsed.cron.trim().split(/\s+/).join(' '),
    timezone,
    sections: [...new Set(parsed.sections ?? REPORT_SECTIONS.filter((section) => section !== 'watched_commands' || parsed.watchPatterns.length > 0))],
    watchPatterns: [...new Set(parsed.watchPatterns)],
    workingDays: [...new Set(parsed.workingHours.days)].sort(),
    workingStartMinute: minuteOfDay(parsed.workingHours.start),
    workingEndMinute: minuteOfDay(parsed.workingHours.end),
    approverThreshold: parsed.approverThreshold,
    channelIds: [...new Set(parsed.channelIds)],
    isEnabled: parsed.isEnabled,
    nextRunAt: parsed.isEnabled ? nextOccurrence(cron, ctx.clock.now()) : null,
  };
}

const duplicateName = (error: unknown, name: string | undefined): never =>
  conflictOnDuplicateName(error, `A report schedule named ${name} already exists in this tenant`);

export async function createReportSchedule(ctx: TransactionContext, input: ReportScheduleInput): Promise<ReportScheduleRow> {
  const columns = await columnsOf(ctx, input);
  const now = ctx.clock.now();
  const row = await ctx.db
    .insert(reportSchedules)
    .values({
      ...columns,
      tenantId: ctx.actor.tenantId,
      id: newId(),
      createdById: ctx.actor.type === 'user' ? ctx.actor.userId : null,
      createdAt: now,
      updatedAt: now,
    })
    .returning()
    .then(([inserted]) => inserted!)
    .catch((error: unknown) => duplicateName(error, columns.name));
  await recordChange(ctx, {
    action: 'report_schedule.created',
    resource: { type: 'report_schedule', id: row.id, name: row.name },
    after: scheduleSnapshot(row),
  });
  return row;
}

/** A schedule not removed; NOT_FOUND otherwise (another tenant's included). */
export async function getReportSchedule(db: Executor, tenantId: string, id: string): Promise<ReportScheduleRow> {
  const [row] = await db
    .select()
    .from(reportSchedules)
    .where(and(eq(reportSchedules.tenantId, tenantId), eq(reportSchedules.id, id), isNull(reportSchedules.deletedAt)));
  if (!row) throw new NotFound('Report schedule', id);
  return row;
}

/** Replaces a schedule's settings; its next run is computed again from now. */
export async function updateReportSchedule(ctx: TransactionContext, id: string, input: ReportScheduleInput): Promise<ReportScheduleRow> {
  const before = await getReportSchedule(ctx.db, ctx.actor.tenantId, id);
  const columns = await columnsOf(ctx, input);
  const row = await ctx.db
    .update(reportSchedules)
    .set({ ...columns, updatedAt: ctx.clock.now() })
    .where(and(eq(reportSchedules.tenantId, ctx.actor.tenantId), eq(reportSchedules.id, id)))
    .returning()
    .then(([updated]) => updated!)
    .catch((error: unknown) => duplicateName(error, columns.name));
  await recordChange(ctx, {
    action: 'report_schedule.updated',
    resource: { type: 'report_schedule', id, name: row.name },
    before: scheduleSnapshot(before),
    after: scheduleSnapshot(row),
  });
  return row;
}

export async function deleteReportSchedule(ctx: TransactionContext, id: string): Promise<ReportScheduleRow> {
  const before = await getReportSchedule(ctx.db, ctx.actor.tenantId, id);
  const now = ctx.clock.now();
  const [row] = await ctx.db
    .update(reportSchedules)
    .set({ deletedAt: now, isEnabled: false, nextRunAt: null, updatedAt: now })
    .where(and(eq(reportSchedules.tenantId, ctx.actor.tenantId), eq(reportSchedules.id, id)))
    .returning();
  await recordChange(ctx, {
    action: 'report_schedule.deleted',
    resource: { type: 'report_schedule', id, name: before.name },
    before: scheduleSnapshot(before),
  });
  return row!;
}

export function listReportSchedules(db: Executor, tenantId: string, args: PageArgs): Promise<Page<ReportScheduleRow>> {
  return fetchPage(
    args,
    [reportSchedules.id],
    (row) => [row.id],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(reportSchedules)
        .where(and(eq(reportSchedules.tenantId, tenantId), isNull(reportSchedules.deletedAt), where))
        .orderBy(...orderBy)
        .limit(limit),
  );
}
