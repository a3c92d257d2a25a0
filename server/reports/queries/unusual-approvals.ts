import { sql } from 'drizzle-orm';
import { arrayLiteral } from '../../db/bulk-insert.js';
import { queryRows, type Executor } from '../../db/database.js';
import { isoTime, TOP_N, type Listed, type OutsideHoursApproval, type Period, type RubberStamp } from '../digest-content.js';
import type { WorkingHours } from '../working-hours.js';

/** How many decisions are named behind an approver's count. */
const IDS_PER_APPROVER = 5;

/**
 * Requests granted outside working hours in the period (tenant/closed-time index): on the spot by
 * policy (auto), by their own requester (self), or by an approver. Working hours are read on the
 * wall clocks of the schedule's time zone, as PostgreSQL's time zone data gives them.
 */
export async function listOutsideHoursApprovals(db: Executor, period: Period, timezone: string, hours: WorkingHours): Promise<Listed<OutsideHoursApproval>> {
  const rows = await queryRows<{
    id: string;
    kind: string;
    closed_at: Date | string;
    is_auto_approved: boolean;
    requester_id: string;
    requester_email: string | null;
    closed_by_id: string | null;
    approver_email: string | null;
    server_id: string | null;
    command: string | null;
    total: number;
  }>(
    db,
    sql`with granted as (
          select a.id, a.kind, a.closed_at, a.is_auto_approved, a.requester_id, a.closed_by_id, a.server_id, a.command,
                 (a.closed_at at time zone ${timezone}) as local_at
          from approvals a
          where a.tenant_id = ${period.tenantId} and a.status = 'approved'
            and a.closed_at >= ${isoTime(period.start)}::timestamptz and a.closed_at < ${isoTime(period.end)}::timestamptz)
        select g.id, g.kind, g.closed_at, g.is_auto_approved, g.requester_id, r.email as requester_email, g.closed_by_id,
               c.email as approver_email, g.server_id, g.command, count(*) over ()::int as total
        from granted g
        left join users r on r.tenant_id = ${period.tenantId} and r.id = g.requester_id
        left join users c on c.tenant_id = ${period.tenantId} and c.id = g.closed_by_id
        where not (extract(isodow from g.local_at)::int = any(${arrayLiteral(hours.days.map(String))}::int[])
                   and extract(hour from g.local_at) * 60 + extract(minute from g.local_at) >= ${hours.startMinute}
                   and extract(hour from g.local_at) * 60 + extract(minute from g.local_at) < ${hours.endMinute})
        order by g.closed_at, g.id limit ${TOP_N}`,
  );
  return {
    total: rows[0]?.total ?? 0,
    items: rows.map((row) => ({
      approvalId: row.id,
      kind: row.kind,
      approvedAt: isoTime(row.closed_at),
      how: row.is_auto_approved ? 'auto' : row.closed_by_id === row.requester_id ? 'self' : 'approver',
      requesterId: row.requester_id,
      requesterEmail: row.requester_email,
      approverId: row.is_auto_approved ? null : row.closed_by_id,
      approverEmail: row.is_auto_approved ? null : row.approver_email,
      serverId: row.server_id,
      command: row.command,
    })),
  };
}

/** Approvers who approved every one of at least `threshold` decisions they made in the period (tenant/decision-time index). */
export async function listApproversApprovingEverything(db: Executor, period: Period, threshold: number): Promise<Listed<RubberStamp>> {
  const rows = await queryRows<{ approver_id: string; email: string | null; decisions: number; decision_ids: string[]; total: number }>(
    db,
    sql`select d.approver_id, u.email, count(*)::int as decisions,
               (array_agg(d.id order by d.decided_at desc, d.id desc))[1:${IDS_PER_APPROVER}] as decision_ids, count(*) over ()::int as total
        from approval_decisions d
        left join users u on u.tenant_id = d.tenant_id and u.id = d.approver_id
        where d.tenant_id = ${period.tenantId}
          and d.decided_at >= ${isoTime(period.start)}::timestamptz and d.decided_at < ${isoTime(period.end)}::timestamptz
        group by d.approver_id, u.email
        having count(*) >= ${threshold} and bool_and(d.decision = 'approved')
        order by decisions desc, d.approver_id limit ${TOP_N}`,
  );
  return {
    total: rows[0]?.total ?? 0,
    items: rows.map((row) => ({ approverId: row.approver_id, approverEmail: row.email, decisions: row.decisions, decisionIds: row.decision_ids })),
  };
}
