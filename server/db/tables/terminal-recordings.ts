import { sql } from 'drizzle-orm';
import { bigint, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { bytes, eventTime, oneOf, sameTenantReference, tenantId, writtenAt } from './columns.js';
import { servers } from './servers.js';
import { terminalSessions } from './terminal-sessions.js';
import { users } from './users.js';

export const RECORDING_STATUSES = ['recording', 'complete'] as const;
export type RecordingStatus = (typeof RECORDING_STATUSES)[number];

/** Chunks the agent said it lost, so the rest of the session could still be kept. */
export interface RecordingGap {
  readonly fromSeq: number;
  readonly toSeq: number;
  /** Where the playback jumps: the last offset before the gap and the first after it. */
  readonly afterSeconds: number;
}

/** The end of the searchable text so far, per stream, carried into the next chunk's text. */
export interface SearchCarry {
  readonly o: CarriedText;
  readonly i: CarriedText;
}
export interface CarriedText {
  readonly text: string;
  /** [index in text, offset in seconds] of each event that wrote into it, in order. */
  readonly marks: readonly (readonly [number, number])[];
  /** An escape sequence cut off at the end of the last event, finished by the next one. */
  readonly pending?: string;
}

/**
 * Asciicast v2 recordings of terminal sessions, one per session, streamed in by the session's
 * agent. The header's facts and running totals live here; the events live in chunks.
 */
export const terminalRecordings = pgTable(
  'terminal_recordings',
  {
    tenantId: tenantId(),
    id: uuid('id').notNull(),
    terminalSessionId: uuid('terminal_session_id').notNull(),
    serverId: uuid('server_id').notNull(),
    /** The session's operator (null when the agent could not name a Vigil user). */
    userId: uuid('user_id'),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    /** The header's timestamp: when the recording started. */
    startedAt: eventTime('started_at').notNull(),
    command: text('command'),
    title: text('title'),
    env: jsonb('env')
      .$type<Record<string, string>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    status: text('status', { enum: RECORDING_STATUSES }).notNull().default('recording'),
    /** startedAt plus the last event's offset, once the agent says the recording is complete. */
    endedAt: eventTime('ended_at'),
    durationSeconds: doublePrecision('duration_seconds').notNull().default(0),
    eventCount: bigint('event_count', { mode: 'number' }).notNull().default(0),
    /** UTF-8 bytes of input ("i") and output ("o") event data. */
    bytesIn: bigint('bytes_in', { mode: 'number' }).notNull().default(0),
    bytesOut: bigint('bytes_out', { mode: 'number' }).notNull().default(0),
    /** Compressed bytes stored, for capacity planning. */
    storedBytes: bigint('stored_bytes', { mode: 'number' }).notNull().default(0),
    /** The sequence number the next chunk must carry. */
    nextSeq: integer('next_seq').notNull().default(0),
    gaps: jsonb('gaps')
      .$type<RecordingGap[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    searchCarry: jsonb('search_carry')
      .$type<SearchCarry>()
      .notNull()
      .default(sql`'{"o":{"text":"","marks":[]},"i":{"text":"","marks":[]}}'::jsonb`),
    createdAt: writtenAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 6 }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ name: 'terminal_recordings_pkey', columns: [table.tenantId, table.id] }),
    unique('terminal_recordings_session_unique').on(table.tenantId, table.terminalSessionId),
    index('terminal_recordings_tenant_time_idx').on(table.tenantId, table.startedAt, table.id),
    index('terminal_recordings_tenant_user_time_idx').on(table.tenantId, table.userId, table.startedAt, table.id),
    index('terminal_recordings_tenant_server_time_idx').on(table.tenantId, table.serverId, table.startedAt, table.id),
    sameTenantReference('terminal_recordings_session_fk', { tenantId: table.tenantId, column: table.terminalSessionId }, terminalSessions),
    sameTenantReference('terminal_recordings_server_fk', { tenantId: table.tenantId, column: table.serverId }, servers),
    sameTenantReference('terminal_recordings_user_fk', { tenantId: table.tenantId, column: table.userId }, users),
    oneOf('terminal_recordings_status_check', table.status, RECORDING_STATUSES),
  ],
);

/**
 * A recording's events, in the order the agent sent them: each chunk is the gzip of its asciicast
 * event lines, with the plain text of its output and input (escape sequences removed) kept beside
 * it for trigram search. A chunk's text starts with the end of the previous chunk's (the carry),
 * so a word split across two chunks is still found.
 */
export const terminalRecordingChunks = pgTable(
  'terminal_recording_chunks',
  {
    tenantId: tenantId(),
    recordingId: uuid('recording_id').notNull(),
    seq: integer('seq').notNull(),
    firstOffset: doublePrecision('first_offset').notNull(),
    lastOffset: doublePrecision('last_offset').notNull(),
    eventCount: integer('event_count').notNull(),
    /** Bytes of the event lines before compression. */
    rawBytes: integer('raw_bytes').notNull(),
    /** SHA-256 of the event lines: a re-sent chunk is recognised, a different one under the same number refused. */
    digest: text('digest').notNull(),
    data: bytes('data').notNull(),
    outputText: text('output_text').notNull(),
    inputText: text('input_text').notNull(),
    /** The carried-over start of outputText and inputText, with the offsets of its events. */
    carry: jsonb('carry').$type<SearchCarry>().notNull(),
    createdAt: writtenAt(),
  },
  (table) => [
    primaryKey({ name: 'terminal_recording_chunks_pkey', columns: [table.tenantId, table.recordingId, table.seq] }),
    sameTenantReference('terminal_recording_chunks_recording_fk', { tenantId: table.tenantId, column: table.recordingId }, terminalRecordings),
    index('terminal_recording_chunks_output_trgm_idx').using('gin', table.tenantId, sql`${table.outputText} gin_trgm_ops`),
    index('terminal_recording_chunks_input_trgm_idx').using('gin', table.tenantId, sql`${table.inputText} gin_trgm_ops`),
  ],
);

export type TerminalRecordingRow = typeof terminalRecordings.$inferSelect;
export type TerminalRecordingChunkRow = typeof terminalRecordingChunks.$inferSelect;
