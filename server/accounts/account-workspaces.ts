/**
 * Which workspaces an account holds: changed through the operator CLI only (server/cli), never
 * through the API, so no workspace admin can put their workspace under someone's account and no
 * account admin can take one in. Each change is recorded in the workspace's own log.
 */
import { and, eq, isNotNull } from 'drizzle-orm';
import { recordChange } from '../audit/record-change.js';
import { tenants, users, type TenantRow } from '../db/tables/index.js';
import { Conflict, NotFound } from '../errors.js';
import { findTenant } from '../identity/tenants.js';
import { publishEvents } from '../realtime/domain-events.js';
import { accountAdminEmails, markAccountAdmin } from './account-admins.js';
import { inAccountTransaction, lockAccount, lockWorkspace, workspaceContext, type AccountDeps, type ActorIn } from './accounts.js';

/**
 * Puts a workspace in an account: its admins become the workspace's admins (their rows here are
 * marked, created where missing). Refused while the workspace belongs to another account.
 */
export async function joinAccount(deps: AccountDeps, accountRef: string, workspaceRef: string, actorIn: ActorIn): Promise<TenantRow> {
  return inAccountTransaction(deps, async (tx, touched) => {
    const account = await lockAccount(tx, accountRef);
    const workspace = await lockWorkspace(tx, workspaceRef);
    if (workspace.accountId === account.id) return workspace;
    if (workspace.accountId) throw new Conflict(`Workspace ${workspace.slug} belongs to another account: it must leave it first`, { field: 'workspace' });
    const emails = await accountAdminEmails(tx, account.id);
    const [joined] = await tx.update(tenants).set({ accountId: account.id }).where(eq(tenants.id, workspace.id)).returning();
    const ctx = workspaceContext(deps, tx, await actorIn(workspace.id, tx));
    for (const email of emails) await markAccountAdmin(ctx, account, email);
    await recordChange(ctx, {
      action: 'tenant.account_joined',
      resource: { type: 'tenant', id: workspace.id, name: workspace.slug },
      after: { accountId: account.id, accountSlug: account.slug, accountName: account.name, accountAdmins: emails },
    });
    touched.add(workspace.id);
    return joined!;
  });
}

/** Takes a workspace out of its account: the account's admins stop being its admins at once. */
export async function leaveAccount(deps: AccountDeps, workspaceRef: string, actorIn: ActorIn): Promise<TenantRow> {
  return inAccountTransaction(deps, async (tx, touched) => {
    const found = await findTenant(tx, workspaceRef);
    if (!found) throw new NotFound('Workspace', workspaceRef);
    if (!found.accountId) return found;
    const account = await lockAccount(tx, found.accountId);
    const workspace = await lockWorkspace(tx, found.id);
    if (workspace.accountId !== account.id) return workspace;
    const ctx = workspaceContext(deps, tx, await actorIn(workspace.id, tx));
    const marked = await tx
      .update(users)
      .set({ managingAccountId: null, updatedAt: deps.clock.now() })
      .where(and(eq(users.tenantId, workspace.id), isNotNull(users.managingAccountId)))
      .returning({ id: users.id, email: users.email });
    const [left] = await tx.update(tenants).set({ accountId: null }).where(eq(tenants.id, workspace.id)).returning();
    if (marked.length > 0)
      await publishEvents(
        tx,
        marked.map((row) => ({ type: 'identity.changed' as const, tenantId: workspace.id, userId: row.id })),
      );
    await recordChange(ctx, {
      action: 'tenant.account_left',
      resource: { type: 'tenant', id: workspace.id, name: workspace.slug },
      before: { accountId: account.id, accountSlug: account.slug, accountAdmins: marked.map((row) => row.email) },
    });
    touched.add(workspace.id);
    return left!;
  });
}
