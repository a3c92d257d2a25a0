/**
 * Streams the recordings in the spool to Vigil (recording-files.ts names the files): each
 * `rec-<session>.cast` as numbered chunks of whole asciicast lines, PUT to
 * /recordings/sessions/ts-<session>/chunks/<seq>, cut on every pass and at CHUNK_BYTES; the last
 * one carries final=true once the recorder's `.done` marker is there, and then the files go.
 * Chunk 0 is the header line alone, so that a line Vigil refuses is always in a later chunk,
 * which can be set aside while the recording goes on.
 *
 * Exactly once, across crashes: before a chunk is sent, its number and byte range are saved in
 * the recording's state (replaced atomically, in a directory of the daemon's own, for the spool is
 * writable by everyone), and only Vigil's answer moves the state on. A daemon that
 * died mid-send finds that intent and sends the very same bytes under the same number (the .cast
 * only grows), which Vigil answers 200 for when it had them already. So no number is ever used
 * for two different bodies, which Vigil would refuse (409).
 *
 * What Vigil answers, and what follows:
 * - 404, the session unknown: its start has not reached Vigil. A recording waits until the shell
 *   shipper has delivered the session's start anyway; it is never dropped, only tried again.
 * - 400 (413), a line refused: the chunk is set aside in rejected/rejected.jsonl with Vigil's reason and
 *   the next chunk declares it lost (declareGap), so the gap is on record and the recording goes on.
 *   A refused header (chunk 0) leaves nothing to add to: the file is set aside whole, renamed
 *   `rec-<session>.rejected.cast`.
 * - 409 expecting a lower number: Vigil lost chunks it had taken (a database restored). If it has
 *   no recording at all, the whole file is sent again from chunk 0; otherwise the chunks it lacks
 *   are gone from here, and the chunk is sent again declaring them lost.
 * - 409 with Vigil ahead (this file's state was lost): nothing proves Vigil's chunks are these
 *   bytes, so nothing is assumed: the chunk goes under Vigil's next number, and lines that go back
 *   in time are refused and set aside as above. A complete recording takes nothing more: set aside.
 */
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { AgentConfig } from './agent-config.js';
import { RECORDING_FILE, recordingFiles, type RecordingFiles } from './recording-files.js';
import { sessionEventId } from './shell-events.js';
import { isProcessAlive } from './shell-shipper.js';
import { readBytes, spoolFiles, wholeLines } from './spool-records.js';
import { privateStateDirectory, readState, saveState, setAside } from './spool-state.js';
import { VigilRefused, type GraphQLFailure, type VigilClient } from './vigil-client.js';

/** A chunk's size when there is much to send (a long session's start, after Vigil was away). */
const CHUNK_BYTES = 64 * 1024;
/** A single line longer than a chunk is sent whole, up to this (Vigil's own limit is larger). */
const MAX_LINE_BYTES = 4 * 1024 * 1024;
const MAX_CHUNKS_PER_PASS = 64;
/** A recorder that died without its marker (killed): its recording ends once it has been still this long. */
const ABANDONED_AFTER_MS = 10_000;
/** How often a recording that waits on Vigil (404) is logged again. */
const WAIT_LOG_MS = 60_000;

/** A chunk: its number and bytes [from, to) of the .cast. */
interface Chunk {
  readonly seq: number;
  readonly from: number;
  readonly to: number;
  readonly isFinal: boolean;
  readonly isGapDeclared: boolean;
}

interface RecordingState {
  /** The next chunk's number and where its bytes start. */
  readonly seq: number;
  readonly offset: number;
  /** The chunk before was set aside: the next one declares it lost. */
  readonly isGapPending: boolean;
  /** The chunk being sent: saved before it is, sent again as it is until Vigil answers. */
  readonly sending?: Chunk;
}

const START: RecordingState = { seq: 0, offset: 0, isGapPending: false };

/** A recording's files, with where the daemon keeps its place in it and the recorder's process id. */
type Recording = RecordingFiles & { readonly state: string; readonly pid: number };

/** What became of a send: delivered, to be sent again (changed), to wait for a later pass, or the recording is finished with. */
type Outcome = 'sent' | 'again' | 'wait' | 'done';

export class RecordingShipper {
  /** Since when each waiting recording was last logged. */
  private readonly waitLogged = new Map<string, number>();

  constructor(
    private readonly config: AgentConfig,
    private readonly client: VigilClient,
    private readonly log: Logger,
    private readonly isSessionDelivered: (session: string) => Promise<boolean>,
  ) {}

  /** One pass over the spool's recordings; throws (Vigil away, the token refused) for the caller to back off. */
  async pass(): Promise<number> {
    const names = await spoolFiles(this.config.spool, RECORDING_FILE);
    if (names.length === 0) return 0;
    const states = await privateStateDirectory(this.config.spool, 'recordings');
    let sent = 0;
    for (const name of names) {
      const [, session, pid] = RECORDING_FILE.exec(name)!;
      sent += await this.shipRecording({ ...recordingFiles(this.config.spool, session!), state: path.join(states, `rec-${session}.json`), pid: Number(pid) });
    }
    return sent;
  }

  private async shipRecording(files: Recording): Promise<number> {
    if (!(await this.isSessionDelivered(files.session))) return 0;
    const owners = await Promise.all([stat(files.cast), stat(files.shellRecords).catch(() => undefined)]);
    if (owners[1] && owners[0].uid !== owners[1].uid) {
      await this.setAside(files, `the recording belongs to uid ${owners[0].uid}, its session to uid ${owners[1].uid}`);
      return 0;
    }
    let sent = 0;
    for (let attempt = 0; attempt < MAX_CHUNKS_PER_PASS; attempt += 1) {
      let state = (await readState<RecordingState>(files.state)) ?? START;
      if (!state.sending) {
        const chunk = await this.nextChunk(files, state);
        if (!chunk) return sent;
        state = { ...state, sending: chunk };
        await saveState(files.state, state);
      }
      const outcome = await this.send(files, state, state.sending!);
      if (outcome === 'sent') sent += 1;
      if (outcome === 'wait' || outcome === 'done') return sent;
    }
    return sent;
  }

  /** The whole lines after `state.offset` (the header alone first), or nothing yet. */
  private async nextChunk(files: Recording, state: RecordingState): Promise<Chunk | undefined> {
    // The marker before the size: once it is there, everything the recorder wrote is in the file.
    // Only the recorder's own marker counts (anyone may write into the spool).
    const marker = await stat(files.done).catch(() => undefined);
    const cast = await stat(files.cast);
    const isDone = (marker !== undefined && marker.uid === cast.uid) || this.isAbandoned(files, cast.mtimeMs);
    let window = await readBytes(files.cast, state.offset, Math.min(cast.size, state.offset + CHUNK_BYTES));
    if (!window.includes(0x0a) && cast.size - state.offset > window.length)
      window = await readBytes(files.cast, state.offset, Math.min(cast.size, state.offset + MAX_LINE_BYTES));
    const isReachingEnd = state.offset + window.length === cast.size;
    const bytes = state.seq === 0 ? window.indexOf(0x0a) + 1 : wholeLines(window).bytes;
    const rest = window.subarray(bytes);
    const isFinal = isDone && isReachingEnd && !rest.includes(0x0a);
    if (isFinal && rest.length > 0) this.log.warn({ session: files.session, bytes: rest.length }, 'the recording ends in half a line: left out');
    if (bytes === 0 && !isFinal) return undefined;
    if (bytes === 0 && state.seq === 0) {
      this.log.warn({ session: files.session }, 'the recorder wrote nothing: no recording to send');
      await this.removeFiles(files);
      return undefined;
    }
    return { seq: state.seq, from: state.offset, to: state.offset + bytes, isFinal, isGapDeclared: state.isGapPending };
  }

  /** The recorder is gone without its marker (killed) and its file has stopped growing. */
  private isAbandoned(files: Recording, modifiedAt: number): boolean {
    return !isProcessAlive(files.pid) && Date.now() - modifiedAt > ABANDONED_AFTER_MS;
  }

  private async send(files: Recording, state: RecordingState, chunk: Chunk): Promise<Outcome> {
    const body = await readBytes(files.cast, chunk.from, chunk.to);
    if (body.length !== chunk.to - chunk.from) throw new Error(`${files.cast} is shorter than the chunk saved as being sent: it was changed`);
    const flags = [chunk.isFinal && 'final=true', chunk.isGapDeclared && 'declareGap=true'].filter(Boolean).join('&');
    const eventId = sessionEventId(files.session);
    const answer = await this.client.put(`/recordings/sessions/${encodeURIComponent(eventId)}/chunks/${chunk.seq}${flags ? `?${flags}` : ''}`, body);
    const errors = (answer.body.errors ?? []) as GraphQLFailure[];
    const details = errors[0]?.extensions ?? {};
    const where = { session: files.session, seq: chunk.seq, status: answer.status };

    if (answer.status === 200 || answer.status === 201) {
      this.log.debug({ ...where, isDuplicate: answer.body.isDuplicate, bytes: body.length }, 'recording chunk delivered');
      this.waitLogged.delete(files.session);
      if (chunk.isFinal) {
        await this.removeFiles(files);
        this.log.info({ session: files.session, chunks: chunk.seq + 1 }, 'recording delivered');
        return 'done';
      }
      await saveState(files.state, { seq: chunk.seq + 1, offset: chunk.to, isGapPending: false });
      return 'sent';
    }
    if (answer.status === 404) {
      const loggedAt = this.waitLogged.get(files.session);
      if (loggedAt === undefined || Date.now() - loggedAt > WAIT_LOG_MS) {
        this.waitLogged.set(files.session, Date.now());
        this.log.warn({ ...where, reason: errors[0]?.message }, 'Vigil does not know the session yet: the recording waits');
      }
      return 'wait';
    }
    if (answer.status === 400 || answer.status === 413) {
      const reason = errors[0]?.message ?? `Vigil answered ${answer.status}`;
      if (chunk.seq === 0) {
        await this.setAside(files, `Vigil refused the header: ${reason}`);
        return 'done';
      }
      this.log.error({ ...where, reason }, 'Vigil refused a chunk of a recording: set aside in rejected/rejected.jsonl, declared lost');
      await setAside(this.config.spool, { reason, field: details.field, recording: eventId, seq: chunk.seq, lines: body.toString('utf8') });
      await saveState(files.state, { seq: chunk.seq + 1, offset: chunk.to, isGapPending: true });
      return 'again';
    }
    if (answer.status === 409) return this.resolveConflict(files, state, chunk, details, where);
    throw new VigilRefused(errors.length > 0 ? errors : [{ message: `Vigil answered ${answer.status} to a recording chunk` }]);
  }

  private async resolveConflict(files: Recording, state: RecordingState, chunk: Chunk, details: Record<string, unknown>, where: object): Promise<Outcome> {
    const expectedSeq = typeof details.expectedSeq === 'number' ? details.expectedSeq : undefined;
    const nextSeq = typeof details.nextSeq === 'number' ? details.nextSeq : expectedSeq;
    if (expectedSeq === 0 && chunk.seq > 0) {
      this.log.error({ ...where, expectedSeq }, 'Vigil has no recording of this session (409): sending it all again from chunk 0');
      await saveState(files.state, START);
      return 'again';
    }
    if (expectedSeq !== undefined && expectedSeq < chunk.seq) {
      this.log.error(
        { ...where, expectedSeq, lost: { fromSeq: expectedSeq, toSeq: chunk.seq - 1 } },
        'Vigil lacks chunks it had taken (409): declaring them lost',
      );
      await saveState(files.state, { ...state, sending: { ...chunk, isGapDeclared: true } });
      return 'again';
    }
    if (details.receivedSeq === undefined) {
      await this.setAside(files, 'Vigil has the recording complete already (409)');
      return 'done';
    }
    if (nextSeq === undefined || nextSeq <= chunk.seq)
      throw new VigilRefused([{ message: `Vigil answered 409 to chunk ${chunk.seq} without a higher number to go on with` }]);
    this.log.error({ ...where, nextSeq }, "Vigil is ahead of this recording (409): its state here was lost; going on under Vigil's next number");
    await saveState(files.state, { ...state, sending: { ...chunk, seq: nextSeq } });
    return 'again';
  }

  /** Keeps a recording Vigil cannot take beside the spool's other refusals, out of the shipper's way. */
  private async setAside(files: Recording, reason: string): Promise<void> {
    this.log.error({ session: files.session, reason }, `recording set aside as rec-${files.session}.rejected.cast`);
    await rename(files.cast, path.join(this.config.spool, `rec-${files.session}.rejected.cast`));
    await setAside(this.config.spool, { reason, recording: sessionEventId(files.session) });
    await this.removeFiles(files);
  }

  private async removeFiles(files: Recording): Promise<void> {
    await rm(files.cast, { force: true });
    await rm(files.done, { force: true });
    await rm(files.state, { force: true });
  }
}
