/**
 * Where each event of a page is (the servers it is on), for a reader whose reach over its kind is
 * limited to some servers (LEAF_PLACES, server/auth/event-scope.ts): read from the leaf's own row
 * where it names its server(s), else from its parent record, one statement per parent kind.
 */
import { sql, type SQL } from 'drizzle-orm';
import { LEAF_PLACES, needsPlace, type EventScope, type LeafPlace } from '../auth/event-scope.js';
import type { RowServers } from '../auth/scope.js';
import { arrayLiteral } from '../db/bulk-insert.js';
import { queryRows, type Executor } from '../db/database.js';
import type { StreamEvent } from './stream-event.js';

type ParentKind = Extract<LeafPlace, { parentKind: string }>['parentKind'];

/** Each parent kind's servers by id: a recording's server, a session's servers, a request's (requestServersOf). */
const PARENT_PLACES: Record<ParentKind, (tenantId: string, ids: string) => SQL> = {
  terminal_recording: (tenantId, ids) =>
    sql`select id::text as id, array[server_id::text] as server_ids, null::text as server_labels from terminal_recordings where tenant_id = ${tenantId} and id = any(${ids}::uuid[])`,
  desktop_recording: (tenantId, ids) =>
    sql`select id::text as id, array[server_id::text] as server_ids, null::text as server_labels from desktop_recordings where tenant_id = ${tenantId} and id = any(${ids}::uuid[])`,
  access_session: (tenantId, ids) =>
    sql`select id::text as id, server_ids::text[] as server_ids, server_labels::text as server_labels from access_sessions where tenant_id = ${tenantId} and id = any(${ids}::uuid[])`,
  approval: (tenantId, ids) =>
    sql`select a.id::text as id,
          case when a.kind = 'sudo' then array[a.server_id::text] else coalesce(s.server_ids::text[], '{}') end as server_ids,
          case when a.kind = 'sudo' then null else s.server_labels::text end as server_labels
        from approvals a left join access_sessions s on s.tenant_id = a.tenant_id and s.id = a.access_session_id
        where a.tenant_id = ${tenantId} and a.id = any(${ids}::uuid[])`,
};

const idsOf = (value: unknown): string[] => (Array.isArray(value) ? value.filter((id): id is string => typeof id === 'string') : []);
const labelsOf = (value: unknown): Record<string, string> | null =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, string>) : null;

/** Each event's place where the reader's reach over its kind needs it; null otherwise. */
export async function eventPlaces(db: Executor, scope: EventScope, events: readonly StreamEvent[]): Promise<(event: StreamEvent) => RowServers | null> {
  const wanted = new Map<ParentKind, Set<string>>();
  for (const event of events) {
    const place = LEAF_PLACES[event.kind];
    if (!place || !('parentKind' in place) || !needsPlace(scope, event.kind)) continue;
    const id = event.record[place.column];
    if (typeof id === 'string') wanted.set(place.parentKind, (wanted.get(place.parentKind) ?? new Set()).add(id));
  }
  const parents = new Map<string, RowServers>();
  for (const [kind, ids] of wanted) {
    const rows = await queryRows<{ id: string; server_ids: string[] | null; server_labels: string | null }>(
      db,
      PARENT_PLACES[kind](scope.tenantId, arrayLiteral([...ids])),
    );
    for (const row of rows) {
      parents.set(`${kind}:${row.id}`, { serverIds: idsOf(row.server_ids), serverLabels: row.server_labels ? labelsOf(JSON.parse(row.server_labels)) : null });
    }
  }
  return (event) => {
    const place = LEAF_PLACES[event.kind];
    if (!place || !needsPlace(scope, event.kind)) return null;
    if ('serverColumn' in place) return { serverIds: idsOf([event.record[place.serverColumn]]) };
    if ('serverIdsColumn' in place)
      return { serverIds: idsOf(event.record[place.serverIdsColumn]), serverLabels: labelsOf(event.record[place.serverLabelsColumn]) };
    const id = event.record[place.column];
    return typeof id === 'string' ? (parents.get(`${place.parentKind}:${id}`) ?? null) : null;
  };
}
