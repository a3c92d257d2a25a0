/**
 * The custom roles a person holds now, read when a credential is checked (every request, every
 * WebSocket connection and re-check): nothing is cached across requests, so a role assigned,
 * changed, unassigned or expired counts from the next request on.
 *
 * One subquery (roleGrantsSql): the user's unexpired assignments, direct and through any of their
 * groups, with each role's permissions and, for a role scoped by server labels, the tenant's
 * servers its selectors match (`labels @> selector`, retired servers included: their records stay
 * readable). The API token lookup selects it beside the token and its user, so a request with a
 * token still authenticates in one statement; JWTs, playback tickets and bots' mapped users read
 * it with loadRoleGrants.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { RoleGrants, ScopedGrant, ServerLabels } from '../auth/actor.js';
import { isPermission } from '../auth/permissions.js';
import { arrayLiteral } from '../db/bulk-insert.js';
import { queryRows, type Executor } from '../db/database.js';
import type { ServerSelector, UserRow } from '../db/tables/index.js';
import type { RowServers } from '../auth/scope.js';

type SqlValue = AnyPgColumn | SQL | SQL.Aliased | ReturnType<typeof sql.placeholder>;

/** The held roles of a user as JSON text ([{ permissions, selectors, servers }]); `now` decides expiry. */
export function roleGrantsSql(tenantId: SqlValue, userId: SqlValue, groups: SqlValue, now: SqlValue): SQL<string> {
  return sql<string>`(select coalesce(json_agg(json_build_object(
      'permissions', r.permissions,
      'selectors', r.server_selectors,
      'expiresAt', a.expires_at,
      'servers', case when jsonb_array_length(r.server_selectors) = 0 then null else (
        select jsonb_object_agg(s.id::text, s.labels) from servers s
        where s.tenant_id = r.tenant_id
          and exists (select 1 from jsonb_array_elements(r.server_selectors) selector where s.labels @> selector.value)
      ) end))::text, '[]')
    from role_assignments a join roles r on r.tenant_id = a.tenant_id and r.id = a.role_id
    where a.tenant_id = ${tenantId} and (a.user_id = ${userId} or a.group_name = any(${groups}))
      and (a.expires_at is null or a.expires_at > ${now}::timestamptz))`;
}

/** The grants roleGrantsSql's text says: tenant-wide permissions, and permissions for some servers. */
export function parseRoleGrants(text: string | null | undefined): RoleGrants {
  const held = JSON.parse(text ?? '[]') as {
    permissions: string[];
    selectors: ServerSelector[];
    servers: Record<string, ServerLabels> | null;
    expiresAt: string | null;
  }[];
  const permissions: string[] = [];
  const scoped: ScopedGrant[] = [];
  const expiries = held.flatMap((role) => (role.expiresAt ? [Date.parse(role.expiresAt)] : []));
  for (const role of held) {
    if (role.selectors.length === 0) {
      permissions.push(...role.permissions);
      continue;
    }
    const servers = new Map(Object.entries(role.servers ?? {}));
    for (const permission of role.permissions.filter(isPermission)) scoped.push({ permission, selectors: role.selectors, servers });
  }
  return { permissions, scoped, ...(expiries.length > 0 ? { changeAt: new Date(Math.min(...expiries)) } : {}) };
}

export async function loadRoleGrants(db: Executor, user: Pick<UserRow, 'tenantId' | 'id' | 'groups' | 'role'>, now: Date): Promise<RoleGrants> {
  // An admin holds every permission everywhere already.
  if (user.role === 'admin') return { permissions: [], scoped: [] };
  const [row] = await queryRows<{ grants: string }>(
    db,
    sql`select ${roleGrantsSql(sql`${user.tenantId}::uuid`, sql`${user.id}::uuid`, sql`${arrayLiteral(user.groups)}::text[]`, sql`${now.toISOString()}`)} as grants`,
  );
  return parseRoleGrants(row?.grants);
}

/**
 * Whether the user (`userId`, `groups` as SQL of their row) holds `permission` through a live custom
 * role for the whole of a request on `servers`: a tenant-wide role, or roles scoped by labels whose
 * selectors together match every server it names and the labels it was asked by (the set form of
 * isRequestWithinReach, server/auth/scope.ts). Expiry is the database's clock: this says who is
 * told about a request; deciding it checks the decider's own roles.
 */
export function holdsForRequestSql(tenantId: string, userId: SqlValue, groups: SqlValue, permission: string, servers: RowServers): SQL {
  const heldRoles = sql`from role_assignments a join roles r on r.tenant_id = a.tenant_id and r.id = a.role_id`;
  const isLive = sql`a.tenant_id = ${tenantId} and (a.user_id = ${userId} or a.group_name = any(${groups}))
    and (a.expires_at is null or a.expires_at > now()) and ${permission} = any(r.permissions)`;
  const tenantWide = sql`exists (select 1 ${heldRoles} where ${isLive} and jsonb_array_length(r.server_selectors) = 0)`;
  const selectors = sql`(select selector.value ${heldRoles} cross join lateral jsonb_array_elements(r.server_selectors) selector where ${isLive})`;
  const labels = servers.serverLabels ?? {};
  if (servers.serverIds.length === 0 && Object.keys(labels).length === 0) return tenantWide;
  const ids = sql`${arrayLiteral(servers.serverIds)}::uuid[]`;
  const asked = sql`${JSON.stringify(labels)}::jsonb`;
  return sql`(${tenantWide} or (exists ${selectors}
    and not exists (select 1 from servers s where s.tenant_id = ${tenantId} and s.id = any(${ids})
      and not exists (select 1 from ${selectors} held(value) where s.labels @> held.value))
    and (${asked} = '{}'::jsonb or exists (select 1 from ${selectors} held(value) where ${asked} @> held.value))))`;
}
