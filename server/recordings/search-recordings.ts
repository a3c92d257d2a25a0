/**
 * "Where did I run that?": recordings whose output or typed input contains a string, each with
 * the places it appears as offsets in seconds, so a player can start right there.
 *
 * PostgreSQL finds the chunks (trigram indexes on their plain text, within the reader's row
 * rule); only those chunks are decompressed, and their text rebuilt from the same events to turn
 * a position into the time of the event that wrote it.
 */
import { and, asc, eq, ilike, inArray, or, sql } from 'drizzle-orm';
import type { RowScope } from '../auth/scope.js';
import type { Executor } from '../db/database.js';
import { containsPattern } from '../db/like-pattern.js';
import { terminalRecordingChunks, terminalRecordings, type TerminalRecordingRow } from '../db/tables/index.js';
import { BadInput } from '../errors.js';
import { fetchPage, type Page, type PageArgs } from '../pagination/keyset.js';
import { chunkEvents } from './chunk-codec.js';
import { recordingConditions, type RecordingFilter } from './recording-queries.js';
import { chunkText, MAX_SEARCH_CHARS, type StreamText } from './searchable-text.js';

export type MatchStream = 'output' | 'input';

export interface RecordingMatch {
  readonly seconds: number;
  readonly stream: MatchStream;
  /** The match with some text around it, on one line. */
  readonly excerpt: string;
}

export interface RecordingHit {
  readonly recording: TerminalRecordingRow;
  readonly matches: readonly RecordingMatch[];
}

export const DEFAULT_MATCHES_PER_RECORDING = 20;
export const MAX_MATCHES_PER_RECORDING = 200;
const EXCERPT_CONTEXT = 40;

export async function searchRecordings(
  db: Executor,
  scope: RowScope,
  filter: RecordingFilter,
  text: string,
  args: PageArgs,
  maxMatches = DEFAULT_MATCHES_PER_RECORDING,
): Promise<Page<RecordingHit>> {
  if (text.trim().length === 0) throw new BadInput('text', 'text must not be empty');
  if (text.length > MAX_SEARCH_CHARS) throw new BadInput('text', `text must be at most ${MAX_SEARCH_CHARS} characters`);
  if (!Number.isInteger(maxMatches) || maxMatches < 1 || maxMatches > MAX_MATCHES_PER_RECORDING) {
    throw new BadInput('matchesPerRecording', `matchesPerRecording must be between 1 and ${MAX_MATCHES_PER_RECORDING}`);
  }
  const pattern = containsPattern(text);
  const chunkMatches = or(ilike(terminalRecordingChunks.outputText, pattern), ilike(terminalRecordingChunks.inputText, pattern));
  const conditions = recordingConditions(scope, filter);
  const hasMatch = sql`exists (select 1 from ${terminalRecordingChunks} where ${terminalRecordingChunks.tenantId} = ${terminalRecordings.tenantId} and ${terminalRecordingChunks.recordingId} = ${terminalRecordings.id} and ${chunkMatches})`;
  const page = await fetchPage<TerminalRecordingRow>(
    args,
    [terminalRecordings.startedAt, terminalRecordings.id],
    (row: TerminalRecordingRow) => [row.startedAt.toISOString(), row.id],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(terminalRecordings)
        .where(and(...conditions, hasMatch, where))
        .orderBy(...orderBy)
        .limit(limit),
  );
  if (page.nodes.length === 0) return { ...page, nodes: [] };

  const chunks = await db
    .select({ recordingId: terminalRecordingChunks.recordingId, seq: terminalRecordingChunks.seq })
    .from(terminalRecordingChunks)
    .where(
      and(
        eq(terminalRecordingChunks.tenantId, scope.tenantId),
        inArray(
          terminalRecordingChunks.recordingId,
          page.nodes.map((row) => row.id),
        ),
        chunkMatches,
      ),
    )
    .orderBy(asc(terminalRecordingChunks.recordingId), asc(terminalRecordingChunks.seq));

  const matcher = new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'giu');
  const matchesByRecording = new Map<string, RecordingMatch[]>();
  for (const chunk of chunks) {
    const found = matchesByRecording.get(chunk.recordingId) ?? [];
    matchesByRecording.set(chunk.recordingId, found);
    if (found.length >= maxMatches) continue;
    // One chunk's bytes at a time, and only while matches are still wanted.
    const stored = await chunkForSearch(db, scope.tenantId, chunk.recordingId, chunk.seq);
    if (!stored) continue;
    const rebuilt = chunkText(await chunkEvents(stored.data), stored.carry);
    const room = maxMatches - found.length;
    // Both streams, then in time order: the first `room` by time, whichever stream they are in.
    const inChunk = [...findIn(rebuilt.output, 'output', matcher, room), ...findIn(rebuilt.input, 'input', matcher, room)].sort(
      (a, b) => a.seconds - b.seconds,
    );
    found.push(...inChunk.slice(0, room));
  }
  return {
    ...page,
    nodes: page.nodes.map((recording) => ({
      recording,
      matches: [...(matchesByRecording.get(recording.id) ?? [])].sort((a, b) => a.seconds - b.seconds),
    })),
  };
}

async function chunkForSearch(db: Executor, tenantId: string, recordingId: string, seq: number) {
  const [row] = await db
    .select({ data: terminalRecordingChunks.data, carry: terminalRecordingChunks.carry })
    .from(terminalRecordingChunks)
    .where(and(eq(terminalRecordingChunks.tenantId, tenantId), eq(terminalRecordingChunks.recordingId, recordingId), eq(terminalRecordingChunks.seq, seq)));
  return row;
}

/** Matches in one stream's text, skipping those wholly inside the intact carry (the previous chunk found them). */
function findIn(text: StreamText, stream: MatchStream, matcher: RegExp, room: number): RecordingMatch[] {
  const matches: RecordingMatch[] = [];
  const value = text.value;
  const carried = text.carriedIntact;
  matcher.lastIndex = 0;
  for (let found = matcher.exec(value); found && matches.length < room; found = matcher.exec(value)) {
    const end = found.index + found[0].length;
    if (end <= carried) continue;
    const excerpt = value
      .slice(Math.max(0, found.index - EXCERPT_CONTEXT), end + EXCERPT_CONTEXT)
      .replace(/\s+/g, ' ')
      .trim();
    matches.push({ seconds: text.secondsAt(found.index), stream, excerpt });
  }
  return matches;
}
