/**
 * Following a recording live: the chunks already stored after `afterSeq`, then each new chunk as
 * its append commits, in order and once, until the final one. The live stream is opened before
 * the stored chunks are read, so a chunk committed in between arrives through one or the other;
 * one arriving through both is passed over by its number. An approver let in by the policy (not by
 * the row rule) is checked again at every live chunk: a policy that stops letting approvers watch
 * ends the follow with FORBIDDEN.
 */
import { canSeeRow, onServer } from '../../server/auth/scope.js';
import { chunkEvents } from '../../server/recordings/chunk-codec.js';
import { isApproverWatchAllowed, recordingForLiveWatcher, recordRecordingView } from '../../server/recordings/recording-access.js';
import { storedChunkData, storedChunks } from '../../server/recordings/recording-queries.js';
import { BadInput, Forbidden } from '../../server/errors.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import { eventStream } from '../realtime/event-stream.js';
import { RecordingEvent, RecordingEvents, type RecordingEventCodeEnum } from './recording.types.js';

export async function followRecording(ctx: GraphQLContext, recordingId: string, afterSeq: number): Promise<AsyncIterable<RecordingEvents | Forbidden>> {
  if (!Number.isInteger(afterSeq) || afterSeq < -1) throw new BadInput('afterSeq', 'afterSeq must be -1 (from the start) or a chunk number');
  const { recording, isApproverWatching } = await recordingForLiveWatcher(ctx.deps.db, ctx.actor, recordingId);
  await recordRecordingView(serviceContext(ctx), recording, 'live');
  const { db } = ctx.deps;
  const tenantId = recording.tenantId;

  const live = eventStream(
    ctx,
    (event) => event.type === 'recording.appended' && event.recordingId === recording.id,
    async (delivery): Promise<RecordingEvents[]> => {
      const event = delivery.event;
      if (
        event.type !== 'recording.appended' ||
        !(isApproverWatching || canSeeRow(ctx.actor, 'terminalRecordings', event.userId, onServer(recording.serverId)))
      )
        return [];
      const data = await delivery.once(`recording-chunk:${event.recordingId}:${event.seq}`, () => storedChunkData(db, tenantId, event.recordingId, event.seq));
      return data ? [await payload(recording.id, event.seq, data, event.isComplete)] : [];
    },
  );

  // Read again now that the live stream is open: a final chunk committed before this point is
  // seen here as complete; one committed after it arrives live.
  let current: typeof recording;
  try {
    current = (await recordingForLiveWatcher(db, ctx.actor, recording.id)).recording;
  } catch (error) {
    await live.return?.();
    throw error;
  }

  async function* follow(): AsyncGenerator<RecordingEvents | Forbidden> {
    let last = afterSeq;
    try {
      const finalSeq = current.status === 'complete' ? current.nextSeq - 1 : undefined;
      for await (const chunk of storedChunks(db, tenantId, recording.id, afterSeq)) {
        last = chunk.seq;
        yield await payload(recording.id, chunk.seq, chunk.data, chunk.seq === finalSeq);
      }
      if (finalSeq !== undefined) return;
      for await (const item of live) {
        // Let in as an approver: only while the policy still lets approvers watch, and their approval stands.
        if (isApproverWatching && ctx.actor?.type === 'user' && !(await isApproverWatchAllowed(db, ctx.actor, recording.id, { isWhileRecording: false }))) {
          // Handed to the field as its root, which raises it: the client gets FORBIDDEN, then the end.
          yield new Forbidden('Approvers may no longer watch this session: the policy or the approval changed', { recordingId: recording.id });
          return;
        }
        if (item.seq > last) {
          last = item.seq;
          yield item;
        }
        if (item.isComplete) return;
      }
    } finally {
      await live.return?.();
    }
  }
  return follow();
}

async function payload(recordingId: string, seq: number, data: Buffer, isComplete: boolean): Promise<RecordingEvents> {
  const events = (await chunkEvents(data)).map(([seconds, code, text]) =>
    Object.assign(new RecordingEvent(), { seconds, code: code as RecordingEventCodeEnum, data: text }),
  );
  return Object.assign(new RecordingEvents(), { recordingId, seq, events, isComplete });
}
