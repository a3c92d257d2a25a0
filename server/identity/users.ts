import { and, eq, ilike, inArray, isNotNull, isNull, ne, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { directSessionsToEnd } from '../directives/issue-directives.js';
import { recordChange } from '../audit/record-change.js';
import { publishEvents } from '../realtime/domain-events.js';
import { userSnapshot } from '../audit/snapshots.js';
import { PERMISSIONS, ROLES, type Permission, type Role } from '../auth/permissions.js';
import type { Executor } from '../db/database.js';
import { uniqueViolation } from '../db/db-errors.js';
import { containsPattern } from '../db/like-pattern.js';
import { users, type UserRow } from '../db/tables/index.js';
import { Conflict, NotFound } from '../errors.js';
import { isUuid, newId } from '../ids.js';
import { fetchPage, type Page, type PageArgs } from '../pagination/keyset.js';
import type { TransactionContext } from '../service-context.js';
import { emailSchema, nameSchema, parseInput } from '../validation.js';
import { lockTenant } from './tenants.js';

export const groupSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][\w.@-]{0,63}$/, 'must be 1-64 characters of letters, digits, _ . @ and -');

const createUserInput = z.object({
  email: emailSchema,
  name: nameSchema().optional(),
  role: z.enum(ROLES).default('user'),
  groups: z.array(groupSchema).max(100, 'at most 100 groups').default([]),
  permissions: z.array(z.enum(PERMISSIONS)).default([]),
});

export type CreateUserInput = z.input<typeof createUserInput>;

export async function createUser(ctx: TransactionContext, input: CreateUserInput): Promise<UserRow> {
  const parsed = parseInput(createUserInput, input);
  try {
    const [row] = await ctx.db
      .insert(users)
      .values({
        tenantId: ctx.actor.tenantId,
        id: newId(),
        email: parsed.email,
        name: parsed.name ?? parsed.email.split('@')[0]!,
        role: parsed.role,
        groups: [...new Set(parsed.groups)],
        permissions: [...new Set(parsed.permissions)],
        createdAt: ctx.clock.now(),
        updatedAt: ctx.clock.now(),
      })
      .returning();
    await recordChange(ctx, {
      action: 'user.created',
      resource: { type: 'user', id: row!.id, name: row!.email },
      after: userSnapshot(row!),
      activityDetails: { targetUserId: row!.id, email: row!.email, role: row!.role },
    });
    return row!;
  } catch (error) {
    if (uniqueViolation(error) !== undefined) {
      throw new Conflict(`A user with email ${parsed.email} already exists in this tenant`, { field: 'email' });
    }
    throw error;
  }
}

export async function getUser(db: Executor, tenantId: string, userId: string): Promise<UserRow> {
  if (!isUuid(userId)) throw new NotFound('User', userId);
  const [row] = await db
    .select()
    .from(users)
    .where(and(eq(users.tenantId, tenantId), eq(users.id, userId)));
  if (!row) throw new NotFound('User', userId);
  return row;
}

export async function findUserByEmail(db: Executor, tenantId: string, email: string): Promise<UserRow | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(and(eq(users.tenantId, tenantId), eq(users.email, email.trim().toLowerCase())));
  return row;
}

/** A user named by id or by email, as agents and bots name people; undefined when none. */
export async function findUserByRef(db: Executor, tenantId: string, ref: string): Promise<UserRow | undefined> {
  if (isUuid(ref.trim())) {
    const [row] = await db
      .select()
      .from(users)
      .where(and(eq(users.tenantId, tenantId), eq(users.id, ref.trim().toLowerCase())));
    return row;
  }
  return findUserByEmail(db, tenantId, ref);
}

/**
 * A user row that is an admin of its workspace: by its role, or as an admin of the workspace's
 * account (its mark; server/auth/actor.ts makes the person an admin there). Whoever is told what
 * admins are told (alarms, requests to decide, overdue reviews) is chosen by this.
 */
export const isWorkspaceAdminSql = sql`(${users.role} = 'admin' or ${users.managingAccountId} is not null)`;

/** Enabled users holding `permission`: admins (who hold every one) and those granted it. */
export async function usersHolding(db: Executor, tenantId: string, permission: Permission): Promise<string[]> {
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.tenantId, tenantId), isNull(users.disabledAt), or(isWorkspaceAdminSql, sql`${permission} = any(${users.permissions})`)));
  return rows.map((row) => row.id);
}

export async function findUsersByEmails(db: Executor, tenantId: string, emails: readonly string[]): Promise<UserRow[]> {
  if (emails.length === 0) return [];
  return db
    .select()
    .from(users)
    .where(and(eq(users.tenantId, tenantId), inArray(users.email, [...emails])));
}

export interface UserFilter {
  role?: Role | null;
  isDisabled?: boolean | null;
  /** Matches email or name, case-insensitively. */
  search?: string | null;
  group?: string | null;
}

export async function listUsers(db: Executor, tenantId: string, filter: UserFilter, args: PageArgs): Promise<Page<UserRow>> {
  const conditions: (SQL | undefined)[] = [eq(users.tenantId, tenantId)];
  if (filter.role) conditions.push(eq(users.role, filter.role));
  if (filter.isDisabled != null) conditions.push(filter.isDisabled ? isNotNull(users.disabledAt) : isNull(users.disabledAt));
  if (filter.group) conditions.push(sql`${filter.group} = any(${users.groups})`);
  if (filter.search) {
    const pattern = containsPattern(filter.search);
    conditions.push(or(ilike(users.email, pattern), ilike(users.name, pattern)));
  }
  return fetchPage(
    args,
    [users.id],
    (row) => [row.id],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(users)
        .where(and(...conditions, where))
        .orderBy(...orderBy)
        .limit(limit),
  );
}

/**
 * Refuses a change that would leave the tenant without an enabled admin. The tenant row lock
 * serializes such changes, so two admins demoting each other at once cannot both succeed.
 */
async function assertAnotherAdminRemains(ctx: TransactionContext, userId: string): Promise<void> {
  await lockTenant(ctx.db, ctx.actor.tenantId);
  const [row] = await ctx.db
    .select({ count: sql<number>`count(*)::int` })
    .from(users)
    .where(and(eq(users.tenantId, ctx.actor.tenantId), eq(users.role, 'admin'), isNull(users.disabledAt), ne(users.id, userId)));
  if ((row?.count ?? 0) === 0) {
    throw new Conflict('This is the last enabled admin of the tenant: promote another user first', { field: 'id' });
  }
}

async function updateUser(ctx: TransactionContext, userId: string, changes: Partial<UserRow>): Promise<UserRow> {
  const [row] = await ctx.db
    .update(users)
    .set({ ...changes, updatedAt: ctx.clock.now() })
    .where(and(eq(users.tenantId, ctx.actor.tenantId), eq(users.id, userId)))
    .returning();
  if (!row) throw new NotFound('User', userId);
  // Open subscriptions of this person re-check who they are now (server/http/graphql-ws.ts).
  await publishEvents(ctx.db, [{ type: 'identity.changed', tenantId: ctx.actor.tenantId, userId }]);
  return row;
}

export async function setUserDisabled(ctx: TransactionContext, userId: string, isDisabled: boolean, cause: ChangeCause = {}): Promise<UserRow> {
  const current = await getUser(ctx.db, ctx.actor.tenantId, userId);
  if (isDisabled === (current.disabledAt !== null)) return current;
  if (isDisabled && current.role === 'admin') await assertAnotherAdminRemains(ctx, userId);
  const row = await updateUser(ctx, userId, { disabledAt: isDisabled ? ctx.clock.now() : null });
  // A person disabled keeps no shell open: each of their sessions' agents is told to end it.
  if (isDisabled) await directSessionsToEnd(ctx, { userId }, { cause: 'user.disabled', reason: null });
  await recordChange(ctx, {
    action: isDisabled ? 'user.disabled' : 'user.enabled',
    resource: { type: 'user', id: userId, name: row.email },
    before: userSnapshot(current),
    after: withReason(userSnapshot(row), cause),
    activityDetails: { targetUserId: userId, email: row.email },
  });
  return row;
}

/** Why a change was made, when something other than a person's own edit made it (an access review's revoke). */
export interface ChangeCause {
  readonly reason?: string | null;
}

const withReason = <T extends object>(snapshot: T, cause: ChangeCause): T & { reason?: string } =>
  cause.reason ? { ...snapshot, reason: cause.reason } : snapshot;

export async function changeUserRole(ctx: TransactionContext, userId: string, role: Role, cause: ChangeCause = {}): Promise<UserRow> {
  const current = await getUser(ctx.db, ctx.actor.tenantId, userId);
  if (current.role === role) return current;
  if (current.role === 'admin' && current.disabledAt === null) await assertAnotherAdminRemains(ctx, userId);
  const row = await updateUser(ctx, userId, { role });
  await recordChange(ctx, {
    action: 'user.role_changed',
    resource: { type: 'user', id: userId, name: row.email },
    before: userSnapshot(current),
    after: withReason(userSnapshot(row), cause),
    activityDetails: withReason({ targetUserId: userId, email: row.email, oldRole: current.role, newRole: role }, cause),
  });
  return row;
}

/**
 * Adds (`grant`) or removes entries of a user's list of permissions or groups (groups make
 * approvers and role holders); the result is the user's new list.
 */
async function changeUserList(
  ctx: TransactionContext,
  userId: string,
  list: 'permissions' | 'groups',
  values: readonly string[],
  change: 'grant' | 'revoke',
  cause: ChangeCause,
): Promise<UserRow> {
  const current = await getUser(ctx.db, ctx.actor.tenantId, userId);
  const next = new Set(current[list]);
  for (const value of values) {
    if (change === 'grant') next.add(value);
    else next.delete(value);
  }
  const row = await updateUser(ctx, userId, { [list]: [...next].sort() });
  const [action, oldKey, newKey] =
    list === 'permissions'
      ? (['user.permissions_changed', 'oldPermissions', 'newPermissions'] as const)
      : (['user.groups_changed', 'oldGroups', 'newGroups'] as const);
  await recordChange(ctx, {
    action,
    resource: { type: 'user', id: userId, name: row.email },
    before: userSnapshot(current),
    after: withReason(userSnapshot(row), cause),
    activityDetails: withReason({ targetUserId: userId, email: row.email, [oldKey]: current[list], [newKey]: row[list] }, cause),
  });
  return row;
}

/** Adds (`grant`) or removes permissions; the result is the user's new list of grants. */
export function changeUserPermissions(
  ctx: TransactionContext,
  userId: string,
  permissions: readonly Permission[],
  change: 'grant' | 'revoke',
  cause: ChangeCause = {},
): Promise<UserRow> {
  return changeUserList(ctx, userId, 'permissions', permissions, change, cause);
}

/** Adds (`grant`) a user to groups or removes them (`revoke`); the result is the user's new groups. */
export function changeUserGroups(
  ctx: TransactionContext,
  userId: string,
  groups: readonly string[],
  change: 'grant' | 'revoke',
  cause: ChangeCause = {},
): Promise<UserRow> {
  const parsed = parseInput(z.array(groupSchema).min(1, 'must name at least one group').max(100, 'at most 100 groups'), groups, 'groups');
  return changeUserList(ctx, userId, 'groups', parsed, change, cause);
}
