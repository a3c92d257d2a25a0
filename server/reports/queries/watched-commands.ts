import { sql, type SQL } from 'drizzle-orm';
import { normalizeCommand } from '../../approvals/command-patterns.js';
import { queryRows, type Executor } from '../../db/database.js';
import { isoTime, TOP_N, type Listed, type Period, type WatchedCommand } from '../digest-content.js';

/**
 * A watch pattern as a LIKE pattern over the normalized line: the alert rules' line patterns
 * (matchesLinePattern: `*` any text, the whole line, runs of spaces and tabs as one), so the
 * database filters and counts, and only the first TOP_N lines leave it.
 */
export function linePatternToLike(pattern: string): string {
  return normalizeCommand(pattern)
    .replace(/[\\%_]/g, (character) => `\\${character}`)
    .replace(/\*/g, '%');
}

/** SQL: the command's line as matchesLinePattern compares it. */
const NORMALIZED_LINE = sql.raw(`regexp_replace(btrim(c.line, E' \\t\\r\\n\\f\\v'), E'[ \\t\\f\\v]+', ' ', 'g')`);

/** Commands submitted in the period (tenant/time index) whose line matches a watch pattern, the first match named. */
export async function listWatchedCommands(db: Executor, period: Period, patterns: readonly string[]): Promise<Listed<WatchedCommand>> {
  if (patterns.length === 0) return { total: 0, items: [] };
  const firstMatch: SQL = sql`case ${sql.join(
    patterns.map((pattern) => sql`when ${NORMALIZED_LINE} like ${linePatternToLike(pattern)} then ${pattern}`),
    sql` `,
  )} end`;
  const rows = await queryRows<{
    id: string;
    line: string;
    pattern: string;
    submitted_at: Date | string;
    server_id: string;
    server_name: string | null;
    operator_user_id: string | null;
    operator_email: string | null;
    total: number;
  }>(
    db,
    sql`with matched as (
          select c.id, c.line, c.submitted_at, c.server_id, c.operator_user_id, ${firstMatch} as pattern
          from commands c
          where c.tenant_id = ${period.tenantId}
            and c.submitted_at >= ${isoTime(period.start)}::timestamptz and c.submitted_at < ${isoTime(period.end)}::timestamptz)
        select m.*, s.name as server_name, u.email as operator_email, count(*) over ()::int as total
        from matched m
        left join servers s on s.tenant_id = ${period.tenantId} and s.id = m.server_id
        left join users u on u.tenant_id = ${period.tenantId} and u.id = m.operator_user_id
        where m.pattern is not null
        order by m.submitted_at, m.id limit ${TOP_N}`,
  );
  return {
    total: rows[0]?.total ?? 0,
    items: rows.map((row) => ({
      commandId: row.id,
      line: row.line.slice(0, 500),
      pattern: row.pattern,
      submittedAt: isoTime(row.submitted_at),
      serverId: row.server_id,
      serverName: row.server_name,
      operatorUserId: row.operator_user_id,
      operatorEmail: row.operator_email,
    })),
  };
}
