/** A schedule's digest for one period: each section it names, queried in the caller's transaction (the one writing the run). */
import type { Executor } from '../db/database.js';
import type { ReportScheduleRow } from '../db/tables/index.js';
import type { DigestContent, Period } from './digest-content.js';
import { listFailedSignIns } from './queries/failed-sign-ins.js';
import { listPrivilegedGrants } from './queries/privileged-grants.js';
import { listApproversApprovingEverything, listOutsideHoursApprovals } from './queries/unusual-approvals.js';
import { listWatchedCommands } from './queries/watched-commands.js';

export async function buildDigest(db: Executor, schedule: ReportScheduleRow, start: Date, end: Date): Promise<DigestContent> {
  const period: Period = { tenantId: schedule.tenantId, start, end };
  const wants = (section: string) => schedule.sections.includes(section);
  const hours = { days: schedule.workingDays, startMinute: schedule.workingStartMinute, endMinute: schedule.workingEndMinute };
  const privilegedGrants = wants('privileged_grants') ? await listPrivilegedGrants(db, period) : undefined;
  const failedSignIns = wants('failed_sign_ins') ? await listFailedSignIns(db, period) : undefined;
  const unusualApprovals = wants('unusual_approvals')
    ? {
        outsideHours: await listOutsideHoursApprovals(db, period, schedule.timezone, hours),
        approvesEverything: { ...(await listApproversApprovingEverything(db, period, schedule.approverThreshold)), threshold: schedule.approverThreshold },
      }
    : undefined;
  const watchedCommands = wants('watched_commands')
    ? { ...(await listWatchedCommands(db, period, schedule.watchPatterns)), patterns: schedule.watchPatterns }
    : undefined;
  const totals = [
    privilegedGrants?.total,
    failedSignIns?.total,
    unusualApprovals?.outsideHours.total,
    unusualApprovals?.approvesEverything.total,
    watchedCommands?.total,
  ];
  return {
    version: 1,
    schedule: { id: schedule.id, name: schedule.name, timezone: schedule.timezone },
    period: { start: start.toISOString(), end: end.toISOString() },
    isQuiet: totals.every((total) => !total),
    ...(privilegedGrants ? { privilegedGrants } : {}),
    ...(failedSignIns ? { failedSignIns } : {}),
    ...(unusualApprovals ? { unusualApprovals } : {}),
    ...(watchedCommands ? { watchedCommands } : {}),
  };
}
