/**
 * Claims on an outbox's due rows (the webhook, alert and person outboxes share the columns
 * status, attempts, next_attempt_at and last_attempt_at). A claim takes due rows FOR UPDATE SKIP
 * LOCKED and marks them `delivering` until the lease's end (their next_attempt_at), counting the
 * attempt, before anything is sent: instances share the work, none sends a row another holds, and
 * a lease that lapses (a sender that died) makes the row due again.
 */
import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../db/database.js';

export type OutboxTable = 'webhook_deliveries' | 'alert_deliveries' | 'person_deliveries';

const UNSETTLED = sql.raw(`('pending', 'retrying', 'delivering')`);

/** The tenants with rows due at `now`. */
export async function tenantsWithDueRows(db: Executor, table: OutboxTable, now: Date): Promise<string[]> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`select t.id from tenants t where exists (
          select 1 from ${sql.identifier(table)} d where d.tenant_id = t.id and d.status in ${UNSETTLED} and d.next_attempt_at <= ${now.toISOString()}::timestamptz)`,
  );
  return rows.map((row) => row.id);
}

/** Claims up to `limit` of the tenant's due rows until `leaseUntil`; returns their ids. */
export async function claimDueRows(db: Executor, table: OutboxTable, tenantId: string, now: Date, leaseUntil: Date, limit: number): Promise<string[]> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`
    with due as (
      select id from ${sql.identifier(table)}
      where tenant_id = ${tenantId} and status in ${UNSETTLED} and next_attempt_at <= ${now.toISOString()}::timestamptz
      order by next_attempt_at
      limit ${limit}
      for update skip locked
    )
    update ${sql.identifier(table)} d
    set status = 'delivering', attempts = d.attempts + 1, next_attempt_at = ${leaseUntil.toISOString()}::timestamptz,
        last_attempt_at = ${now.toISOString()}::timestamptz
    from due
    where d.tenant_id = ${tenantId} and d.id = due.id
    returning d.id`,
  );
  return rows.map((row) => row.id);
}
