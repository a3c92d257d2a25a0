/**
 * A tenant's authorization epoch: the newest id of authorization_changes, which triggers bump on
 * every change a session authorization rests on (migration 0025). The reference agent reads it
 * with its directives every second and drops the login answers it cached under an older epoch, so
 * a revoked access session, a disabled user or a stricter policy reaches the login path within a
 * poll, without Vigil being asked at every login.
 */
import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../db/database.js';

/** Old change rows go; each tenant's newest stays, so its epoch never moves back. */
const KEEP_CHANGES_MS = 60 * 60_000;

export async function authorizationEpoch(db: Executor, tenantId: string): Promise<string> {
  const [row] = await queryRows<{ epoch: string }>(
    db,
    sql`select coalesce(max(id), 0)::text as epoch from authorization_changes where tenant_id = ${tenantId}`,
  );
  return row!.epoch;
}

/** Deletes change rows older than an hour except each tenant's newest; safe on every instance at once. */
export async function pruneAuthorizationChanges(db: Executor, now: Date): Promise<number> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`delete from authorization_changes c
        where c.changed_at < ${new Date(now.getTime() - KEEP_CHANGES_MS).toISOString()}::timestamptz
          and c.id < (select max(n.id) from authorization_changes n where n.tenant_id = c.tenant_id)
        returning c.id::text as id`,
  );
  return rows.length;
}
