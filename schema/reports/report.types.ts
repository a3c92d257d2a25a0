import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ReportRunRecord, ReportScheduleRecord } from '../../server/reports/report-types.js';
import type { DigestContent } from '../../server/reports/digest-content.js';
import { renderDigest } from '../../server/reports/render-digest.js';
import type { ChannelDelivery } from '../../server/reports/report-runs.js';
import { clockText } from '../../server/reports/working-hours.js';
import { Connection } from '../common/connection.js';

export enum ReportSectionEnum {
  PRIVILEGED_GRANTS = 'privileged_grants',
  FAILED_SIGN_INS = 'failed_sign_ins',
  UNUSUAL_APPROVALS = 'unusual_approvals',
  WATCHED_COMMANDS = 'watched_commands',
}
registerEnumType(ReportSectionEnum, {
  name: 'ReportSection',
  description:
    'PRIVILEGED_GRANTS: users made admin, permissions added, custom roles assigned. FAILED_SIGN_INS: refused sign-ins by account or address. UNUSUAL_APPROVALS: requests approved outside working hours (automatically, by their requester or an approver), and approvers who approved every one of at least `approverThreshold` decisions. WATCHED_COMMANDS: commands whose line matches a watch pattern.',
});

export enum ReportRunStatusEnum {
  DELIVERING = 'delivering',
  DELIVERED = 'delivered',
  PARTIALLY_DELIVERED = 'partially_delivered',
  FAILED = 'failed',
  UNDELIVERED = 'undelivered',
}
registerEnumType(ReportRunStatusEnum, {
  name: 'ReportRunStatus',
  description:
    'DELIVERING: sends pending or retrying. DELIVERED: every channel took it. PARTIALLY_DELIVERED, FAILED: some or none did, finally. UNDELIVERED: the schedule names no channel.',
});

export enum ReportRunTriggerEnum {
  SCHEDULE = 'schedule',
  MANUAL = 'manual',
}
registerEnumType(ReportRunTriggerEnum, { name: 'ReportRunTrigger', description: 'SCHEDULE: made when its period ended. MANUAL: asked for with runReportNow.' });

export enum ReportDeliveryStatusEnum {
  PENDING = 'pending',
  RETRYING = 'retrying',
  DELIVERED = 'delivered',
  FAILED = 'failed',
}
registerEnumType(ReportDeliveryStatusEnum, {
  name: 'ReportDeliveryStatus',
  description: 'PENDING: not tried yet. RETRYING: failed, tried again at nextAttemptAt. DELIVERED. FAILED: the sixth failure, or the channel was removed.',
});

@ObjectType({
  simpleResolvers: true,
  description: 'Working hours in the schedule’s time zone: ISO weekdays (1 Monday … 7 Sunday) and a daily window [start, end).',
})
export class WorkingHours {
  @Field(() => [Int])
  days!: number[];
  @Field(() => String, { description: 'HH:MM' })
  start!: string;
  @Field(() => String, { description: 'HH:MM, after start' })
  end!: string;
}

@ObjectType({ simpleResolvers: true, description: 'A scheduled review digest of the tenant: when it runs, what it reviews, where it goes.' })
export class ReportSchedule {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  name!: string;
  @Field(() => String, { description: 'Five-field cron expression (minute hour day-of-month month day-of-week), read in `timezone`.' })
  cron!: string;
  @Field(() => String, { description: 'IANA time zone, such as Europe/Berlin.' })
  timezone!: string;
  @Field(() => [ReportSectionEnum])
  sections!: ReportSectionEnum[];
  @Field(() => [String], { description: 'Command line patterns, `*` for any text, matched as alert rules match commandPattern.' })
  watchPatterns!: string[];
  @Field(() => WorkingHours)
  workingHours!: WorkingHours;
  @Field(() => Int)
  approverThreshold!: number;
  @Field(() => [ID])
  channelIds!: string[];
  @Field(() => Boolean)
  isEnabled!: boolean;
  @Field(() => Date, { nullable: true, description: 'When the next period ends and its digest is made; null while disabled.' })
  nextRunAt!: Date | null;
  @Field(() => ID, { nullable: true })
  createdById!: string | null;
  @Field(() => Date)
  createdAt!: Date;
  @Field(() => Date)
  updatedAt!: Date;

  static from(row: ReportScheduleRecord): ReportSchedule {
    return Object.assign(new ReportSchedule(), {
      id: row.id,
      name: row.name,
      cron: row.cron,
      timezone: row.timezone,
      sections: row.sections as ReportSectionEnum[],
      watchPatterns: [...row.watchPatterns],
      workingHours: Object.assign(new WorkingHours(), {
        days: [...row.workingDays],
        start: clockText(row.workingStartMinute),
        end: clockText(row.workingEndMinute),
      }),
      approverThreshold: row.approverThreshold,
      channelIds: [...row.channelIds],
      isEnabled: row.isEnabled,
      nextRunAt: row.nextRunAt,
      createdById: row.createdById,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class ReportScheduleConnection extends Connection(ReportSchedule, 'ReportSchedule') {}

@ObjectType({ simpleResolvers: true, description: 'How one channel took a digest.' })
export class ReportDelivery {
  @Field(() => ID)
  channelId!: string;
  @Field(() => String, { nullable: true })
  channelName!: string | null;
  @Field(() => ReportDeliveryStatusEnum)
  status!: ReportDeliveryStatusEnum;
  @Field(() => Int)
  attempts!: number;
  @Field(() => String, { nullable: true })
  error!: string | null;
  @Field(() => Date, { nullable: true })
  deliveredAt!: Date | null;
  @Field(() => Date, { nullable: true })
  nextAttemptAt!: Date | null;
}

@ObjectType({
  simpleResolvers: true,
  description: 'One digest a schedule made: the facts of its period, with the ids of the records behind them, and its delivery.',
})
export class ReportRun {
  @Field(() => ID)
  id!: string;
  @Field(() => ID)
  scheduleId!: string;
  @Field(() => String)
  scheduleName!: string;
  @Field(() => ReportRunTriggerEnum)
  trigger!: ReportRunTriggerEnum;
  @Field(() => Date)
  periodStart!: Date;
  @Field(() => Date)
  periodEnd!: Date;
  @Field(() => Boolean, { description: 'Nothing to review in any section.' })
  isQuiet!: boolean;
  @Field(() => GraphQLJSONObject, {
    description: 'The facts: privilegedGrants, failedSignIns, unusualApprovals, watchedCommands, each { total, items } naming record ids.',
  })
  content!: Record<string, unknown>;
  @Field(() => String, { description: 'The digest as its text message reads.' })
  text!: string;
  @Field(() => ReportRunStatusEnum)
  status!: ReportRunStatusEnum;
  @Field(() => [ReportDelivery])
  deliveries!: ReportDelivery[];
  @Field(() => Date, { nullable: true })
  deliveredAt!: Date | null;
  @Field(() => Date)
  createdAt!: Date;

  static from(row: ReportRunRecord): ReportRun {
    const content = row.content as unknown as DigestContent;
    return Object.assign(new ReportRun(), {
      id: row.id,
      scheduleId: row.scheduleId,
      scheduleName: row.scheduleName,
      trigger: row.trigger as ReportRunTriggerEnum,
      periodStart: row.periodStart,
      periodEnd: row.periodEnd,
      isQuiet: content.isQuiet,
      content: { ...row.content },
      text: renderDigest(content).rendered.text,
      status: row.status as ReportRunStatusEnum,
      deliveries: (row.deliveries as unknown as ChannelDelivery[]).map((delivery) =>
        Object.assign(new ReportDelivery(), {
          channelId: delivery.channelId,
          channelName: delivery.channelName,
          status: delivery.status as ReportDeliveryStatusEnum,
          attempts: delivery.attempts,
          error: delivery.error,
          deliveredAt: delivery.deliveredAt ? new Date(delivery.deliveredAt) : null,
          nextAttemptAt: delivery.nextAttemptAt ? new Date(delivery.nextAttemptAt) : null,
        }),
      ),
      deliveredAt: row.deliveredAt,
      createdAt: row.createdAt,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class ReportRunConnection extends Connection(ReportRun, 'ReportRun') {}

@InputType()
export class WorkingHoursInput {
  @Field(() => [Int], { description: 'ISO weekdays, 1 (Monday) to 7 (Sunday).' })
  days!: number[];
  @Field(() => String, { description: 'HH:MM' })
  start!: string;
  @Field(() => String, { description: 'HH:MM, after start' })
  end!: string;
}

@InputType({ description: 'A review digest schedule; on update, every setting is replaced.' })
export class ReportScheduleInput {
  @Field(() => String)
  name!: string;
  @Field(() => String, { description: 'Five-field cron expression, at most one run an hour: `0 9 * * 1` is Mondays at 09:00.' })
  cron!: string;
  @Field(() => String, { description: 'IANA time zone the expression and working hours are read in, such as Europe/Berlin.' })
  timezone!: string;
  @Field(() => [ReportSectionEnum], { nullable: true, description: 'Default: every section (WATCHED_COMMANDS only when watchPatterns are given).' })
  sections?: ReportSectionEnum[] | null;
  @Field(() => [String], { nullable: true, description: 'Needed for WATCHED_COMMANDS: command line patterns, `*` for any text.' })
  watchPatterns?: string[] | null;
  @Field(() => WorkingHoursInput, { nullable: true, description: 'Default: Monday to Friday, 08:00 to 18:00.' })
  workingHours?: WorkingHoursInput | null;
  @Field(() => Int, { nullable: true, description: 'An approver approving every one of at least this many decisions in a period is named (default 5).' })
  approverThreshold?: number | null;
  @Field(() => [ID], { nullable: true, description: 'Notification channels of the tenant (email, Slack, Teams, webhook, bots) that receive the digest.' })
  channelIds?: string[] | null;
  @Field(() => Boolean, { nullable: true, description: 'Default true.' })
  isEnabled?: boolean | null;
}
