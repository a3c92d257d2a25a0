/** Grants a user row holds: standing permissions, group memberships, the admin role (users.ts makes each change). */
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Permission } from '../auth/permissions.js';
import type { Executor } from '../db/database.js';
import { users } from '../db/tables/index.js';
import { changeUserGroups, changeUserPermissions, changeUserRole, getUser } from '../identity/users.js';
import type { GrantSource } from './review-grants.js';

/** Enabled users: a disabled person's grants do nothing while they are disabled. */
function enabledUsers(db: Executor, tenantId: string) {
  return db
    .select({ id: users.id, email: users.email, name: users.name, role: users.role, groups: users.groups, permissions: users.permissions })
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

export const adminRoleSource: GrantSource = {
  async current(db, query) {
    return (await enabledUsers(db, query.tenantId))
      .filter((user) => user.role === 'admin')
      .map((user) => ({ itemKind: 'admin_role' as const, subjectUserId: user.id, grantRef: 'admin', grantSnapshot: { ...person(user), role: 'admin' } }));
  },
  async revoke(ctx, item, reason) {
    const user = await getUser(ctx.db, ctx.actor.tenantId, item.subjectUserId!);
    if (user.role !== 'admin') return 'already_gone';
    // The last enabled admin stays: changeUserRole refuses it (CONFLICT), and the decision with it.
    await changeUserRole(ctx, user.id, 'user', { reason });
    return 'revoked';
  },
};
