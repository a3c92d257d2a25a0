import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { eventTime, oneOf, sameTenantReference, tenantId, writtenAt } from './columns.js';
import { users } from './users.js';

/** What a review digest can hold; a schedule names the ones it wants. */
export const REPORT_SECTIONS = ['privileged_grants', 'failed_sign_ins', 'unusual_approvals', 'watched_commands'] as const;
export type ReportSection = (typeof REPORT_SECTIONS)[number];

/**
 * A tenant's scheduled review digest: when it runs (a five-field cron expression read in an IANA
 * time zone, next runs computed by croner), what it reviews, what counts as outside working hours
 * (in the same time zone), and which notification channels receive it. Removed softly
 * (`deleted_at`): the runs it made stay records that name it.
 */
export const reportSchedules = pgTable(
  'report_schedules',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    name: text('name').notNull(),
    cron: text('cron').notNull(),
    timezone: text('timezone').notNull(),
    sections: text('sections').array().notNull(),
    /** Command line patterns (`*` for any text), read as alert rules read commandPattern. */
    watchPatterns: text('watch_patterns')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** ISO weekdays (1 Monday … 7 Sunday) and minutes after midnight [start, end) that are working hours. */
    workingDays: integer('working_days').array().notNull(),
    workingStartMinute: integer('working_start_minute').notNull(),
    workingEndMinute: integer('working_end_minute').notNull(),
    /** An approver who approved every one of at least this many decisions in a period is named. */
    approverThreshold: integer('approver_threshold').notNull(),
    channelIds: uuid('channel_ids')
      .array()
      .notNull()
      .default(sql`'{}'::uuid[]`),
    isEnabled: boolean('is_enabled').notNull(),
    /** The end of the next period to review; null while disabled or removed. */
    nextRunAt: eventTime('next_run_at'),
    createdById: uuid('created_by_id'),
    createdAt: writtenAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 6 }).notNull().defaultNow(),
    deletedAt: eventTime('deleted_at'),
  },
  (table) => [
    primaryKey({ name: 'report_schedules_pkey', columns: [table.tenantId, table.id] }),
    uniqueIndex('report_schedules_tenant_name_unique')
      .on(table.tenantId, sql`lower(${table.name})`)
      .where(sql`${table.deletedAt} is null`),
    // The job's question: which schedules are due.
    index('report_schedules_tenant_due_idx')
      .on(table.tenantId, table.nextRunAt)
      .where(sql`${table.nextRunAt} is not null`),
    sameTenantReference('report_schedules_created_by_fk', { tenantId: table.tenantId, column: table.createdById }, users),
  ],
);

export type ReportScheduleRow = typeof reportSchedules.$inferSelect;

export const REPORT_RUN_TRIGGERS = ['schedule', 'manual'] as const;
export type ReportRunTrigger = (typeof REPORT_RUN_TRIGGERS)[number];

/** delivering: sends pending or retrying; then delivered (all), partially_delivered, failed (none), or undelivered (no channel). */
export const REPORT_RUN_STATUSES = ['delivering', 'delivered', 'partially_delivered', 'failed', 'undelivered'] as const;
export type ReportRunStatus = (typeof REPORT_RUN_STATUSES)[number];

/**
 * One digest a schedule made for one period: its facts, each with the ids of the records behind
 * it (content), and how each channel took it (deliveries). A schedule makes one run per period
 * (the partial unique key): a second instance's insert for the same period does nothing. Runs
 * asked for by hand ("send a test digest") are outside that key.
 */
export const reportRuns = pgTable(
  'report_runs',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    scheduleId: uuid('schedule_id').notNull(),
    scheduleName: text('schedule_name').notNull(),
    trigger: text('trigger', { enum: REPORT_RUN_TRIGGERS }).notNull(),
    requestedById: uuid('requested_by_id'),
    periodStart: eventTime('period_start').notNull(),
    periodEnd: eventTime('period_end').notNull(),
    content: jsonb('content').$type<Record<string, unknown>>().notNull(),
    status: text('status', { enum: REPORT_RUN_STATUSES }).notNull(),
    /** Per channel: { channelId, channelName, type, status, attempts, error, deliveredAt }. */
    deliveries: jsonb('deliveries')
      .$type<Record<string, unknown>[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    deliveredAt: eventTime('delivered_at'),
    /** When the sends still pending are due (a retry, or a lease's end); bookkeeping, out of the leaf. */
    nextAttemptAt: eventTime('next_attempt_at'),
    createdAt: writtenAt(),
  },
  (table) => [
    primaryKey({ name: 'report_runs_pkey', columns: [table.tenantId, table.id] }),
    uniqueIndex('report_runs_one_per_period')
      .on(table.tenantId, table.scheduleId, table.periodStart)
      .where(sql`${table.trigger} = 'schedule'`),
    index('report_runs_tenant_schedule_idx').on(table.tenantId, table.scheduleId, table.id),
    index('report_runs_tenant_due_idx')
      .on(table.tenantId, table.nextAttemptAt)
      .where(sql`${table.nextAttemptAt} is not null`),
    sameTenantReference('report_runs_schedule_fk', { tenantId: table.tenantId, column: table.scheduleId }, reportSchedules),
    sameTenantReference('report_runs_requested_by_fk', { tenantId: table.tenantId, column: table.requestedById }, users),
    oneOf('report_runs_trigger_check', table.trigger, REPORT_RUN_TRIGGERS),
    oneOf('report_runs_status_check', table.status, REPORT_RUN_STATUSES),
  ],
);

export type ReportRunRow = typeof reportRuns.$inferSelect;
