/**
 * What a seeded demo tenant holds, counted from its tables (by status where a record has one),
 * and the summary printed once at the end: the tenant, the counts, and a token for an admin and
 * for a regular user of the tenant.
 */
import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../db/database.js';

/** Tables counted whole, and tables counted by their status column. */
const WHOLE = [
  'users',
  'servers',
  'approval_policies',
  'notification_channels',
  'alert_rules',
  'terminal_sessions',
  'terminal_recordings',
  'file_transfers',
  'system_logs',
  'sudo_authorizations',
  'sudo_checks',
  'notifications',
  'activity_log',
  'audit_entries',
] as const;
const BY_STATUS = { access_sessions: 'status', approvals: 'status', commands: 'status', alerts: 'state' } as const;

export type DemoCounts = Record<(typeof WHOLE)[number], number> & { [Table in keyof typeof BY_STATUS]: Record<string, number> };

export async function countDemoRecords(db: Executor, tenantId: string): Promise<DemoCounts> {
  const counts: Record<string, unknown> = {};
  const whole = sql.join(
    WHOLE.map((table) => sql`select ${table} as name, count(*)::int as n from ${sql.raw(table)} where tenant_id = ${tenantId}`),
    sql` union all `,
  );
  for (const row of await queryRows<{ name: string; n: number }>(db, whole)) counts[row.name] = row.n;
  for (const [table, column] of Object.entries(BY_STATUS)) {
    const rows = await queryRows<{ status: string; n: number }>(
      db,
      sql`select ${sql.raw(column)} as status, count(*)::int as n from ${sql.raw(table)} where tenant_id = ${tenantId} group by 1 order by 1`,
    );
    counts[table] = Object.fromEntries(rows.map((row) => [row.status, row.n]));
  }
  return counts as DemoCounts;
}

export interface DemoToken {
  readonly email: string;
  readonly token: string;
}

export interface DemoSummary {
  readonly tenant: { readonly id: string; readonly slug: string; readonly name: string };
  readonly seed: number;
  readonly from: Date;
  readonly until: Date;
  readonly counts: DemoCounts;
  readonly admin: DemoToken;
  readonly user: DemoToken;
  readonly elapsedMs: number;
}

const total = (byStatus: Record<string, number>) => Object.values(byStatus).reduce((sum, n) => sum + n, 0);
const breakdown = (byStatus: Record<string, number>) =>
  Object.entries(byStatus)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
const minute = (time: Date) => `${time.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** The summary, as lines: the tenant and its week, the counts, then the two tokens (shown this once). */
export function summaryLines(summary: DemoSummary): string[] {
  const { counts } = summary;
  return [
    `Demo tenant "${summary.tenant.slug}" (${summary.tenant.name}, ${summary.tenant.id}): a week of history from ${minute(summary.from)} to ${minute(summary.until)}, seed ${summary.seed}.`,
    `  ${counts.users} users, ${counts.servers} servers, ${counts.approval_policies} approval policies, ${counts.notification_channels} notification channels, ${counts.alert_rules} alert rules`,
    `  ${total(counts.approvals)} requests: ${breakdown(counts.approvals)}`,
    `  ${total(counts.access_sessions)} access sessions: ${breakdown(counts.access_sessions)}`,
    `  ${total(counts.commands)} commands: ${breakdown(counts.commands)}`,
    `  ${counts.terminal_sessions} terminal sessions, ${counts.terminal_recordings} recordings, ${counts.file_transfers} file transfers, ${counts.system_logs} system logs`,
    `  ${counts.sudo_authorizations} sudo grants, ${counts.sudo_checks} sudo checks; ${total(counts.alerts)} alerts: ${breakdown(counts.alerts)}`,
    `  ${counts.notifications} notifications, ${counts.activity_log} activity entries, ${counts.audit_entries} audit entries`,
    `Admin token for ${summary.admin.email} (shown once): ${summary.admin.token}`,
    `User token for ${summary.user.email} (shown once): ${summary.user.token}`,
  ];
}
