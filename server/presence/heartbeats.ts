/**
 * Agent heartbeats: every few seconds an agent says it is alive, with its version, the host's name
 * and OS and its own clock. The first heartbeat of a server, and the first after it went offline,
 * bring it online: recorded (`server.online`, with what the agent reported) and sent as
 * `host.online`, in the heartbeat's transaction. Heartbeats in between touch the bookkeeping only.
 */
import { sql } from 'drizzle-orm';
import type { AgentActor } from '../auth/actor.js';
import { recordChange } from '../audit/record-change.js';
import { arrayLiteral } from '../db/bulk-insert.js';
import { queryRows, type Executor } from '../db/database.js';
import type { PresenceStatus } from '../db/tables/index.js';
import { BadInput } from '../errors.js';
import { publishEvents } from '../realtime/domain-events.js';
import { inTransaction, type ServiceContext } from '../service-context.js';

export interface Heartbeat {
  readonly agentVersion?: string | null;
  readonly hostname?: string | null;
  readonly os?: string | null;
  /** The agent's own clock when it sent the heartbeat. */
  readonly time?: Date | null;
}

export interface Presence {
  readonly serverId: string;
  readonly status: PresenceStatus;
  readonly statusChangedAt: Date;
  readonly lastSeenAt: Date;
  readonly agentTime: Date | null;
  readonly agentVersion: string | null;
  readonly hostname: string | null;
  readonly os: string | null;
}

const MAX_TEXT = 200;

function checked(field: string, value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (text.length > MAX_TEXT || /[\u0000-\u001f]/.test(text)) throw new BadInput(field, `${field} must be at most ${MAX_TEXT} printable characters`);
  return text === '' ? null : text;
}

interface PresenceRow {
  server_id: string;
  status: PresenceStatus;
  status_changed_at: Date | string;
  last_seen_at: Date | string;
  agent_time: Date | string | null;
  agent_version: string | null;
  hostname: string | null;
  os: string | null;
}

export const presenceOf = (row: PresenceRow): Presence => ({
  serverId: row.server_id,
  status: row.status,
  statusChangedAt: new Date(row.status_changed_at),
  lastSeenAt: new Date(row.last_seen_at),
  agentTime: row.agent_time === null ? null : new Date(row.agent_time),
  agentVersion: row.agent_version,
  hostname: row.hostname,
  os: row.os,
});

export async function reportHeartbeat(ctx: ServiceContext & { actor: AgentActor }, heartbeat: Heartbeat): Promise<Presence> {
  const facts = {
    agentVersion: checked('agentVersion', heartbeat.agentVersion),
    hostname: checked('hostname', heartbeat.hostname),
    os: checked('os', heartbeat.os),
  };
  const { tenantId, serverId } = ctx.actor;
  return inTransaction(ctx, async (tx) => {
    const now = tx.clock.now();
    const at = now.toISOString();
    // The row locked for the transaction: of two heartbeats at once, one sees the other's status.
    const [before] = await queryRows<{ status: PresenceStatus }>(
      tx.db,
      sql`select status from server_presence where tenant_id = ${tenantId} and server_id = ${serverId} for update`,
    );
    const isComingOnline = before?.status !== 'online';
    const [row] = await queryRows<PresenceRow>(
      tx.db,
      sql`insert into server_presence (tenant_id, server_id, status, status_changed_at, last_seen_at, agent_time, agent_version, hostname, os)
          values (${tenantId}, ${serverId}, 'online', ${at}::timestamptz, ${at}::timestamptz, ${heartbeat.time?.toISOString() ?? null}::timestamptz,
                  ${facts.agentVersion}, ${facts.hostname}, ${facts.os})
          on conflict (tenant_id, server_id) do update set
            status = 'online',
            status_changed_at = case when server_presence.status = 'online' then server_presence.status_changed_at else excluded.status_changed_at end,
            last_seen_at = excluded.last_seen_at, agent_time = excluded.agent_time,
            agent_version = excluded.agent_version, hostname = excluded.hostname, os = excluded.os
          returning server_id, status, status_changed_at, last_seen_at, agent_time, agent_version, hostname, os`,
    );
    if (isComingOnline) {
      await recordChange(tx, {
        action: 'server.online',
        resource: { type: 'server', id: serverId },
        before: before ? { status: before.status } : null,
        after: { status: 'online', ...facts, agentTime: heartbeat.time?.toISOString() ?? null },
      });
      await publishEvents(tx.db, [{ type: 'host.changed', tenantId, serverId, status: 'online' }], now);
    }
    return presenceOf(row!);
  });
}

/** The presence of each of `serverIds` that ever sent a heartbeat, by server id. */
export async function presencesOf(db: Executor, tenantId: string, serverIds: readonly string[]): Promise<Map<string, Presence>> {
  if (serverIds.length === 0) return new Map();
  const rows = await queryRows<PresenceRow>(
    db,
    sql`select server_id, status, status_changed_at, last_seen_at, agent_time, agent_version, hostname, os from server_presence
        where tenant_id = ${tenantId} and server_id = any(${arrayLiteral(serverIds)}::uuid[])`,
  );
  return new Map(rows.map((row) => [row.server_id, presenceOf(row)]));
}

export interface AgentFleet {
  readonly servers: number;
  readonly online: number;
  readonly offline: number;
  /** Servers whose agent never sent a heartbeat. */
  readonly silent: number;
  /** Agent versions as last reported, most servers first: drift shows as more than one. */
  readonly versions: { version: string; servers: number; online: number }[];
}

/** The tenant's agents at a glance: how many are online, offline or never heard from, and which versions run (retired servers left out). */
export async function agentFleet(db: Executor, tenantId: string): Promise<AgentFleet> {
  const rows = await queryRows<{ status: PresenceStatus | null; agent_version: string | null; count: number }>(
    db,
    sql`select p.status, p.agent_version, count(*)::int as count from servers s
        left join server_presence p on p.tenant_id = s.tenant_id and p.server_id = s.id
        where s.tenant_id = ${tenantId} and s.deleted_at is null
        group by p.status, p.agent_version`,
  );
  const versions = new Map<string, { servers: number; online: number }>();
  let online = 0;
  let offline = 0;
  let silent = 0;
  for (const row of rows) {
    if (row.status === null) silent += row.count;
    else if (row.status === 'online') online += row.count;
    else offline += row.count;
    if (row.status === null) continue;
    const version = row.agent_version ?? 'unknown';
    const counts = versions.get(version) ?? { servers: 0, online: 0 };
    versions.set(version, { servers: counts.servers + row.count, online: counts.online + (row.status === 'online' ? row.count : 0) });
  }
  return {
    servers: online + offline + silent,
    online,
    offline,
    silent,
    versions: [...versions].map(([version, counts]) => ({ version, ...counts })).sort((a, b) => b.servers - a.servers || a.version.localeCompare(b.version)),
  };
}
