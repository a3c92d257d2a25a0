/**
 * Account admins: people who are admins of every workspace of an account. A person is one by the
 * mark on their user row in each of the account's workspaces (users.managing_account_id), set and
 * cleared here only, and each mark is a version of that row in that workspace's verifiable log with
 * the audit entry that explains it. Nothing else makes someone an account admin: a row marked
 * around Vigil has no leaf and verification names it.
 *
 * The same person in two workspaces is the same email: the grant finds (or creates) their row in
 * each workspace by email, and choosing a workspace (server/auth/act-in-workspace.ts) finds it again.
 */
import { and, eq } from 'drizzle-orm';
import { recordChange } from '../audit/record-change.js';
import { userActorOf, type UserActor } from '../auth/actor.js';
import { userSnapshot } from '../audit/snapshots.js';
import type { Executor } from '../db/database.js';
import { users, type AccountRow, type UserRow } from '../db/tables/index.js';
import { BadInput, Conflict, NotFound } from '../errors.js';
import { createUser, findUserByEmail } from '../identity/users.js';
import { publishEvents } from '../realtime/domain-events.js';
import type { TransactionContext } from '../service-context.js';
import { emailSchema, parseInput } from '../validation.js';
import { accountWorkspaces, inAccountTransaction, lockAccount, workspaceContext, type AccountDeps, type ActorIn } from './accounts.js';

/** The person's row in a workspace that carries the account's mark, if any (disabled ones included). */
export async function findAccountSeat(db: Executor, tenantId: string, accountId: string, email: string): Promise<UserRow | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(and(eq(users.tenantId, tenantId), eq(users.email, email), eq(users.managingAccountId, accountId)));
  return row;
}

/** In each workspace, a granting or revoking account admin acts as their own row there (every account admin has one in each). */
export function accountAdminIn(admin: UserActor & { readonly accountId: string }): ActorIn {
  return async (tenantId, tx) => {
    if (tenantId === admin.tenantId) return admin;
    const seat = await findAccountSeat(tx, tenantId, admin.accountId, admin.email);
    return seat ? userActorOf(seat, { isPersonal: true }) : { type: 'system', tenantId, name: `account-admin:${admin.email}` };
  };
}

/** The account's admins' emails: the marked rows of each of its workspaces, read one workspace at a time. */
export async function accountAdminEmails(db: Executor, accountId: string): Promise<string[]> {
  const emails = new Set<string>();
  for (const workspace of await accountWorkspaces(db, accountId)) {
    const rows = await db
      .select({ email: users.email })
      .from(users)
      .where(and(eq(users.tenantId, workspace.id), eq(users.managingAccountId, accountId)));
    for (const row of rows) emails.add(row.email);
  }
  return [...emails].sort();
}

/** Marks the person's row in the context's workspace (creating it, as a user, where missing). */
export async function markAccountAdmin(ctx: TransactionContext, account: AccountRow, email: string): Promise<UserRow> {
  const current = (await findUserByEmail(ctx.db, ctx.actor.tenantId, email)) ?? (await createUser(ctx, { email }));
  if (current.managingAccountId === account.id) return current;
  const [row] = await ctx.db
    .update(users)
    .set({ managingAccountId: account.id, updatedAt: ctx.clock.now() })
    .where(and(eq(users.tenantId, ctx.actor.tenantId), eq(users.id, current.id)))
    .returning();
  await publishEvents(ctx.db, [{ type: 'identity.changed', tenantId: ctx.actor.tenantId, userId: row!.id }]);
  await recordChange(ctx, {
    action: 'user.account_admin_granted',
    resource: { type: 'user', id: row!.id, name: row!.email },
    before: { ...userSnapshot(current), managingAccountId: null },
    after: { ...userSnapshot(row!), managingAccountId: account.id, accountSlug: account.slug },
  });
  return row!;
}

async function unmarkAccountAdmin(ctx: TransactionContext, account: AccountRow, email: string): Promise<UserRow | undefined> {
  const [row] = await ctx.db
    .update(users)
    .set({ managingAccountId: null, updatedAt: ctx.clock.now() })
    .where(and(eq(users.tenantId, ctx.actor.tenantId), eq(users.email, email), eq(users.managingAccountId, account.id)))
    .returning();
  if (!row) return undefined;
  await publishEvents(ctx.db, [{ type: 'identity.changed', tenantId: ctx.actor.tenantId, userId: row.id }]);
  await recordChange(ctx, {
    action: 'user.account_admin_revoked',
    resource: { type: 'user', id: row.id, name: row.email },
    before: { ...userSnapshot(row), managingAccountId: account.id, accountSlug: account.slug },
    after: { ...userSnapshot(row), managingAccountId: null },
  });
  return row;
}

/** Makes the person an admin of every workspace of the account, in one transaction. */
export async function grantAccountAdmin(deps: AccountDeps, accountRef: string, email: string, actorIn: ActorIn): Promise<string[]> {
  const address = parseInput(emailSchema, email, 'email');
  return inAccountTransaction(deps, async (tx, touched) => {
    const account = await lockAccount(tx, accountRef);
    const workspaces = await accountWorkspaces(tx, account.id);
    if (workspaces.length === 0) throw new BadInput('account', `Account ${account.slug} holds no workspace yet: join one to it first`);
    for (const workspace of workspaces) {
      await markAccountAdmin(workspaceContext(deps, tx, await actorIn(workspace.id, tx)), account, address);
      touched.add(workspace.id);
    }
    return workspaces.map((workspace) => workspace.slug);
  });
}

/** Ends the person's admin role in every workspace of the account at once (their rows stay, as plain users). */
export async function revokeAccountAdmin(deps: AccountDeps, accountRef: string, email: string, actorIn: ActorIn): Promise<string[]> {
  const address = parseInput(emailSchema, email, 'email');
  return inAccountTransaction(deps, async (tx, touched) => {
    const account = await lockAccount(tx, accountRef);
    const revokedIn: string[] = [];
    for (const workspace of await accountWorkspaces(tx, account.id)) {
      const ctx = workspaceContext(deps, tx, await actorIn(workspace.id, tx));
      if (await unmarkAccountAdmin(ctx, account, address)) {
        revokedIn.push(workspace.slug);
        touched.add(workspace.id);
      }
    }
    if (revokedIn.length === 0) throw new NotFound('Account admin', address);
    if ((await accountAdminEmails(tx, account.id)).length === 0) {
      throw new Conflict(`${address} is the account's last admin: grant another first`, { field: 'email' });
    }
    return revokedIn;
  });
}
