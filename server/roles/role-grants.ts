/**
 * The custom roles a person holds now, read when a credential is checked (every request, every
 * WebSocket connection and re-check): nothing is cached across requests, so a role assigned,
 * changed, unassigned or expired counts from the next request on.
 *
 * One query: the user's unexpired assignments, direct and through any of their groups, with each
 * role's permissions and, for a role scoped by server labels, the tenant's servers its selectors
 * match (`labels @> selector`, retired servers included: their records stay readable).
 */
import { and, eq, isNull, gt, or, sql } from 'drizzle-orm';
import type { RoleGrants, ScopedGrant, ServerLabels } from '../auth/actor.js';
import { isPermission } from '../auth/permissions.js';
import { arrayLiteral } from '../db/bulk-insert.js';
import type { Executor } from '../db/database.js';
import { roleAssignments, roles, type UserRow } from '../db/tables/index.js';

export async function loadRoleGrants(db: Executor, user: Pick<UserRow, 'tenantId' | 'id' | 'groups' | 'role'>, now: Date): Promise<RoleGrants> {
  // An admin holds every permission everywhere already.
  if (user.role === 'admin') return { permissions: [], scoped: [] };
  const rows = await db
    .select({
      permissions: roles.permissions,
      selectors: roles.serverSelectors,
      // Text, parsed here: both drivers then hand over the same thing.
      servers: sql<string | null>`case when jsonb_array_length(${roles.serverSelectors}) = 0 then null else (
        select jsonb_object_agg(s.id::text, s.labels)::text from servers s
        where s.tenant_id = ${roles.tenantId}
          and exists (select 1 from jsonb_array_elements(${roles.serverSelectors}) selector where s.labels @> selector.value)
      ) end`,
    })
    .from(roleAssignments)
    .innerJoin(roles, and(eq(roles.tenantId, roleAssignments.tenantId), eq(roles.id, roleAssignments.roleId)))
    .where(
      and(
        eq(roleAssignments.tenantId, user.tenantId),
        or(eq(roleAssignments.userId, user.id), sql`${roleAssignments.groupName} = any(${arrayLiteral(user.groups)}::text[])`),
        or(isNull(roleAssignments.expiresAt), gt(roleAssignments.expiresAt, now)),
      ),
    );
  const permissions: string[] = [];
  const scoped: ScopedGrant[] = [];
  for (const row of rows) {
    if (row.selectors.length === 0) {
      permissions.push(...row.permissions);
      continue;
    }
    const servers = new Map(Object.entries(row.servers ? (JSON.parse(row.servers) as Record<string, ServerLabels>) : {}));
    for (const permission of row.permissions.filter(isPermission)) scoped.push({ permission, selectors: row.selectors, servers });
  }
  return { permissions, scoped };
}
