/**
 * Custom roles: a tenant's named sets of permissions, held tenant-wide or, with server label
 * selectors, for the servers whose labels match one of them; and who holds each (a user, or every
 * member of a group, until an optional expiry). Admins manage them. The built-in roles (admin,
 * user) are users.role and are listed beside them, never stored here.
 *
 * A role scoped by selectors may hold only the permissions that are about servers' records
 * (SERVER_BOUND_PERMISSIONS): what the others give (the audit log, managing monitoring, cases) is
 * not on any server, so a selector could not narrow it. A role is deleted only while nobody holds
 * it (CONFLICT otherwise): who loses what must be a decision of its own, one unassignment at a time.
 */
import { and, asc, eq, lte, sql } from 'drizzle-orm';
import { z } from 'zod';
import { PERMISSIONS, type Permission } from '../auth/permissions.js';
import { recordChange } from '../audit/record-change.js';
import { arrayLiteral } from '../db/bulk-insert.js';
import type { Executor } from '../db/database.js';
import { conflictOnDuplicateName, uniqueViolation } from '../db/db-errors.js';
import { roleAssignments, roles, users, type RoleAssignmentRow, type RoleRow, type ServerSelector } from '../db/tables/index.js';
import { labelKey } from '../identity/servers.js';
import { BadInput, Conflict, NotFound } from '../errors.js';
import { actorId } from '../auth/actor.js';
import { newId } from '../ids.js';
import { publishEvents } from '../realtime/domain-events.js';
import type { TransactionContext } from '../service-context.js';
import { nameSchema, parseInput } from '../validation.js';

/** The permissions a role scoped by server labels may hold: each reads or decides rows that are on servers. */
export const SERVER_BOUND_PERMISSIONS: readonly Permission[] = [
  'records.view',
  'session_recordings.view',
  'monitoring.view',
  'approvals.decide',
  'audit_logs.export',
];

/** A selector's key follows the label key rule of servers; its value the label value rule, and non-empty. */
const selectorSchema = z.object({
  labels: z
    .array(z.object({ key: labelKey, value: z.string().trim().min(1, 'must not be empty').max(256, 'must be at most 256 characters') }))
    .min(1, 'must name at least one label')
    .max(16, 'at most 16 labels')
    .refine((labels) => new Set(labels.map((label) => label.key)).size === labels.length, 'has the same key twice'),
});

const permissionsSchema = z.array(z.enum(PERMISSIONS, { message: `must be one of ${PERMISSIONS.join(', ')}` })).max(PERMISSIONS.length);

const roleFields = {
  name: nameSchema(64),
  description: z.string().trim().max(1000, 'must be at most 1000 characters'),
  permissions: permissionsSchema,
  serverSelectors: z.array(selectorSchema).max(32, 'at most 32 selectors'),
};
const createInput = z.object({ ...roleFields, description: roleFields.description.default(''), serverSelectors: roleFields.serverSelectors.default([]) });
const updateInput = z.object({
  name: roleFields.name.optional(),
  description: roleFields.description.optional(),
  permissions: roleFields.permissions.optional(),
  serverSelectors: roleFields.serverSelectors.optional(),
});

/** A role and an assignment as the API sees them (the rows: nothing in them is secret). */
export type RoleRecord = RoleRow;
export type RoleAssignmentRecord = RoleAssignmentRow;
export type { ServerSelector };

export type CreateRoleInput = z.input<typeof createInput>;
export type UpdateRoleInput = z.input<typeof updateInput>;

const selectorsOf = (input: z.output<typeof selectorSchema>[]): ServerSelector[] =>
  input.map((selector) => Object.fromEntries(selector.labels.map((label) => [label.key, label.value])));

/** A scoped role's permissions must all be server-bound: BAD_USER_INPUT on `input.permissions` naming the others. */
function checkScopedPermissions(permissions: readonly Permission[], selectors: readonly ServerSelector[]): void {
  if (selectors.length === 0) return;
  const unbound = permissions.filter((permission) => !SERVER_BOUND_PERMISSIONS.includes(permission));
  if (unbound.length > 0) {
    throw new BadInput(
      'input.permissions',
      `input.permissions: ${unbound.join(', ')} ${unbound.length === 1 ? 'is' : 'are'} not about servers' records, so a role scoped by server labels cannot hold ${unbound.length === 1 ? 'it' : 'them'} (server-bound: ${SERVER_BOUND_PERMISSIONS.join(', ')})`,
    );
  }
}

export const roleSnapshot = (row: RoleRow) => ({
  id: row.id,
  name: row.name,
  description: row.description,
  permissions: row.permissions,
  serverSelectors: row.serverSelectors,
});

/**
 * Open subscriptions re-check who they act as (server/http/graphql-ws.ts): the person an
 * assignment names, or everyone of the tenant when a group's assignment or a role itself changed.
 * Requests need nothing: each reads the holder's roles anew.
 */
const holdersChanged = (ctx: TransactionContext, userId?: string | null) =>
  publishEvents(ctx.db, [{ type: 'identity.changed', tenantId: ctx.actor.tenantId, ...(userId ? { userId } : { everyone: true as const }) }]);

const duplicateName = (error: unknown, name: string | undefined): never => conflictOnDuplicateName(error, `A role named ${name} already exists in this tenant`);

export async function createRole(ctx: TransactionContext, input: CreateRoleInput): Promise<RoleRow> {
  const parsed = parseInput(createInput, input, 'input');
  const serverSelectors = selectorsOf(parsed.serverSelectors);
  checkScopedPermissions(parsed.permissions, serverSelectors);
  const now = ctx.clock.now();
  const row = await ctx.db
    .insert(roles)
    .values({
      tenantId: ctx.actor.tenantId,
      id: newId(),
      name: parsed.name,
      description: parsed.description,
      permissions: [...new Set(parsed.permissions)],
      serverSelectors,
      createdAt: now,
      updatedAt: now,
    })
    .returning()
    .then(([inserted]) => inserted!)
    .catch((error: unknown) => duplicateName(error, parsed.name));
  await recordChange(ctx, { action: 'role.created', resource: { type: 'role', id: row.id, name: row.name }, after: roleSnapshot(row) });
  return row;
}

export async function getRole(db: Executor, tenantId: string, id: string): Promise<RoleRow> {
  const [row] = await db
    .select()
    .from(roles)
    .where(and(eq(roles.tenantId, tenantId), eq(roles.id, id)));
  if (!row) throw new NotFound('Role', id);
  return row;
}

export async function updateRole(ctx: TransactionContext, id: string, input: UpdateRoleInput): Promise<RoleRow> {
  const parsed = parseInput(updateInput, input, 'input');
  const before = await getRole(ctx.db, ctx.actor.tenantId, id);
  const serverSelectors = parsed.serverSelectors ? selectorsOf(parsed.serverSelectors) : before.serverSelectors;
  const permissions = parsed.permissions ? [...new Set(parsed.permissions)] : (before.permissions as Permission[]);
  checkScopedPermissions(permissions, serverSelectors);
  const row = await ctx.db
    .update(roles)
    .set({
      ...(parsed.name !== undefined ? { name: parsed.name } : {}),
      ...(parsed.description !== undefined ? { description: parsed.description } : {}),
      permissions,
      serverSelectors,
      updatedAt: ctx.clock.now(),
    })
    .where(and(eq(roles.tenantId, ctx.actor.tenantId), eq(roles.id, id)))
    .returning()
    .then(([updated]) => updated!)
    .catch((error: unknown) => duplicateName(error, parsed.name));
  await holdersChanged(ctx);
  await recordChange(ctx, {
    action: 'role.updated',
    resource: { type: 'role', id, name: row.name },
    before: roleSnapshot(before),
    after: roleSnapshot(row),
  });
  return row;
}

/** Deletes a role nobody holds; CONFLICT while it is assigned (expired assignments count: unassign them first). */
export async function deleteRole(ctx: TransactionContext, id: string): Promise<RoleRow> {
  const before = await getRole(ctx.db, ctx.actor.tenantId, id);
  const [held] = await ctx.db
    .select({ count: sql<number>`count(*)::int` })
    .from(roleAssignments)
    .where(and(eq(roleAssignments.tenantId, ctx.actor.tenantId), eq(roleAssignments.roleId, id)));
  if (held && held.count > 0) {
    throw new Conflict(`The role ${before.name} is assigned ${held.count} time${held.count === 1 ? '' : 's'}: unassign it first`, {
      assignments: held.count,
    });
  }
  await ctx.db.delete(roles).where(and(eq(roles.tenantId, ctx.actor.tenantId), eq(roles.id, id)));
  await holdersChanged(ctx);
  await recordChange(ctx, { action: 'role.deleted', resource: { type: 'role', id, name: before.name }, before: roleSnapshot(before) });
  return before;
}

export async function listRoles(db: Executor, tenantId: string): Promise<RoleRow[]> {
  return db
    .select()
    .from(roles)
    .where(eq(roles.tenantId, tenantId))
    .orderBy(asc(sql`lower(${roles.name})`), asc(roles.id));
}

export interface AssignRoleInput {
  readonly roleId: string;
  readonly userId?: string | null;
  readonly group?: string | null;
  readonly expiresAt?: Date | null;
}

const groupSchema = z.string().trim().min(1, 'must not be empty').max(128, 'must be at most 128 characters');

export const assignmentSnapshot = (row: RoleAssignmentRow) => ({
  id: row.id,
  roleId: row.roleId,
  userId: row.userId,
  group: row.groupName,
  expiresAt: row.expiresAt?.toISOString() ?? null,
});

/**
 * Gives a role to one user or to every member of a group; CONFLICT when that holder has it already.
 * An assignment of it to that holder that has expired gives way (removed, recorded as
 * role.unassigned): granting the role again is how it is renewed.
 */
export async function assignRole(ctx: TransactionContext, input: AssignRoleInput): Promise<RoleAssignmentRow> {
  const role = await getRole(ctx.db, ctx.actor.tenantId, input.roleId);
  if ((input.userId == null) === (input.group == null)) throw new BadInput('userId', 'Give exactly one of userId and group');
  const group = input.group == null ? null : parseInput(groupSchema, input.group, 'group');
  if (input.userId != null) {
    const [user] = await ctx.db
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.tenantId, ctx.actor.tenantId), eq(users.id, input.userId)));
    if (!user) throw new NotFound('User', input.userId);
  }
  const now = ctx.clock.now();
  if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) throw new BadInput('expiresAt', 'expiresAt: must be in the future');
  const [expired] = await ctx.db
    .delete(roleAssignments)
    .where(
      and(
        eq(roleAssignments.tenantId, ctx.actor.tenantId),
        eq(roleAssignments.roleId, role.id),
        input.userId != null ? eq(roleAssignments.userId, input.userId) : eq(roleAssignments.groupName, group!),
        lte(roleAssignments.expiresAt, now),
      ),
    )
    .returning();
  if (expired) {
    await recordChange(ctx, { action: 'role.unassigned', resource: { type: 'role', id: role.id, name: role.name }, before: assignmentSnapshot(expired) });
  }
  const row = await ctx.db
    .insert(roleAssignments)
    .values({
      tenantId: ctx.actor.tenantId,
      id: newId(),
      roleId: role.id,
      userId: input.userId ?? null,
      groupName: group,
      grantedBy: actorId(ctx.actor),
      expiresAt: input.expiresAt ?? null,
      createdAt: now,
    })
    .returning()
    .then(([inserted]) => inserted!)
    .catch((error: unknown) => {
      if (uniqueViolation(error) !== undefined) {
        throw new Conflict(`${group ? `The group ${group}` : 'This user'} holds the role ${role.name} already`, { field: input.userId ? 'userId' : 'group' });
      }
      throw error;
    });
  await holdersChanged(ctx, row.userId);
  await recordChange(ctx, {
    action: 'role.assigned',
    resource: { type: 'role', id: role.id, name: role.name },
    after: { ...assignmentSnapshot(row), roleName: role.name },
  });
  return row;
}

/** Takes an assignment away; `reason` (an access review's revoke) is kept in its audit entry. */
export async function unassignRole(ctx: TransactionContext, assignmentId: string, reason?: string | null): Promise<RoleAssignmentRow> {
  const [row] = await ctx.db
    .delete(roleAssignments)
    .where(and(eq(roleAssignments.tenantId, ctx.actor.tenantId), eq(roleAssignments.id, assignmentId)))
    .returning();
  if (!row) throw new NotFound('Role assignment', assignmentId);
  await holdersChanged(ctx, row.userId);
  await recordChange(ctx, {
    action: 'role.unassigned',
    resource: { type: 'role', id: row.roleId },
    before: assignmentSnapshot(row),
    ...(reason ? { after: { reason } } : {}),
  });
  return row;
}

/** Assignments of roles in the tenant, oldest first; of one role when `roleId` is given. */
export async function listRoleAssignments(db: Executor, tenantId: string, roleId?: string): Promise<RoleAssignmentRow[]> {
  return db
    .select()
    .from(roleAssignments)
    .where(and(eq(roleAssignments.tenantId, tenantId), roleId ? eq(roleAssignments.roleId, roleId) : undefined))
    .orderBy(asc(roleAssignments.createdAt), asc(roleAssignments.id));
}

/** A user's assignments, direct and through their groups, expired ones included (`expiresAt` says). */
export async function assignmentsOfUser(db: Executor, tenantId: string, user: { id: string; groups: readonly string[] }): Promise<RoleAssignmentRow[]> {
  return db
    .select()
    .from(roleAssignments)
    .where(
      and(
        eq(roleAssignments.tenantId, tenantId),
        sql`(${roleAssignments.userId} = ${user.id} or ${roleAssignments.groupName} = any(${arrayLiteral(user.groups)}::text[]))`,
      ),
    )
    .orderBy(asc(roleAssignments.createdAt), asc(roleAssignments.id));
}
