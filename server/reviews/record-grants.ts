/**
 * Grants kept as rows of their own: standing sudo grants, person API tokens, custom role
 * assignments and long-lived access sessions, each taken away through its own service.
 */
import { and, asc, eq, gt, inArray, isNull, lte, ne, or, sql } from 'drizzle-orm';
import { closeSessionInForce } from '../approvals/access-session-lifecycle.js';
import { lockAccessSession } from '../approvals/approval-records.js';
import { endSudoGrant } from '../approvals/sudo-grants.js';
import { WorkflowRecord } from '../approvals/workflow-record.js';
import { accessSessions, apiTokens, roleAssignments, roles, servers, sudoAuthorizations, users } from '../db/tables/index.js';
import { revokeToken } from '../identity/api-tokens.js';
import { unassignRole } from '../roles/roles.js';
import type { GrantSource } from './review-grants.js';

const DAY_MS = 86_400_000;

/** Sudo granted by an admin outside any request: standing, and often without an end. */
export const sudoGrantSource: GrantSource = {
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
export const apiTokenSource: GrantSource = {
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
 * one subject: the snapshot names the group, and none of its members reviews it (isOwnGrant, server/auth/scope.ts).
 */
export const roleAssignmentSource: GrantSource = {
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
  async revoke(ctx, item, reason) {
    const [assignment] = await ctx.db
      .select({ expiresAt: roleAssignments.expiresAt })
      .from(roleAssignments)
      .where(and(eq(roleAssignments.tenantId, ctx.actor.tenantId), eq(roleAssignments.id, item.grantRef)))
      .for('update');
    if (!assignment || (assignment.expiresAt && assignment.expiresAt <= ctx.clock.now())) return 'already_gone';
    await unassignRole(ctx, item.grantRef, reason);
    return 'revoked';
  },
};

/** An access session granted for longer than this, start to end (extensions included), is long-lived access. */
export const LONG_LIVED_SESSION_MS = 24 * 3600_000;

/** Access sessions in force (approved or active) granted for more than a day: revoked as an admin's revokeAccessSession would. */
export const accessSessionSource: GrantSource = {
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
