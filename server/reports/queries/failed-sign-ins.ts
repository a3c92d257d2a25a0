import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../../db/database.js';
import { isoTime, TOP_N, type FailedSignIns, type Listed, type Period } from '../digest-content.js';

/** How many activity entries are named behind each subject's count. */
const IDS_PER_SUBJECT = 5;

/**
 * Refused sign-ins in the period (activity entries auth.sign_in_failed, tenant/action/time index),
 * by who was tried (the email as known, else the address): the most tried first.
 */
export async function listFailedSignIns(db: Executor, period: Period): Promise<Listed<FailedSignIns> & { attempts: number }> {
  const rows = await queryRows<{
    subject: string;
    count: number;
    last_at: Date | string;
    addresses: (string | null)[];
    activity_ids: string[];
    total: number;
    attempts: number;
  }>(
    db,
    sql`select coalesce(user_email, host(ip_address), 'unknown') as subject, count(*)::int as count, max(occurred_at) as last_at,
               array_agg(distinct host(ip_address)) as addresses,
               (array_agg(id order by occurred_at desc, id desc))[1:${IDS_PER_SUBJECT}] as activity_ids,
               count(*) over ()::int as total, (sum(count(*)) over ())::int as attempts
        from activity_log
        where tenant_id = ${period.tenantId} and action = 'auth.sign_in_failed'
          and occurred_at >= ${isoTime(period.start)}::timestamptz and occurred_at < ${isoTime(period.end)}::timestamptz
        group by 1 order by count desc, subject limit ${TOP_N}`,
  );
  return {
    total: rows[0]?.total ?? 0,
    attempts: rows[0]?.attempts ?? 0,
    items: rows.map((row) => ({
      subject: row.subject,
      count: row.count,
      lastAt: isoTime(row.last_at),
      addresses: row.addresses.filter((address): address is string => address !== null),
      activityIds: row.activity_ids,
    })),
  };
}
