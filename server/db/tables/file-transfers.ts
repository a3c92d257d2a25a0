import { sql } from 'drizzle-orm';
import { bigint, index, inet, pgTable, primaryKey, text, unique, uuid } from 'drizzle-orm/pg-core';
import { accessSessions } from './access-sessions.js';
import { eventTime, oneOf, sameTenantReference, tenantId, writtenAt } from './columns.js';
import { servers } from './servers.js';
import { users } from './users.js';

export const TRANSFER_DIRECTIONS = ['upload', 'download'] as const;
export type TransferDirection = (typeof TRANSFER_DIRECTIONS)[number];
export const TRANSFER_STATUSES = ['success', 'failed'] as const;
export type TransferStatus = (typeof TRANSFER_STATUSES)[number];

/** Files and directories moved to or from servers (WebFTP and the like). */
export const fileTransfers = pgTable(
  'file_transfers',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    eventId: text('event_id').notNull(),
    serverId: uuid('server_id').notNull(),
    userId: uuid('user_id'),
    username: text('username').notNull(),
    groupname: text('groupname'),
    direction: text('direction', { enum: TRANSFER_DIRECTIONS }).notNull(),
    objectName: text('object_name').notNull(),
    path: text('path').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }),
    remoteIp: inet('remote_ip'),
    status: text('status', { enum: TRANSFER_STATUSES }).notNull(),
    error: text('error'),
    accessSessionId: uuid('access_session_id'),
    approvalId: uuid('approval_id'),
    occurredAt: eventTime('occurred_at').notNull(),
    createdAt: writtenAt(),
  },
  (table) => [
    primaryKey({ name: 'file_transfers_pkey', columns: [table.tenantId, table.id] }),
    unique('file_transfers_event_unique').on(table.tenantId, table.serverId, table.eventId),
    index('file_transfers_tenant_time_idx').on(table.tenantId, table.occurredAt, table.id),
    index('file_transfers_tenant_user_time_idx').on(table.tenantId, table.userId, table.occurredAt, table.id),
    index('file_transfers_tenant_server_time_idx').on(table.tenantId, table.serverId, table.occurredAt, table.id),
    index('file_transfers_tenant_access_time_idx').on(table.tenantId, table.accessSessionId, table.occurredAt, table.id),
    index('file_transfers_object_trgm_idx').using('gin', table.tenantId, sql`${table.path} gin_trgm_ops`),
    sameTenantReference('file_transfers_server_fk', { tenantId: table.tenantId, column: table.serverId }, servers),
    sameTenantReference('file_transfers_user_fk', { tenantId: table.tenantId, column: table.userId }, users),
    sameTenantReference('file_transfers_access_fk', { tenantId: table.tenantId, column: table.accessSessionId }, accessSessions),
    oneOf('file_transfers_direction_check', table.direction, TRANSFER_DIRECTIONS),
    oneOf('file_transfers_status_check', table.status, TRANSFER_STATUSES),
  ],
);

export type FileTransferRow = typeof fileTransfers.$inferSelect;
