import { sql, type SQL } from 'drizzle-orm';
import { arrayLiteral } from '../db/bulk-insert.js';

const lockKey = (tenantId: string) => `vigil:log:${tenantId}`;

/**
 * The statement taking a tenant's log lock for the rest of the transaction. Sequencing and signing
 * hold it for a few milliseconds; writers never take it, so they never wait on one another.
 */
export function lockTenantLog(tenantId: string): SQL {
  return sql`select pg_advisory_xact_lock(hashtextextended(${lockKey(tenantId)}, 0))`;
}

/**
 * The log locks of several tenants in one statement. Every holder of more than one takes them in
 * the same order (their keys sorted), so two runs can wait for one another but never deadlock.
 */
export function lockTenantLogs(tenantIds: readonly string[]): SQL {
  const keys = [...new Set(tenantIds.map(lockKey))].sort();
  if (keys.length === 1) return sql`select pg_advisory_xact_lock(hashtextextended(${keys[0]}, 0))`;
  return sql`select count(pg_advisory_xact_lock(hashtextextended(k, 0))) from (select k from unnest(${arrayLiteral(keys)}::text[]) with ordinality as u(k, n) order by n) ordered`;
}
