/** Recordings as their readers see them: the row rule of terminal recordings, newest first. */
import { and, asc, eq, gt, inArray, type SQL } from 'drizzle-orm';
import type { RowScope } from '../auth/scope.js';
import type { Executor } from '../db/database.js';
import { terminalRecordingChunks, terminalRecordings, type RecordingStatus, type TerminalRecordingRow } from '../db/tables/index.js';
import { fetchPage, type Page, type PageArgs } from '../pagination/keyset.js';
import { equalsIfGiven, findInScope, inTimeRange, scopeConditions, type ScopeColumns, type TimeRange } from '../records/queries/conditions.js';

/** The row rule's columns: a recording belongs to its session's operator. */
export const RECORDING_SCOPE: ScopeColumns = {
  tenantId: terminalRecordings.tenantId,
  owner: terminalRecordings.userId,
  servers: { serverId: terminalRecordings.serverId },
};

export interface RecordingFilter extends TimeRange {
  userId?: string | null;
  serverId?: string | null;
  terminalSessionId?: string | null;
  status?: RecordingStatus | null;
}

export function recordingConditions(scope: RowScope, filter: RecordingFilter): (SQL | undefined)[] {
  return [
    ...scopeConditions(scope, RECORDING_SCOPE),
    equalsIfGiven(terminalRecordings.userId, filter.userId),
    equalsIfGiven(terminalRecordings.serverId, filter.serverId),
    equalsIfGiven(terminalRecordings.terminalSessionId, filter.terminalSessionId),
    equalsIfGiven(terminalRecordings.status, filter.status),
    inTimeRange(terminalRecordings.startedAt, filter),
  ];
}

/** Recordings, newest started first. */
export async function listRecordings(db: Executor, scope: RowScope, filter: RecordingFilter, args: PageArgs): Promise<Page<TerminalRecordingRow>> {
  const conditions = recordingConditions(scope, filter);
  return fetchPage(
    args,
    [terminalRecordings.startedAt, terminalRecordings.id],
    (row) => [row.startedAt.toISOString(), row.id],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(terminalRecordings)
        .where(and(...conditions, where))
        .orderBy(...orderBy)
        .limit(limit),
  );
}

export function getRecordingInScope(db: Executor, scope: RowScope, id: string): Promise<TerminalRecordingRow | undefined> {
  return findInScope(db, terminalRecordings, RECORDING_SCOPE, scope, id);
}

/** The recordings of some terminal sessions (for the nested field; no row rule applied). */
export function recordingsOfSessions(db: Executor, tenantId: string, sessionIds: readonly string[]): Promise<TerminalRecordingRow[]> {
  return db
    .select()
    .from(terminalRecordings)
    .where(and(eq(terminalRecordings.tenantId, tenantId), inArray(terminalRecordings.terminalSessionId, [...sessionIds])));
}

export interface StoredChunk {
  readonly seq: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly data: Buffer;
}

/** One stored chunk's compressed events, when it is there: what a live follower reads as an append commits. */
export async function storedChunkData(db: Executor, tenantId: string, recordingId: string, seq: number): Promise<Buffer | undefined> {
  const [row] = await db
    .select({ data: terminalRecordingChunks.data })
    .from(terminalRecordingChunks)
    .where(and(eq(terminalRecordingChunks.tenantId, tenantId), eq(terminalRecordingChunks.recordingId, recordingId), eq(terminalRecordingChunks.seq, seq)));
  return row?.data;
}

/**
 * A recording's chunks in order, a few at a time: at most two batches of `batch` compressed
 * chunks are held at once, however long the recording. The next batch is read while the current
 * one is used (decompressed, written out), so the database and the socket work side by side.
 * `afterSeq` resumes after a chunk already read.
 */
export async function* storedChunks(db: Executor, tenantId: string, recordingId: string, afterSeq = -1, batch = 4): AsyncGenerator<StoredChunk> {
  const read = (after: number) =>
    db
      .select({
        seq: terminalRecordingChunks.seq,
        firstOffset: terminalRecordingChunks.firstOffset,
        lastOffset: terminalRecordingChunks.lastOffset,
        data: terminalRecordingChunks.data,
      })
      .from(terminalRecordingChunks)
      .where(and(eq(terminalRecordingChunks.tenantId, tenantId), eq(terminalRecordingChunks.recordingId, recordingId), gt(terminalRecordingChunks.seq, after)))
      .orderBy(asc(terminalRecordingChunks.seq))
      .limit(batch);
  let next: Promise<StoredChunk[]> | undefined = read(afterSeq);
  // A read still running when the reader stops is not left to reject unobserved.
  const settle = () => next?.catch(() => undefined);
  try {
    while (next) {
      const rows: StoredChunk[] = await next;
      next = rows.length === batch ? read(rows.at(-1)!.seq) : undefined;
      yield* rows;
    }
  } finally {
    await settle();
  }
}
