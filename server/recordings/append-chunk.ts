/**
 * An agent streams a terminal session's recording as numbered chunks of asciicast v2 lines:
 * chunk 0 starts with the header, and every chunk is appended in order, once.
 *
 * - A chunk sent again (a retry after a lost answer) is recognised by its digest and answered as
 *   before, without storing it twice; a different chunk under a number already used is a CONFLICT.
 * - A chunk ahead of the next expected number is a gap: refused with CONFLICT naming the number
 *   expected, unless the agent declares the chunks between lost (`isGapDeclared`); the gap is then
 *   kept on the recording, audited, and those numbers can never be filled in later.
 * - `isFinal` completes the recording; nothing is appended after that.
 *
 * The recording row is locked for the append, so two copies of one chunk racing each other
 * store it once.
 */
import { and, eq, sql } from 'drizzle-orm';
import { requireAgent } from '../auth/scope.js';
import { recordChanges, type Change } from '../audit/record-change.js';
import type { Executor } from '../db/database.js';
import { terminalRecordingChunks, terminalRecordings, terminalSessions, type RecordingGap, type TerminalRecordingRow } from '../db/tables/index.js';
import { BadInput, Conflict, NotFound } from '../errors.js';
import { newId } from '../ids.js';
import { publishEvents } from '../realtime/domain-events.js';
import { markQueuedLeaves } from '../log/log-registry.js';
import { inTransaction, type ServiceContext } from '../service-context.js';
import { parseChunk, type AsciicastEvent, type AsciicastHeader } from './asciicast.js';
import { encodeChunk, type EncodedChunk } from './chunk-codec.js';
import { chunkText } from './searchable-text.js';

export interface ChunkUpload {
  /** The agent's id for the terminal session (as in TERMINAL_SESSION_STARTED). */
  readonly sessionEventId: string;
  readonly seq: number;
  /** Asciicast v2 lines: the header first in chunk 0, then events. */
  readonly lines: string;
  readonly isFinal?: boolean;
  readonly isGapDeclared?: boolean;
}

export interface ChunkReceipt {
  readonly recordingId: string;
  readonly seq: number;
  /** The chunk had been stored already; nothing changed. */
  readonly isDuplicate: boolean;
  /** The number the next chunk must carry. */
  readonly nextSeq: number;
  readonly eventCount: number;
  readonly durationSeconds: number;
  readonly isComplete: boolean;
  /** The chunks this upload declared lost. */
  readonly gap?: RecordingGap;
}

const MAX_SEQ = 2_000_000_000;

export async function appendRecordingChunk(ctx: ServiceContext, upload: ChunkUpload): Promise<ChunkReceipt> {
  const agent = requireAgent(ctx.actor);
  if (!Number.isInteger(upload.seq) || upload.seq < 0 || upload.seq > MAX_SEQ) throw new BadInput('seq', 'seq must be a whole number from 0');
  if (!upload.sessionEventId || upload.sessionEventId.length > 200)
    throw new BadInput('sessionEventId', 'sessionEventId must be the session id the agent reported (1 to 200 characters)');

  // Parsed and compressed before any lock is taken; the time check against the recording's
  // current end is repeated under the lock, where that end is known for sure.
  const isFirst = upload.seq === 0;
  const parsed = parseChunk(upload.lines, isFirst, 0);
  const encoded = await encodeChunk(parsed.events, parsed.header);

  return inTransaction(ctx, async (tx) => {
    const session = await findSession(tx.db, agent.tenantId, agent.serverId, upload.sessionEventId);
    let recording = await lockRecording(tx.db, agent.tenantId, session.id);
    const changes: Change[] = [];
    if (!recording) {
      if (!parsed.header) {
        throw new Conflict(`The recording of session ${upload.sessionEventId} has not started: send chunk 0, with the asciicast header, first`, {
          expectedSeq: 0,
          receivedSeq: upload.seq,
        });
      }
      recording = await createRecording(tx.db, agent.tenantId, session, parsed.header, ctx.clock.now());
      changes.push({
        action: 'recording.started',
        resource: { type: 'terminal_recording', id: recording.id },
        after: { terminalSessionId: session.id, width: recording.width, height: recording.height },
      });
    }

    if (upload.seq < recording.nextSeq) return receiptForResend(tx.db, recording, upload.seq, encoded);
    if (recording.status === 'complete') {
      throw new Conflict(`The recording is complete: chunk ${upload.seq} cannot be added after the final chunk`, {
        recordingId: recording.id,
        nextSeq: recording.nextSeq,
      });
    }
    let gap: RecordingGap | undefined;
    if (upload.seq > recording.nextSeq) {
      if (!upload.isGapDeclared) {
        throw new Conflict(
          `Chunk ${upload.seq} is ahead of the recording: chunk ${recording.nextSeq} comes next (send the missing chunks, or declare them lost)`,
          {
            recordingId: recording.id,
            expectedSeq: recording.nextSeq,
            receivedSeq: upload.seq,
          },
        );
      }
      gap = { fromSeq: recording.nextSeq, toSeq: upload.seq - 1, afterSeconds: recording.durationSeconds };
      changes.push({ action: 'recording.gap_declared', resource: { type: 'terminal_recording', id: recording.id }, after: { ...gap } });
    }
    const first = parsed.events[0];
    if (first && first[0] < recording.durationSeconds) {
      throw new BadInput(
        'line 1',
        `The chunk's first event (${first[0]} s) goes back before the end of the recording so far (${recording.durationSeconds} s)`,
        {
          seconds: first[0],
          notBefore: recording.durationSeconds,
        },
      );
    }

    const updated = await storeChunk(tx.db, recording, upload.seq, parsed.events, encoded, gap, Boolean(upload.isFinal));
    markQueuedLeaves(tx.db);
    if (updated.status === 'complete') {
      changes.push({
        action: 'recording.completed',
        resource: { type: 'terminal_recording', id: recording.id },
        after: { durationSeconds: updated.durationSeconds, eventCount: updated.eventCount, chunks: updated.nextSeq, gaps: updated.gaps.length },
      });
    }
    await publishEvents(
      tx.db,
      [
        {
          type: 'recording.appended',
          tenantId: agent.tenantId,
          recordingId: recording.id,
          userId: recording.userId,
          serverId: recording.serverId,
          seq: upload.seq,
          isComplete: updated.status === 'complete',
        },
      ],
      ctx.clock.now(),
    );
    await recordChanges(tx, changes);
    return receipt(updated, upload.seq, false, gap);
  });
}

async function findSession(db: Executor, tenantId: string, serverId: string, eventId: string) {
  const [session] = await db
    .select({ id: terminalSessions.id, serverId: terminalSessions.serverId, userId: terminalSessions.userId, startedAt: terminalSessions.startedAt })
    .from(terminalSessions)
    .where(and(eq(terminalSessions.tenantId, tenantId), eq(terminalSessions.serverId, serverId), eq(terminalSessions.eventId, eventId)));
  if (!session) {
    throw new NotFound('Terminal session', eventId);
  }
  return session;
}

async function lockRecording(db: Executor, tenantId: string, sessionId: string): Promise<TerminalRecordingRow | undefined> {
  const [row] = await db
    .select()
    .from(terminalRecordings)
    .where(and(eq(terminalRecordings.tenantId, tenantId), eq(terminalRecordings.terminalSessionId, sessionId)))
    .for('update');
  return row;
}

async function createRecording(
  db: Executor,
  tenantId: string,
  session: { id: string; serverId: string; userId: string | null; startedAt: Date },
  header: AsciicastHeader,
  now: Date,
): Promise<TerminalRecordingRow> {
  // Two first chunks racing: the loser waits on the unique key, then finds and locks the winner's row.
  await db
    .insert(terminalRecordings)
    .values({
      tenantId,
      id: newId(),
      terminalSessionId: session.id,
      serverId: session.serverId,
      userId: session.userId,
      width: header.width,
      height: header.height,
      startedAt: header.timestamp ?? session.startedAt ?? now,
      command: header.command ?? null,
      title: header.title ?? null,
      env: header.env,
    })
    .onConflictDoNothing();
  return (await lockRecording(db, tenantId, session.id))!;
}

async function receiptForResend(db: Executor, recording: TerminalRecordingRow, seq: number, encoded: EncodedChunk): Promise<ChunkReceipt> {
  const [stored] = await db
    .select({ digest: terminalRecordingChunks.digest })
    .from(terminalRecordingChunks)
    .where(
      and(
        eq(terminalRecordingChunks.tenantId, recording.tenantId),
        eq(terminalRecordingChunks.recordingId, recording.id),
        eq(terminalRecordingChunks.seq, seq),
      ),
    );
  if (!stored) {
    throw new Conflict(`Chunk ${seq} was declared lost; it cannot be sent now`, { recordingId: recording.id, receivedSeq: seq, nextSeq: recording.nextSeq });
  }
  if (stored.digest !== encoded.digest) {
    throw new Conflict(`Chunk ${seq} was stored already with other content`, { recordingId: recording.id, receivedSeq: seq, nextSeq: recording.nextSeq });
  }
  return receipt(recording, seq, true);
}

async function storeChunk(
  db: Executor,
  recording: TerminalRecordingRow,
  seq: number,
  events: readonly AsciicastEvent[],
  encoded: EncodedChunk,
  gap: RecordingGap | undefined,
  isFinal: boolean,
): Promise<TerminalRecordingRow> {
  const text = chunkText(events, recording.searchCarry);
  let bytesIn = 0;
  let bytesOut = 0;
  for (const [, code, data] of events) {
    if (code === 'i') bytesIn += Buffer.byteLength(data, 'utf8');
    else if (code === 'o') bytesOut += Buffer.byteLength(data, 'utf8');
  }
  const firstOffset = events[0]?.[0] ?? recording.durationSeconds;
  const lastOffset = events[events.length - 1]?.[0] ?? recording.durationSeconds;
  await db.insert(terminalRecordingChunks).values({
    tenantId: recording.tenantId,
    recordingId: recording.id,
    seq,
    firstOffset,
    lastOffset,
    eventCount: events.length,
    rawBytes: encoded.rawBytes,
    digest: encoded.digest,
    data: encoded.data,
    outputText: text.output.value,
    inputText: text.input.value,
    carry: recording.searchCarry,
  });
  const [updated] = await db
    .update(terminalRecordings)
    .set({
      nextSeq: seq + 1,
      durationSeconds: lastOffset,
      eventCount: sql`${terminalRecordings.eventCount} + ${events.length}`,
      bytesIn: sql`${terminalRecordings.bytesIn} + ${bytesIn}`,
      bytesOut: sql`${terminalRecordings.bytesOut} + ${bytesOut}`,
      storedBytes: sql`${terminalRecordings.storedBytes} + ${encoded.data.length}`,
      gaps: gap ? [...recording.gaps, gap] : recording.gaps,
      searchCarry: { o: text.output.carryOut(), i: text.input.carryOut() },
      ...(isFinal ? { status: 'complete' as const, endedAt: new Date(recording.startedAt.getTime() + Math.round(lastOffset * 1000)) } : {}),
      updatedAt: sql`now()`,
    })
    .where(and(eq(terminalRecordings.tenantId, recording.tenantId), eq(terminalRecordings.id, recording.id)))
    .returning();
  return updated!;
}

function receipt(recording: TerminalRecordingRow, seq: number, isDuplicate: boolean, gap?: RecordingGap): ChunkReceipt {
  return {
    recordingId: recording.id,
    seq,
    isDuplicate,
    nextSeq: recording.nextSeq,
    eventCount: recording.eventCount,
    durationSeconds: recording.durationSeconds,
    isComplete: recording.status === 'complete',
    ...(gap ? { gap } : {}),
  };
}
