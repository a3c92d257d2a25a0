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
    resource_id: string | null;
    resource_name: string | null;
    granted: string[] | null;
    total: number;
  }>(
    db,
    sql`with grants as (
          select e.id, e.occurred_at, e.action, e.actor_id, e.actor_email, e.resource_id, e.resource_name,
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
        select *, count(*) over ()::int as total from grants where cardinality(granted) > 0
        order by occurred_at, id limit ${TOP_N}`,
  );
  return {
    total: rows[0]?.total ?? 0,
    items: rows.map((row) => ({
      kind: row.action === 'role.assigned' ? 'role_assigned' : row.granted?.includes('admin') ? 'admin_role' : 'permissions',
      at: isoTime(row.occurred_at),
      userId: row.action === 'role.assigned' ? null : row.resource_id,
      userEmail: row.action === 'role.assigned' ? null : row.resource_name,
      granted: row.granted ?? [],
      byActorId: row.actor_id,
      byEmail: row.actor_email,
      auditEntryId: row.id,
    })),
  };
}
