/**
 * An agent streams a desktop session's recording as numbered chunks of WebM video: chunk 0 starts
 * the file (the EBML header) and says what the session was (protocol, screen size, whose it is);
 * the bytes of every chunk, in order, are the file. Each chunk also says how many frames it holds
 * and where the recording stands at its end, so frames and duration are known without decoding.
 *
 * The rules are the terminal recording's (append-chunk.ts): a chunk sent again with the same bytes
 * is answered as before; other bytes under a used number are a CONFLICT; a chunk ahead is a CONFLICT
 * naming the expected number unless the agent declares the chunks between lost; nothing follows
 * the final chunk. The recording row is locked for the append.
 */
import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AgentActor } from '../auth/actor.js';
import { requireAgent } from '../auth/scope.js';
import { recordChanges, type Change } from '../audit/record-change.js';
import type { Executor } from '../db/database.js';
import { DESKTOP_PROTOCOLS, desktopRecordingChunks, desktopRecordings, type DesktopRecordingRow, type RecordingGap } from '../db/tables/index.js';
import { BadInput, Conflict } from '../errors.js';
import { findUserByEmail, getUser } from '../identity/users.js';
import { newId } from '../ids.js';
import { markQueuedLeaves } from '../log/log-registry.js';
import { inTransaction, type ServiceContext } from '../service-context.js';
import { parseInput } from '../validation.js';

/** What chunk 0 tells about the session. */
export interface DesktopSessionFacts {
  readonly protocol: string;
  readonly width: number;
  readonly height: number;
  readonly userId?: string;
  readonly userEmail?: string;
  /** The account on the server. */
  readonly username?: string;
  readonly startedAt?: Date;
  readonly filePath?: string;
}

export interface DesktopChunkUpload {
  readonly sessionEventId: string;
  readonly seq: number;
  /** The chunk's Content-Type: video/webm, codecs allowed. */
  readonly mediaType: string | undefined;
  readonly data: Buffer;
  readonly frames: number;
  /** Seconds from the recording's start to this chunk's end. */
  readonly untilSeconds: number;
  /** Required with chunk 0. */
  readonly session?: DesktopSessionFacts;
  readonly isFinal?: boolean;
  readonly isGapDeclared?: boolean;
}

export interface DesktopChunkReceipt {
  readonly recordingId: string;
  readonly seq: number;
  readonly isDuplicate: boolean;
  readonly nextSeq: number;
  readonly frameCount: number;
  readonly byteCount: number;
  readonly durationSeconds: number;
  readonly isComplete: boolean;
  readonly gap?: RecordingGap;
}

const MAX_SEQ = 2_000_000_000;
/** A week: longer than any desktop session an agent keeps open. */
const MAX_SECONDS = 7 * 86_400;
const EBML_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);
const WEBM_TYPE = /^video\/webm(\s*;\s*codecs\s*=\s*("[a-z0-9.,\s]{1,60}"|[a-z0-9.,]{1,60}))?$/i;

const sessionFacts = z.object({
  protocol: z.enum(DESKTOP_PROTOCOLS, { message: `must be one of ${DESKTOP_PROTOCOLS.join(', ')}` }),
  width: z.number().int().min(1).max(16_384),
  height: z.number().int().min(1).max(16_384),
  userId: z.string().uuid().optional(),
  userEmail: z.string().email().max(320).optional(),
  username: z.string().min(1).max(200).optional(),
  startedAt: z.date().optional(),
  filePath: z.string().min(1).max(1000).optional(),
});

export async function appendDesktopChunk(ctx: ServiceContext, upload: DesktopChunkUpload): Promise<DesktopChunkReceipt> {
  const agent = requireAgent(ctx.actor);
  const { mediaType } = checkUpload(upload);
  const digest = createHash('sha256').update(upload.data).digest('hex');
  const facts = upload.session ? parseInput(sessionFacts, upload.session) : undefined;
  if (facts?.userId && facts.userEmail) throw new BadInput('userEmail', 'Give userId or userEmail, not both');

  return inTransaction(ctx, async (tx) => {
    let recording = await lockRecording(tx.db, agent, upload.sessionEventId);
    const changes: Change[] = [];
    if (!recording) {
      if (upload.seq !== 0 || !facts) {
        throw new Conflict(
          `The desktop recording of session ${upload.sessionEventId} has not started: send chunk 0, with the session's protocol, width and height, first`,
          { expectedSeq: 0, receivedSeq: upload.seq },
        );
      }
      if (!upload.data.subarray(0, 4).equals(EBML_MAGIC)) throw new BadInput('body', 'Chunk 0 must start the WebM file (its EBML header)');
      recording = await createRecording(tx.db, agent, upload.sessionEventId, facts, mediaType, ctx.clock.now());
      changes.push({
        action: 'recording.started',
        resource: { type: 'desktop_recording', id: recording.id },
        after: { protocol: recording.protocol, width: recording.width, height: recording.height, mediaType: recording.mediaType },
      });
    }

    if (upload.seq < recording.nextSeq) return receiptForResend(tx.db, recording, upload.seq, digest);
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
          { recordingId: recording.id, expectedSeq: recording.nextSeq, receivedSeq: upload.seq },
        );
      }
      gap = { fromSeq: recording.nextSeq, toSeq: upload.seq - 1, afterSeconds: recording.durationSeconds };
      changes.push({ action: 'recording.gap_declared', resource: { type: 'desktop_recording', id: recording.id }, after: { ...gap } });
    }
    if (mediaType !== recording.mediaType) {
      throw new BadInput('Content-Type', `The recording is ${recording.mediaType}; this chunk says ${mediaType}`, { expected: recording.mediaType });
    }
    if (upload.untilSeconds < recording.durationSeconds) {
      throw new BadInput('until', `The chunk ends (${upload.untilSeconds} s) before the recording so far (${recording.durationSeconds} s)`, {
        seconds: upload.untilSeconds,
        notBefore: recording.durationSeconds,
      });
    }

    const updated = await storeChunk(tx.db, recording, upload, digest, gap);
    markQueuedLeaves(tx.db);
    if (updated.status === 'complete') {
      changes.push({
        action: 'recording.completed',
        resource: { type: 'desktop_recording', id: recording.id },
        after: {
          durationSeconds: updated.durationSeconds,
          frameCount: updated.frameCount,
          byteCount: updated.byteCount,
          chunks: updated.nextSeq,
          gaps: updated.gaps.length,
        },
      });
    }
    await recordChanges(tx, changes);
    return receipt(updated, upload.seq, false, gap);
  });
}

/** The checks that need no database, made before a transaction opens; the normalised media type. */
function checkUpload(upload: DesktopChunkUpload): { mediaType: string } {
  if (!Number.isInteger(upload.seq) || upload.seq < 0 || upload.seq > MAX_SEQ) throw new BadInput('seq', 'seq must be a whole number from 0');
  if (!upload.sessionEventId || upload.sessionEventId.length > 200)
    throw new BadInput('sessionEventId', 'sessionEventId must be the id the agent gives the desktop session (1 to 200 characters)');
  const mediaType = upload.mediaType?.trim() ?? '';
  if (!WEBM_TYPE.test(mediaType)) throw new BadInput('Content-Type', 'A desktop recording chunk is WebM video: send it as video/webm (codecs may be named)');
  if (upload.data.length === 0) throw new BadInput('body', 'The chunk is empty');
  if (!Number.isInteger(upload.frames) || upload.frames < 0 || upload.frames > 1_000_000) throw new BadInput('frames', 'frames must be a whole number from 0');
  if (!Number.isFinite(upload.untilSeconds) || upload.untilSeconds < 0 || upload.untilSeconds > MAX_SECONDS)
    throw new BadInput('until', 'until must be the seconds from the start of the recording to the end of this chunk (0 to a week)');
  return { mediaType: mediaType.toLowerCase().replace(/\s+/g, '') };
}

async function lockRecording(db: Executor, agent: AgentActor, sessionEventId: string): Promise<DesktopRecordingRow | undefined> {
  const [row] = await db
    .select()
    .from(desktopRecordings)
    .where(
      and(eq(desktopRecordings.tenantId, agent.tenantId), eq(desktopRecordings.serverId, agent.serverId), eq(desktopRecordings.sessionEventId, sessionEventId)),
    )
    .for('update');
  return row;
}

async function createRecording(
  db: Executor,
  agent: AgentActor,
  sessionEventId: string,
  facts: z.output<typeof sessionFacts>,
  mediaType: string,
  now: Date,
): Promise<DesktopRecordingRow> {
  const userId = await userOfFacts(db, agent.tenantId, facts);
  // Two first chunks racing: the loser waits on the unique key, then finds and locks the winner's row.
  await db
    .insert(desktopRecordings)
    .values({
      tenantId: agent.tenantId,
      id: newId(),
      serverId: agent.serverId,
      sessionEventId,
      userId,
      username: facts.username ?? null,
      protocol: facts.protocol,
      mediaType,
      width: facts.width,
      height: facts.height,
      filePath: facts.filePath ?? null,
      startedAt: facts.startedAt ?? now,
    })
    .onConflictDoNothing();
  return (await lockRecording(db, agent, sessionEventId))!;
}

/** The Vigil user chunk 0 names, by id or email; BAD_USER_INPUT when the tenant has none such. */
async function userOfFacts(db: Executor, tenantId: string, facts: { userId?: string; userEmail?: string }): Promise<string | null> {
  if (facts.userId) {
    const user = await getUser(db, tenantId, facts.userId).catch(() => undefined);
    if (!user) throw new BadInput('userId', 'No such user in this tenant');
    return user.id;
  }
  if (facts.userEmail) {
    const user = await findUserByEmail(db, tenantId, facts.userEmail);
    if (!user) throw new BadInput('userEmail', 'No user with this email in this tenant');
    return user.id;
  }
  return null;
}

async function receiptForResend(db: Executor, recording: DesktopRecordingRow, seq: number, digest: string): Promise<DesktopChunkReceipt> {
  const [stored] = await db
    .select({ digest: desktopRecordingChunks.digest })
    .from(desktopRecordingChunks)
    .where(
      and(eq(desktopRecordingChunks.tenantId, recording.tenantId), eq(desktopRecordingChunks.recordingId, recording.id), eq(desktopRecordingChunks.seq, seq)),
    );
  if (!stored) {
    throw new Conflict(`Chunk ${seq} was declared lost; it cannot be sent now`, { recordingId: recording.id, receivedSeq: seq, nextSeq: recording.nextSeq });
  }
  if (stored.digest !== digest) {
    throw new Conflict(`Chunk ${seq} was stored already with other content`, { recordingId: recording.id, receivedSeq: seq, nextSeq: recording.nextSeq });
  }
  return receipt(recording, seq, true);
}

async function storeChunk(
  db: Executor,
  recording: DesktopRecordingRow,
  upload: DesktopChunkUpload,
  digest: string,
  gap: RecordingGap | undefined,
): Promise<DesktopRecordingRow> {
  await db.insert(desktopRecordingChunks).values({
    tenantId: recording.tenantId,
    recordingId: recording.id,
    seq: upload.seq,
    untilSeconds: upload.untilSeconds,
    frameCount: upload.frames,
    byteCount: upload.data.length,
    digest,
    data: upload.data,
  });
  const [updated] = await db
    .update(desktopRecordings)
    .set({
      nextSeq: upload.seq + 1,
      durationSeconds: upload.untilSeconds,
      frameCount: sql`${desktopRecordings.frameCount} + ${upload.frames}`,
      byteCount: sql`${desktopRecordings.byteCount} + ${upload.data.length}`,
      gaps: gap ? [...recording.gaps, gap] : recording.gaps,
      ...(upload.isFinal ? { status: 'complete' as const, endedAt: new Date(recording.startedAt.getTime() + Math.round(upload.untilSeconds * 1000)) } : {}),
      updatedAt: sql`now()`,
    })
    .where(and(eq(desktopRecordings.tenantId, recording.tenantId), eq(desktopRecordings.id, recording.id)))
    .returning();
  return updated!;
}

function receipt(recording: DesktopRecordingRow, seq: number, isDuplicate: boolean, gap?: RecordingGap): DesktopChunkReceipt {
  return {
    recordingId: recording.id,
    seq,
    isDuplicate,
    nextSeq: recording.nextSeq,
    frameCount: recording.frameCount,
    byteCount: recording.byteCount,
    durationSeconds: recording.durationSeconds,
    isComplete: recording.status === 'complete',
    ...(gap ? { gap } : {}),
  };
}
