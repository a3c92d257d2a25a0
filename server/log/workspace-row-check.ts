/**
 * A workspace's own row (tenants: slug, name, account_id) and its account's row (accounts: slug,
 * name) are global tables, in no tenant's tree; what the log holds of them is in audit entries:
 * the workspace's `tenant.created` entry (its slug and name; nothing renames a workspace) and its
 * latest `tenant.account_joined` / `tenant.account_left` entry (the account's id, slug and, since
 * 2026-12-07, name; nothing renames an account either). A row that disagrees was changed around
 * Vigil, by SQL: a workspace put in an account or taken out, renamed, or its account renamed. Each
 * is named as a modified record of kind `tenant` or `account`.
 */
import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../db/database.js';
import type { FaultList } from './log-faults.js';

interface WorkspaceRow {
  slug: string;
  name: string;
  account_id: string | null;
  account_slug: string | null;
  account_name: string | null;
  /** The `after` of the workspace's tenant.created entry, if the log still holds it. */
  created: { slug?: string; name?: string } | null;
  /** The workspace's latest join or leave: the account's id, slug and name as recorded then. */
  membership: { action: string; accountId?: string; accountSlug?: string; accountName?: string } | null;
}

export async function checkWorkspaceRow(db: Executor, tenantId: string, faults: FaultList): Promise<void> {
  const [row] = await queryRows<WorkspaceRow>(
    db,
    sql`select t.slug, t.name, t.account_id::text as account_id, a.slug as account_slug, a.name as account_name,
               (select e.after from audit_entries e
                 where e.tenant_id = ${tenantId} and e.action = 'tenant.created'
                 order by e.seq nulls last limit 1) as created,
               (select jsonb_build_object('action', e.action, 'accountId', e.after->>'accountId', 'accountSlug', e.after->>'accountSlug',
                                          'accountName', e.after->>'accountName')
                  from audit_entries e
                 where e.tenant_id = ${tenantId} and e.action in ('tenant.account_joined', 'tenant.account_left')
                 order by e.seq desc nulls first limit 1) as membership
          from tenants t left join accounts a on a.id = t.account_id where t.id = ${tenantId}`,
  );
  if (!row) return;
  const tenant = (message: string) => faults.add('record_modified', message, { recordKind: 'tenant', recordId: tenantId });
  const { created, membership } = row;
  if (created?.slug !== undefined && created.slug !== row.slug)
    tenant(`The workspace's slug is ${row.slug}, but its log recorded ${created.slug}: changed around Vigil`);
  if (created?.name !== undefined && created.name !== row.name)
    tenant(`The workspace's name is ${row.name}, but its log recorded ${created.name}: changed around Vigil`);

  const joined = membership?.action === 'tenant.account_joined' ? membership : undefined;
  const logged = joined?.accountId ?? null;
  if (row.account_id !== logged) {
    tenant(`The workspace's account is ${row.account_id ?? 'none'}, but its log last recorded ${logged ?? 'none'}: changed around Vigil`);
    return;
  }
  if (!joined || row.account_id === null) return;
  const account = (message: string) => faults.add('record_modified', message, { recordKind: 'account', recordId: row.account_id });
  if (joined.accountSlug != null && joined.accountSlug !== row.account_slug) {
    account(`The workspace's account's slug is ${row.account_slug}, but its log recorded ${joined.accountSlug} when it joined: changed around Vigil`);
  }
  if (joined.accountName != null && joined.accountName !== row.account_name) {
    account(`The workspace's account's name is ${row.account_name}, but its log recorded ${joined.accountName} when it joined: changed around Vigil`);
  }
}
