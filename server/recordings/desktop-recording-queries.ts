/** Desktop recordings as their readers see them: the row rule of recordings, newest first. */
import { and, asc, eq, inArray, type SQL } from 'drizzle-orm';
import type { RowScope } from '../auth/scope.js';
import type { Executor } from '../db/database.js';
import { desktopRecordingChunks, desktopRecordings, type DesktopProtocol, type DesktopRecordingRow, type RecordingStatus } from '../db/tables/index.js';
import { fetchPage, type Page, type PageArgs } from '../pagination/keyset.js';
import { equalsIfGiven, inTimeRange, scopeConditions, type ScopeColumns, type TimeRange } from '../records/queries/conditions.js';

/** The row rule's columns: a desktop recording belongs to the person the agent named. */
export const DESKTOP_RECORDING_SCOPE: ScopeColumns = {
  tenantId: desktopRecordings.tenantId,
  owner: desktopRecordings.userId,
  servers: { serverId: desktopRecordings.serverId },
};

export interface DesktopRecordingFilter extends TimeRange {
  userId?: string | null;
  serverId?: string | null;
  protocol?: DesktopProtocol | null;
  status?: RecordingStatus | null;
}

export async function listDesktopRecordings(db: Executor, scope: RowScope, filter: DesktopRecordingFilter, args: PageArgs): Promise<Page<DesktopRecordingRow>> {
  const conditions: (SQL | undefined)[] = [
    ...scopeConditions(scope, DESKTOP_RECORDING_SCOPE),
    equalsIfGiven(desktopRecordings.userId, filter.userId),
    equalsIfGiven(desktopRecordings.serverId, filter.serverId),
    equalsIfGiven(desktopRecordings.protocol, filter.protocol),
    equalsIfGiven(desktopRecordings.status, filter.status),
    inTimeRange(desktopRecordings.startedAt, filter),
  ];
  return fetchPage(
    args,
    [desktopRecordings.startedAt, desktopRecordings.id],
    (row) => [row.startedAt.toISOString(), row.id],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(desktopRecordings)
        .where(and(...conditions, where))
        .orderBy(...orderBy)
        .limit(limit),
  );
}

/** Where each stored chunk's bytes sit in the video file. */
export interface VideoLayout {
  /** The file's size: every chunk stored when the layout was read. */
  readonly size: number;
  readonly chunks: readonly { readonly seq: number; readonly start: number; readonly byteCount: number }[];
}

export async function videoLayout(db: Executor, tenantId: string, recordingId: string): Promise<VideoLayout> {
  const rows = await db
    .select({ seq: desktopRecordingChunks.seq, byteCount: desktopRecordingChunks.byteCount })
    .from(desktopRecordingChunks)
    .where(and(eq(desktopRecordingChunks.tenantId, tenantId), eq(desktopRecordingChunks.recordingId, recordingId)))
    .orderBy(asc(desktopRecordingChunks.seq));
  let size = 0;
  const chunks = rows.map((row) => {
    const chunk = { seq: row.seq, start: size, byteCount: row.byteCount };
    size += row.byteCount;
    return chunk;
  });
  return { size, chunks };
}

/**
 * The bytes `first` to `last` (inclusive) of the video, in the pieces its chunks hold, `batch`
 * chunks a query. The next batch is read while the current one is written out, so the database
 * and the socket work side by side; memory holds two batches whatever the recording's length.
 */
export async function* videoBytes(
  db: Executor,
  tenantId: string,
  recordingId: string,
  layout: VideoLayout,
  range: { readonly first: number; readonly last: number },
  batch = 4,
): AsyncGenerator<Buffer> {
  const needed = layout.chunks.filter((chunk) => chunk.start + chunk.byteCount > range.first && chunk.start <= range.last);
  const read = async (at: number) => {
    const group = needed.slice(at, at + batch);
    const rows = await db
      .select({ seq: desktopRecordingChunks.seq, data: desktopRecordingChunks.data })
      .from(desktopRecordingChunks)
      .where(
        and(
          eq(desktopRecordingChunks.tenantId, tenantId),
          eq(desktopRecordingChunks.recordingId, recordingId),
          inArray(
            desktopRecordingChunks.seq,
            group.map((chunk) => chunk.seq),
          ),
        ),
      );
    return { group, dataBySeq: new Map(rows.map((row) => [row.seq, row.data])) };
  };
  let next = needed.length > 0 ? read(0) : undefined;
  // A read still running when the client goes away is not left to reject unobserved.
  const settle = () => next?.catch(() => undefined);
  try {
    for (let at = 0; next; at += batch) {
      const { group, dataBySeq } = await next;
      next = at + batch < needed.length ? read(at + batch) : undefined;
      for (const chunk of group) {
        const data = dataBySeq.get(chunk.seq);
        // Removed since the layout was read (retention): the file ends here.
        if (!data) return;
        yield data.subarray(Math.max(range.first - chunk.start, 0), Math.min(range.last + 1 - chunk.start, chunk.byteCount));
      }
    }
  } finally {
    await settle();
  }
}
