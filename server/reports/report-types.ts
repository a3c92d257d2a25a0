/**
 * Review digest schedules and runs as everything above the queries sees them. Written out rather
 * than inferred from the tables, so a column renamed or retyped fails to compile where a service
 * hands its rows out; the job's bookkeeping (a run's lease) is not part of them.
 */
import type { ReportRunStatus, ReportRunTrigger } from '../db/tables/index.js';

export interface ReportScheduleRecord {
  readonly id: string;
  readonly name: string;
  readonly cron: string;
  readonly timezone: string;
  readonly sections: readonly string[];
  readonly watchPatterns: readonly string[];
  readonly workingDays: readonly number[];
  readonly workingStartMinute: number;
  readonly workingEndMinute: number;
  readonly approverThreshold: number;
  readonly channelIds: readonly string[];
  readonly isEnabled: boolean;
  readonly nextRunAt: Date | null;
  readonly createdById: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface ReportRunRecord {
  readonly id: string;
  readonly scheduleId: string;
  readonly scheduleName: string;
  readonly trigger: ReportRunTrigger;
  readonly periodStart: Date;
  readonly periodEnd: Date;
  /** The digest's facts (server/reports/digest-content.ts). */
  readonly content: Readonly<Record<string, unknown>>;
  readonly status: ReportRunStatus;
  /** One ChannelDelivery (server/reports/report-runs.ts) per channel. */
  readonly deliveries: readonly Readonly<Record<string, unknown>>[];
  readonly deliveredAt: Date | null;
  readonly createdAt: Date;
}
