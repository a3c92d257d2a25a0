import { sql } from 'drizzle-orm';
import { bigint, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { bytes, eventTime, oneOf, sameTenantReference, tenantId, writtenAt } from './columns.js';
import { servers } from './servers.js';
import { RECORDING_STATUSES, type RecordingGap } from './terminal-recordings.js';
import { users } from './users.js';

/** How the person reached the desktop the agent recorded. */
export const DESKTOP_PROTOCOLS = ['rdp', 'vnc', 'x11', 'spice', 'web', 'other'] as const;
export type DesktopProtocol = (typeof DESKTOP_PROTOCOLS)[number];

/**
 * Recordings of desktop sessions (RDP, VNC, X11, a browser-based desktop): a WebM video streamed
 * in by the agent of the server the session ran on, as numbered chunks whose bytes, in order, are
 * the file. The session's facts and running totals live here; the video lives in chunks.
 */
export const desktopRecordings = pgTable(
  'desktop_recordings',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    serverId: uuid('server_id').notNull(),
    /** The agent's id for the desktop session: its chunks are addressed by it. */
    sessionEventId: text('session_event_id').notNull(),
    /** The person, when the agent could name a Vigil user. */
    userId: uuid('user_id'),
    /** The account on the server the session ran as. */
    username: text('username'),
    protocol: text('protocol', { enum: DESKTOP_PROTOCOLS }).notNull(),
    /** The video's media type as the agent sent it, codecs included (video/webm;codecs=vp9). */
    mediaType: text('media_type').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    /** Where the agent keeps its own copy, if it does. */
    filePath: text('file_path'),
    startedAt: eventTime('started_at').notNull(),
    status: text('status', { enum: RECORDING_STATUSES }).notNull().default('recording'),
    /** startedAt plus the duration, once the agent says the recording is complete. */
    endedAt: eventTime('ended_at'),
    durationSeconds: doublePrecision('duration_seconds').notNull().default(0),
    frameCount: bigint('frame_count', { mode: 'number' }).notNull().default(0),
    /** Bytes of video: the file's size. */
    byteCount: bigint('byte_count', { mode: 'number' }).notNull().default(0),
    /** The sequence number the next chunk must carry. */
    nextSeq: integer('next_seq').notNull().default(0),
    gaps: jsonb('gaps')
      .$type<RecordingGap[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    createdAt: writtenAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 6 }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ name: 'desktop_recordings_pkey', columns: [table.tenantId, table.id] }),
    unique('desktop_recordings_session_unique').on(table.tenantId, table.serverId, table.sessionEventId),
    index('desktop_recordings_tenant_time_idx').on(table.tenantId, table.startedAt, table.id),
    index('desktop_recordings_tenant_user_time_idx').on(table.tenantId, table.userId, table.startedAt, table.id),
    index('desktop_recordings_tenant_server_time_idx').on(table.tenantId, table.serverId, table.startedAt, table.id),
    sameTenantReference('desktop_recordings_server_fk', { tenantId: table.tenantId, column: table.serverId }, servers),
    sameTenantReference('desktop_recordings_user_fk', { tenantId: table.tenantId, column: table.userId }, users),
    oneOf('desktop_recordings_status_check', table.status, RECORDING_STATUSES),
    oneOf('desktop_recordings_protocol_check', table.protocol, DESKTOP_PROTOCOLS),
  ],
);

/** A desktop recording's video, chunk by chunk, as the agent sent it (WebM is compressed already). */
export const desktopRecordingChunks = pgTable(
  'desktop_recording_chunks',
  {
    tenantId: tenantId(),
    recordingId: uuid('recording_id').notNull(),
    seq: integer('seq').notNull(),
    /** Seconds from the start of the recording to the end of this chunk. */
    untilSeconds: doublePrecision('until_seconds').notNull(),
    frameCount: integer('frame_count').notNull(),
    byteCount: integer('byte_count').notNull(),
    /** SHA-256 of the bytes: a re-sent chunk is recognised, a different one under the same number refused. */
    digest: text('digest').notNull(),
    data: bytes('data').notNull(),
    createdAt: writtenAt(),
  },
  (table) => [
    primaryKey({ name: 'desktop_recording_chunks_pkey', columns: [table.tenantId, table.recordingId, table.seq] }),
    sameTenantReference('desktop_recording_chunks_recording_fk', { tenantId: table.tenantId, column: table.recordingId }, desktopRecordings),
  ],
);

export type DesktopRecordingRow = typeof desktopRecordings.$inferSelect;
export type DesktopRecordingChunkRow = typeof desktopRecordingChunks.$inferSelect;
