import { sql, type SQL } from 'drizzle-orm';

/**
 * The statement taking a tenant's log lock for the rest of the transaction. Sequencing and signing
 * hold it for a few milliseconds; writers never take it, so they never wait on one another.
 */
export function lockTenantLog(tenantId: string): SQL {
  return sql`select pg_advisory_xact_lock(hashtextextended(${`vigil:log:${tenantId}`}, 0))`;
}
