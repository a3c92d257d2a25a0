import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { requireAdmin, requirePermission } from '../../server/auth/scope.js';
import { NotFound } from '../../server/errors.js';
import { getReportRun, listReportRuns, scheduleExists } from '../../server/reports/report-runs.js';
import {
  createReportSchedule,
  deleteReportSchedule,
  getReportSchedule,
  listReportSchedules,
  updateReportSchedule,
  type ReportScheduleInput as ScheduleInput,
} from '../../server/reports/report-schedules.js';
import { runReportNow } from '../../server/reports/run-reports.js';
import { inTransaction } from '../../server/service-context.js';
import { parseId } from '../../server/validation.js';
import { PageArgs, toConnection } from '../common/connection.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import { ReportRun, ReportRunConnection, ReportSchedule, ReportScheduleConnection, ReportScheduleInput } from './report.types.js';

/** GraphQL's nulls as absent settings, so the service's defaults apply. */
function scheduleInput(input: ReportScheduleInput): ScheduleInput {
  const { sections, watchPatterns, workingHours, approverThreshold, channelIds, isEnabled } = input;
  return {
    name: input.name,
    cron: input.cron,
    timezone: input.timezone,
    sections: sections ?? undefined,
    watchPatterns: watchPatterns ?? undefined,
    workingHours: workingHours ? { ...workingHours } : undefined,
    approverThreshold: approverThreshold ?? undefined,
    channelIds: channelIds ?? undefined,
    isEnabled: isEnabled ?? undefined,
  };
}

@Resolver(() => ReportSchedule)
export class ReportResolver {
  @Query(() => ReportScheduleConnection, { description: 'The tenant’s review digest schedules. Admins, and holders of audit_logs.view.' })
  async reportSchedules(@Ctx() ctx: GraphQLContext, @Args(() => PageArgs) page: PageArgs): Promise<ReportScheduleConnection> {
    const reader = requirePermission(ctx.actor, 'audit_logs.view');
    return toConnection(await listReportSchedules(ctx.deps.db, reader.tenantId, page), ReportSchedule.from);
  }

  @Query(() => ReportRunConnection, { description: 'The digests a schedule made (a removed one’s too), newest first. Admins, and holders of audit_logs.view.' })
  async reportRuns(
    @Ctx() ctx: GraphQLContext,
    @Arg('scheduleId', () => ID) scheduleId: string,
    @Args(() => PageArgs) page: PageArgs,
  ): Promise<ReportRunConnection> {
    const reader = requirePermission(ctx.actor, 'audit_logs.view');
    const id = parseId('scheduleId', scheduleId);
    if (!(await scheduleExists(ctx.deps.db, reader.tenantId, id))) throw new NotFound('Report schedule', id);
    return toConnection(await listReportRuns(ctx.deps.db, reader.tenantId, id, page), ReportRun.from);
  }

  @Query(() => ReportRun, { description: 'One digest. Admins, and holders of audit_logs.view.' })
  async reportRun(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<ReportRun> {
    const reader = requirePermission(ctx.actor, 'audit_logs.view');
    return ReportRun.from(await getReportRun(ctx.deps.db, reader.tenantId, parseId('id', id)));
  }

  @Mutation(() => ReportSchedule, { description: 'Schedules a review digest. Admins only.' })
  async createReportSchedule(@Ctx() ctx: GraphQLContext, @Arg('input', () => ReportScheduleInput) input: ReportScheduleInput): Promise<ReportSchedule> {
    requireAdmin(ctx.actor);
    return ReportSchedule.from(await inTransaction(serviceContext(ctx), (tx) => createReportSchedule(tx, scheduleInput(input))));
  }

  @Mutation(() => ReportSchedule, { description: 'Replaces a schedule’s settings; its next run is computed again. Admins only.' })
  async updateReportSchedule(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('input', () => ReportScheduleInput) input: ReportScheduleInput,
  ): Promise<ReportSchedule> {
    requireAdmin(ctx.actor);
    return ReportSchedule.from(await inTransaction(serviceContext(ctx), (tx) => updateReportSchedule(tx, parseId('id', id), scheduleInput(input))));
  }

  @Mutation(() => ReportSchedule, { description: 'Removes a schedule; the digests it made stay. Admins only.' })
  async deleteReportSchedule(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<ReportSchedule> {
    requireAdmin(ctx.actor);
    return ReportSchedule.from(await inTransaction(serviceContext(ctx), (tx) => deleteReportSchedule(tx, parseId('id', id))));
  }

  @Mutation(() => ReportRun, {
    description: 'Makes a digest now over the last period’s length up to now, and sends it to the schedule’s channels (a test digest). Admins only.',
  })
  async runReportNow(@Ctx() ctx: GraphQLContext, @Arg('scheduleId', () => ID) scheduleId: string): Promise<ReportRun> {
    const admin = requireAdmin(ctx.actor);
    const schedule = await getReportSchedule(ctx.deps.db, admin.tenantId, parseId('scheduleId', scheduleId));
    return ReportRun.from(await runReportNow(serviceContext(ctx), ctx.deps.webhooks, schedule));
  }
}
