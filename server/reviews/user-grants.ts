/** Grants a user row holds: standing permissions, group memberships, the admin role (users.ts makes each change). */
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Permission } from '../auth/permissions.js';
import type { Executor } from '../db/database.js';
import { users } from '../db/tables/index.js';
import { changeUserGroups, changeUserPermissions, changeUserRole, getUser, setUserDisabled } from '../identity/users.js';
import type { GrantSource } from './review-grants.js';

/** Enabled users: a disabled person's grants do nothing while they are disabled. */
function enabledUsers(db: Executor, tenantId: string) {
  return db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      groups: users.groups,
      permissions: users.permissions,
      managingAccountId: users.managingAccountId,
    })
    .from(users)
    .where(and(eq(users.tenantId, tenantId), isNull(users.disabledAt)))
    .orderBy(asc(users.email));
}

const person = (user: { email: string; name: string }) => ({ email: user.email, name: user.name });

/** A grant held in one of the user's lists (permissions, groups), one item per entry. */
export function userListSource(itemKind: 'permission' | 'group', list: 'permissions' | 'groups'): GrantSource {
  return {
    async current(db, query) {
      return (await enabledUsers(db, query.tenantId)).flatMap((user) =>
        [...user[list]].sort().map((entry) => ({
          itemKind,
          subjectUserId: user.id,
          grantRef: entry,
          grantSnapshot: { ...person(user), role: user.role, [itemKind]: entry },
        })),
      );
    },
    async revoke(ctx, item, reason) {
      const user = await getUser(ctx.db, ctx.actor.tenantId, item.subjectUserId!);
      if (!user[list].includes(item.grantRef)) return 'already_gone';
      if (list === 'permissions') await changeUserPermissions(ctx, user.id, [item.grantRef as Permission], 'revoke', { reason });
      else await changeUserGroups(ctx, user.id, [item.grantRef], 'revoke', { reason });
      return 'revoked';
    },
  };
}

/** Admin through the workspace's account (server/accounts): the account's admins are this workspace's too. */
const ACCOUNT_ADMIN_REF = 'account_admin';

/**
 * Who is an admin here: by role, and by being an admin of the workspace's account. The workspace
 * cannot take the account's role away (only the account's admins or the operator can), so revoking
 * that item disables the person's row here, which shuts them out of this workspace alone.
 */
export const adminRoleSource: GrantSource = {
  async current(db, query) {
    return (await enabledUsers(db, query.tenantId)).flatMap((user) => [
      ...(user.role === 'admin'
        ? [{ itemKind: 'admin_role' as const, subjectUserId: user.id, grantRef: 'admin', grantSnapshot: { ...person(user), role: 'admin' } }]
        : []),
      ...(user.managingAccountId
        ? [
            {
              itemKind: 'admin_role' as const,
              subjectUserId: user.id,
              grantRef: ACCOUNT_ADMIN_REF,
              grantSnapshot: { ...person(user), role: user.role, accountId: user.managingAccountId },
            },
          ]
        : []),
    ]);
  },
  async revoke(ctx, item, reason) {
    const user = await getUser(ctx.db, ctx.actor.tenantId, item.subjectUserId!);
    if (item.grantRef === ACCOUNT_ADMIN_REF) {
      if (!user.managingAccountId || user.disabledAt) return 'already_gone';
      await setUserDisabled(ctx, user.id, true, { reason });
      return 'revoked';
    }
    if (user.role !== 'admin') return 'already_gone';
    // The last enabled admin stays: changeUserRole refuses it (CONFLICT), and the decision with it.
    await changeUserRole(ctx, user.id, 'user', { reason });
    return 'revoked';
  },
};
