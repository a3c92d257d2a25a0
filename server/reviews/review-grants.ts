/**
 * The grants an access review re-certifies, one source per item kind: what is granted now (the
 * items a campaign starts with, each with a snapshot of the grant), and how a revoke takes it
 * away, through the service that manages that grant (so it is audited as that service's own
 * change, with the review named in its reason). A grant that went away since the snapshot is
 * reported as already gone, not an error: the review's decision still stands on the record.
 */
import { and, asc, eq, gt, inArray, isNull, lte, ne, or, sql } from 'drizzle-orm';
import { closeSessionInForce } from '../approvals/access-session-lifecycle.js';
import { lockAccessSession } from '../approvals/approval-records.js';
import { endSudoGrant } from '../approvals/sudo-grants.js';
import { WorkflowRecord } from '../approvals/workflow-record.js';
import type { Executor } from '../db/database.js';
import {
  accessSessions,
  apiTokens,
  roleAssignments,
  roles,
  servers,
  sudoAuthorizations,
  users,
  type AccessReviewItemRow,
  type ReviewItemKind,
  type RevokeOutcome,
} from '../db/tables/index.js';
import { revokeToken } from '../identity/api-tokens.js';
import { changeUserGroups, changeUserPermissions, changeUserRole, getUser } from '../identity/users.js';
import { unassignRole } from '../roles/roles.js';
import type { Permission } from '../auth/permissions.js';
import type { TransactionContext } from '../service-context.js';

/** A grant as a campaign's item holds it. */
export interface GrantItem {
  readonly itemKind: ReviewItemKind;
  readonly subjectUserId: string | null;
  readonly grantRef: string;
  readonly grantSnapshot: Record<string, unknown>;
}

export interface GrantQuery {
  readonly tenantId: string;
  readonly now: Date;
  /** API tokens: only those at least this many days old. */
  readonly tokenMinAgeDays: number | null;
}

interface GrantSource {
  /** The grants of this kind in force now, in a stable order. */
  current(db: Executor, query: GrantQuery): Promise<GrantItem[]>;
  /** Takes the item's grant away; `reason` names the review. */
  revoke(ctx: TransactionContext, item: AccessReviewItemRow, reason: string): Promise<RevokeOutcome>;
}

const DAY_MS = 86_400_000;

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
function userListSource(itemKind: 'permission' | 'group', list: 'permissions' | 'groups'): GrantSource {
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

const adminRoleSource: GrantSource = {
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

/** Sudo granted by an admin outside any request: standing, and often without an end. */
const sudoGrantSource: GrantSource = {
  async current(db, query) {
    const rows = await db
      .select({ grant: sudoAuthorizations, email: users.email, name: users.name, server: servers.name })
      .from(sudoAuthorizations)
      .innerJoin(users, and(eq(users.tenantId, sudoAuthorizations.tenantId), eq(users.id, sudoAuthorizations.userId)))
      .innerJoin(servers, and(eq(servers.tenantId, sudoAuthorizations.tenantId), eq(servers.id, sudoAuthorizations.serverId)))
      .where(
        and(
          eq(sudoAuthorizations.tenantId, query.tenantId),
          isNull(sudoAuthorizations.accessSessionId),
          isNull(sudoAuthorizations.revokedAt),
          isNull(users.disabledAt),
          or(isNull(sudoAuthorizations.expiresAt), gt(sudoAuthorizations.expiresAt, query.now)),
        ),
      )
      .orderBy(asc(sudoAuthorizations.grantedAt), asc(sudoAuthorizations.id));
    return rows.map(({ grant, email, name, server }) => ({
      itemKind: 'sudo_grant' as const,
      subjectUserId: grant.userId,
      grantRef: grant.id,
      grantSnapshot: {
        email,
        name,
        server,
        serverId: grant.serverId,
        command: grant.command,
        isPattern: grant.isPattern,
        grantedVia: grant.grantedVia,
        grantedAt: grant.grantedAt.toISOString(),
        expiresAt: grant.expiresAt?.toISOString() ?? null,
      },
    }));
  },
  async revoke(ctx, item, reason) {
    const [grant] = await ctx.db
      .select()
      .from(sudoAuthorizations)
      .where(and(eq(sudoAuthorizations.tenantId, ctx.actor.tenantId), eq(sudoAuthorizations.id, item.grantRef)))
      .for('update');
    const now = ctx.clock.now();
    if (!grant || grant.revokedAt || (grant.expiresAt && grant.expiresAt <= now)) return 'already_gone';
    await endSudoGrant(ctx, grant, reason);
    return 'revoked';
  },
};

/** Person tokens (user and stream) in force, at least tokenMinAgeDays old. */
const apiTokenSource: GrantSource = {
  async current(db, query) {
    const createdBy = new Date(query.now.getTime() - (query.tokenMinAgeDays ?? 0) * DAY_MS);
    const rows = await db
      .select({ token: apiTokens, email: users.email, name: users.name })
      .from(apiTokens)
      .innerJoin(users, and(eq(users.tenantId, apiTokens.tenantId), eq(users.id, apiTokens.userId)))
      .where(
        and(
          eq(apiTokens.tenantId, query.tenantId),
          ne(apiTokens.kind, 'agent'),
          isNull(apiTokens.revokedAt),
          isNull(users.disabledAt),
          or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, query.now)),
          lte(apiTokens.createdAt, createdBy),
        ),
      )
      .orderBy(asc(apiTokens.createdAt), asc(apiTokens.id));
    return rows.map(({ token, email, name }) => ({
      itemKind: 'api_token' as const,
      subjectUserId: token.userId,
      grantRef: token.id,
      grantSnapshot: {
        email,
        name,
        token: token.name,
        kind: token.kind,
        hint: token.hint,
        createdAt: token.createdAt.toISOString(),
        expiresAt: token.expiresAt?.toISOString() ?? null,
        lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
      },
    }));
  },
  async revoke(ctx, item, reason) {
    const [token] = await ctx.db
      .select({ revokedAt: apiTokens.revokedAt, expiresAt: apiTokens.expiresAt })
      .from(apiTokens)
      .where(and(eq(apiTokens.tenantId, ctx.actor.tenantId), eq(apiTokens.id, item.grantRef)));
    if (!token || token.revokedAt || (token.expiresAt && token.expiresAt <= ctx.clock.now())) return 'already_gone';
    await revokeToken(ctx, item.grantRef, reason);
    return 'revoked';
  },
};

/**
 * Custom roles held by a user or a group (server/roles), unexpired. A group's assignment has no
 * one subject: the snapshot names the group, and none of its members reviews it (review-scope.ts).
 * unassignRole takes no reason: the decision's own audit entry, in the same transaction, says it.
 */
const roleAssignmentSource: GrantSource = {
  async current(db, query) {
    const rows = await db
      .select({
        assignment: roleAssignments,
        role: roles.name,
        permissions: roles.permissions,
        selectors: roles.serverSelectors,
        email: users.email,
        name: users.name,
      })
      .from(roleAssignments)
      .innerJoin(roles, and(eq(roles.tenantId, roleAssignments.tenantId), eq(roles.id, roleAssignments.roleId)))
      .leftJoin(users, and(eq(users.tenantId, roleAssignments.tenantId), eq(users.id, roleAssignments.userId)))
      .where(
        and(
          eq(roleAssignments.tenantId, query.tenantId),
          or(isNull(roleAssignments.expiresAt), gt(roleAssignments.expiresAt, query.now)),
          or(isNull(roleAssignments.userId), isNull(users.disabledAt)),
        ),
      )
      .orderBy(asc(roleAssignments.createdAt), asc(roleAssignments.id));
    return rows.map(({ assignment, role, permissions, selectors, email, name }) => ({
      itemKind: 'role_assignment' as const,
      subjectUserId: assignment.userId,
      grantRef: assignment.id,
      grantSnapshot: {
        role,
        roleId: assignment.roleId,
        permissions,
        serverSelectors: selectors,
        ...(assignment.userId ? { email, name } : { groupName: assignment.groupName }),
        expiresAt: assignment.expiresAt?.toISOString() ?? null,
      },
    }));
  },
  async revoke(ctx, item) {
    const [assignment] = await ctx.db
      .select({ expiresAt: roleAssignments.expiresAt })
      .from(roleAssignments)
      .where(and(eq(roleAssignments.tenantId, ctx.actor.tenantId), eq(roleAssignments.id, item.grantRef)))
      .for('update');
    if (!assignment || (assignment.expiresAt && assignment.expiresAt <= ctx.clock.now())) return 'already_gone';
    await unassignRole(ctx, item.grantRef);
    return 'revoked';
  },
};

/** An access session granted for longer than this, start to end (extensions included), is long-lived access. */
export const LONG_LIVED_SESSION_MS = 24 * 3600_000;

/** Access sessions in force (approved or active) granted for more than a day: revoked as an admin's revokeAccessSession would. */
const accessSessionSource: GrantSource = {
  async current(db, query) {
    const rows = await db
      .select({ session: accessSessions, email: users.email, name: users.name })
      .from(accessSessions)
      .innerJoin(users, and(eq(users.tenantId, accessSessions.tenantId), eq(users.id, accessSessions.requesterId)))
      .where(
        and(
          eq(accessSessions.tenantId, query.tenantId),
          inArray(accessSessions.status, ['approved', 'active']),
          isNull(users.disabledAt),
          gt(accessSessions.expiresAt, query.now),
          sql`${accessSessions.expiresAt} - ${accessSessions.startsAt} > ${sql.raw(`interval '${LONG_LIVED_SESSION_MS / 1000} seconds'`)}`,
        ),
      )
      .orderBy(asc(accessSessions.startsAt), asc(accessSessions.id));
    return rows.map(({ session, email, name }) => ({
      itemKind: 'access_session' as const,
      subjectUserId: session.requesterId,
      grantRef: session.id,
      grantSnapshot: {
        email,
        name,
        serverIds: session.serverIds,
        serverLabels: session.serverLabels,
        isSudoAllowed: session.isSudoAllowed,
        reason: session.reason,
        startsAt: session.startsAt?.toISOString() ?? null,
        expiresAt: session.expiresAt?.toISOString() ?? null,
      },
    }));
  },
  async revoke(ctx, item, reason) {
    const session = await lockAccessSession(ctx.db, ctx.actor.tenantId, item.grantRef);
    const isInForce = (session.status === 'approved' || session.status === 'active') && (!session.expiresAt || session.expiresAt > ctx.clock.now());
    if (!isInForce) return 'already_gone';
    const record = new WorkflowRecord();
    await closeSessionInForce(ctx, session, 'revoked', reason, record);
    await record.write(ctx);
    return 'revoked';
  },
};

export const GRANT_SOURCES: Readonly<Partial<Record<ReviewItemKind, GrantSource>>> = {
  permission: userListSource('permission', 'permissions'),
  admin_role: adminRoleSource,
  group: userListSource('group', 'groups'),
  role_assignment: roleAssignmentSource,
  sudo_grant: sudoGrantSource,
  api_token: apiTokenSource,
  access_session: accessSessionSource,
};

/** The grants of `kinds` in force now, kind by kind. */
export async function currentGrants(db: Executor, kinds: readonly ReviewItemKind[], query: GrantQuery): Promise<GrantItem[]> {
  const items: GrantItem[] = [];
  for (const kind of kinds) {
    const source = GRANT_SOURCES[kind];
    if (source) items.push(...(await source.current(db, query)));
  }
  return items;
}

/** Takes an item's grant away (or finds it gone). */
export function revokeGrant(ctx: TransactionContext, item: AccessReviewItemRow, reason: string): Promise<RevokeOutcome> {
  const source = GRANT_SOURCES[item.itemKind];
  if (!source) throw new Error(`No grant source for ${item.itemKind}`);
  return source.revoke(ctx, item, reason);
}
