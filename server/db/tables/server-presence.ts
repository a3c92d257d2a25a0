import { sql } from 'drizzle-orm';
import { index, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { eventTime, oneOf, sameTenantReference, tenantId } from './columns.js';
import { servers } from './servers.js';

export const PRESENCE_STATUSES = ['online', 'offline'] as const;
export type PresenceStatus = (typeof PRESENCE_STATUSES)[number];

/**
 * Whether each server's agent is alive: its last heartbeat and what it said of itself. Bookkeeping
 * written on every heartbeat, so outside the verifiable log; each change of status is recorded
 * (`server.online`, `server.offline` audit entries, in the log) and sent as `host.online` /
 * `host.offline`.
 */
export const serverPresence = pgTable(
  'server_presence',
  {
    tenantId: tenantId(),
    serverId: uuid('server_id').notNull(),
    status: text('status').$type<PresenceStatus>().notNull(),
    statusChangedAt: eventTime('status_changed_at').notNull(),
    lastSeenAt: eventTime('last_seen_at').notNull(),
    /** The agent's own clock at its last heartbeat, to see drift. */
    agentTime: eventTime('agent_time'),
    agentVersion: text('agent_version'),
    hostname: text('hostname'),
    os: text('os'),
  },
  (table) => [
    primaryKey({ name: 'server_presence_pkey', columns: [table.tenantId, table.serverId] }),
    sameTenantReference('server_presence_server_fk', { tenantId: table.tenantId, column: table.serverId }, { tenantId: servers.tenantId, id: servers.id }),
    oneOf('server_presence_status_check', table.status, PRESENCE_STATUSES),
    // The sweeper looks for online agents gone quiet.
    index('server_presence_online_idx')
      .on(table.tenantId, table.lastSeenAt)
      .where(sql`${table.status} = 'online'`),
  ],
);

export type ServerPresenceRow = typeof serverPresence.$inferSelect;
