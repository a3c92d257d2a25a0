/**
 * One desktop recording for one reader, under the recordings' row rule (their own, or every one
 * with session_recordings.view): someone else's asked for by id is FORBIDDEN saying what would
 * allow it; an id of another tenant is not found. Watching or downloading one is audited.
 */
import { and, eq } from 'drizzle-orm';
import type { Actor } from '../auth/actor.js';
import { isRowInScope, onServer, recordScope } from '../auth/scope.js';
import { recordChange } from '../audit/record-change.js';
import type { Executor } from '../db/database.js';
import { desktopRecordings, type DesktopRecordingRow } from '../db/tables/index.js';
import { Forbidden, NotFound } from '../errors.js';
import { inTransaction, type ServiceContext } from '../service-context.js';
import { parseId } from '../validation.js';
import type { RecordingViewKind } from './recording-access.js';

export async function desktopRecordingForReader(db: Executor, actor: Actor | null, id: string): Promise<DesktopRecordingRow> {
  const scope = recordScope(actor, 'desktopRecordings');
  const recordingId = parseId('id', id);
  const [row] = await db
    .select()
    .from(desktopRecordings)
    .where(and(eq(desktopRecordings.tenantId, scope.tenantId), eq(desktopRecordings.id, recordingId)));
  if (!row) throw new NotFound('Desktop recording', id);
  if (!isRowInScope(scope, row.userId, onServer(row.serverId))) {
    throw new Forbidden("Watching another person's desktop recording requires the admin role or the session_recordings.view permission", {
      requiredRole: 'admin',
      requiredPermission: 'session_recordings.view',
    });
  }
  return row;
}

export async function recordDesktopRecordingView(ctx: ServiceContext, recording: DesktopRecordingRow, how: Exclude<RecordingViewKind, 'live'>): Promise<void> {
  await inTransaction(ctx, (tx) =>
    recordChange(tx, {
      action: 'recording.viewed',
      resource: { type: 'desktop_recording', id: recording.id },
      after: { how, ownerUserId: recording.userId, serverId: recording.serverId },
    }),
  );
}
