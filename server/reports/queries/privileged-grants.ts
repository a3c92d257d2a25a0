import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../../db/database.js';
import { isoTime, TOP_N, type Listed, type Period, type PrivilegedGrant } from '../digest-content.js';

/**
 * Privilege given in the period, from the audit log (tenant, time index): someone made an admin
 * (a new user created as one, or a role change to it), permissions added to a user (created with
 * them, or granted), and custom roles assigned. Removals are not grants and are left out.
 */
export async function listPrivilegedGrants(db: Executor, period: Period): Promise<Listed<PrivilegedGrant>> {
  const rows = await queryRows<{
    id: string;
    occurred_at: Date | string;
    action: string;
    actor_id: string;
    actor_email: string | null;
    user_id: string | null;
    user_email: string | null;
    group_name: string | null;
    assignment_id: string | null;
    granted: string[] | null;
    total: number;
  }>(
    db,
    sql`with grants as (
          select e.id, e.occurred_at, e.action, e.actor_id, e.actor_email,
                 -- A role's assignment names the role as its resource, and the holder (a user or a group) in what it wrote.
                 case when e.action = 'role.assigned' then e."after"->>'userId' else e.resource_id end as user_id,
                 e."after"->>'group' as group_name, e."after"->>'id' as assignment_id,
                 case
                   when e.action in ('user.created', 'user.role_changed') and e."after"->>'role' = 'admin' then array['admin']
                   when e.action in ('user.created', 'user.permissions_changed') then array(
                     select p from jsonb_array_elements_text(coalesce(e."after"->'permissions', '[]'::jsonb)) p
                     where not coalesce(e."before"->'permissions', '[]'::jsonb) ? p order by p)
                   when e.action = 'role.assigned' then array[coalesce(e."after"->>'roleName', e."after"->>'roleId', 'role')]
                 end as granted
          from audit_entries e
          where e.tenant_id = ${period.tenantId} and e.occurred_at >= ${isoTime(period.start)}::timestamptz and e.occurred_at < ${isoTime(period.end)}::timestamptz
            and e.action in ('user.created', 'user.role_changed', 'user.permissions_changed', 'role.assigned'))
        select g.*, u.email as user_email, count(*) over ()::int as total from grants g
        left join users u on u.tenant_id = ${period.tenantId} and u.id = g.user_id::uuid
        where cardinality(g.granted) > 0
        order by g.occurred_at, g.id limit ${TOP_N}`,
  );
  return {
    total: rows[0]?.total ?? 0,
    items: rows.map((row) => ({
      kind: row.action === 'role.assigned' ? 'role_assigned' : row.granted?.includes('admin') ? 'admin_role' : 'permissions',
      at: isoTime(row.occurred_at),
      userId: row.user_id,
      userEmail: row.user_email,
      group: row.action === 'role.assigned' ? row.group_name : null,
      roleAssignmentId: row.action === 'role.assigned' ? row.assignment_id : null,
      granted: row.granted ?? [],
      byActorId: row.actor_id,
      byEmail: row.actor_email,
      auditEntryId: row.id,
    })),
  };
}
