/**
 * One recording for one reader. Recordings follow the terminal-session row rule (their own, or
 * every one with session_recordings.view); asking for someone else's recording by id is refused
 * as FORBIDDEN, saying what would allow it, while an id of another tenant is simply not found.
 * Watching or downloading a recording is itself audited: who watched whose session.
 */
import { and, eq } from 'drizzle-orm';
import type { Actor } from '../auth/actor.js';
import { recordScope } from '../auth/scope.js';
import { recordChange } from '../audit/record-change.js';
import type { Executor } from '../db/database.js';
import { terminalRecordings, type TerminalRecordingRow } from '../db/tables/index.js';
import { Forbidden, NotFound } from '../errors.js';
import { inTransaction, type ServiceContext } from '../service-context.js';
import { parseId } from '../validation.js';

export async function recordingForReader(db: Executor, actor: Actor | null, id: string): Promise<TerminalRecordingRow> {
  const scope = recordScope(actor, 'terminalRecordings');
  const recordingId = parseId('id', id);
  const [row] = await db
    .select()
    .from(terminalRecordings)
    .where(and(eq(terminalRecordings.tenantId, scope.tenantId), eq(terminalRecordings.id, recordingId)));
  if (!row) throw new NotFound('Terminal recording', id);
  if (scope.ownerUserId !== undefined && row.userId !== scope.ownerUserId) {
    throw new Forbidden("Watching another person's recording requires the admin role or the session_recordings.view permission", {
      requiredRole: 'admin',
      requiredPermission: 'session_recordings.view',
    });
  }
  return row;
}

/** A download, the playback page's player, or a live follow (the subscription). */
export type RecordingViewKind = 'download' | 'playback' | 'live';

export async function recordRecordingView(ctx: ServiceContext, recording: TerminalRecordingRow, how: RecordingViewKind): Promise<void> {
  await inTransaction(ctx, (tx) =>
    recordChange(tx, {
      action: 'recording.viewed',
      resource: { type: 'terminal_recording', id: recording.id },
      after: { how, ownerUserId: recording.userId, serverId: recording.serverId },
    }),
  );
}
