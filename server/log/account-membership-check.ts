/**
 * The workspace's account (tenants.account_id) is a column of a global table, in no tenant's tree;
 * what the log holds of it is the latest `tenant.account_joined` / `tenant.account_left` entry of
 * the workspace. A column that disagrees was changed around Vigil (putting the workspace in an
 * account, or taking it out, by SQL) and is named as a modified record of kind `tenant`.
 */
import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../db/database.js';
import type { FaultList } from './log-faults.js';

export async function checkAccountMembership(db: Executor, tenantId: string, faults: FaultList): Promise<void> {
  const [row] = await queryRows<{ stored: string | null; logged: string | null }>(
    db,
    sql`select t.account_id::text as stored,
               (select case when e.action = 'tenant.account_joined' then e.after->>'accountId' end
                  from audit_entries e
                 where e.tenant_id = ${tenantId} and e.action in ('tenant.account_joined', 'tenant.account_left')
                 order by e.seq desc nulls first limit 1) as logged
          from tenants t where t.id = ${tenantId}`,
  );
  if (!row || row.stored === row.logged) return;
  faults.add('record_modified', `The workspace's account is ${row.stored ?? 'none'}, but its log last recorded ${row.logged ?? 'none'}: changed around Vigil`, {
    recordKind: 'tenant',
    recordId: tenantId,
  });
}
