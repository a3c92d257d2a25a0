/**
 * One recording for one reader. Recordings follow the terminal-session row rule (their own, or
 * every one with session_recordings.view); asking for someone else's recording by id is refused
 * as FORBIDDEN, saying what would allow it, while an id of another tenant is simply not found.
 * Watching or downloading a recording is itself audited: who watched whose session.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Actor, UserActor } from '../auth/actor.js';
import { isRowInScope, onServer, recordScope } from '../auth/scope.js';
import { recordChange } from '../audit/record-change.js';
import { queryRows, type Executor } from '../db/database.js';
import { announceWatch } from '../directives/announce-watch.js';
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
  if (!isRowInScope(scope, row.userId, onServer(row.serverId))) {
    throw new Forbidden("Watching another person's recording requires the admin role or the session_recordings.view permission", {
      requiredRole: 'admin',
      requiredPermission: 'session_recordings.view',
    });
  }
  return row;
}

/**
 * A recording followed live (the subscription): as recordingForReader, and also, while it is still
 * being recorded, for a person who approved the access session its terminal session runs under
 * when the policy that governed that approval lets approvers watch (`watch_by_approvers`);
 * `isApproverWatching` says it was let in that way, not by the row rule.
 */
export async function recordingForLiveWatcher(
  db: Executor,
  actor: Actor | null,
  id: string,
): Promise<{ recording: TerminalRecordingRow; isApproverWatching: boolean }> {
  try {
    return { recording: await recordingForReader(db, actor, id), isApproverWatching: false };
  } catch (error) {
    if (!(error instanceof Forbidden) || actor?.type !== 'user') throw error;
    if (!(await isApproverWatchAllowed(db, actor, id, { isWhileRecording: true }))) throw error;
    const [row] = await db
      .select()
      .from(terminalRecordings)
      .where(and(eq(terminalRecordings.tenantId, actor.tenantId), eq(terminalRecordings.id, parseId('id', id))));
    return { recording: row!, isApproverWatching: true };
  }
}

/**
 * Whether `actor` approved the access session the recording's terminal session runs under, under a
 * policy that (still) lets approvers watch. `isWhileRecording`: only while the recording runs (to
 * start watching); a follow already open re-checks without it, so its final chunk still arrives.
 */
export async function isApproverWatchAllowed(db: Executor, actor: UserActor, id: string, options: { isWhileRecording: boolean }): Promise<boolean> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`select r.id from terminal_recordings r
        join terminal_sessions s on s.tenant_id = r.tenant_id and s.id = r.terminal_session_id
        join access_sessions a on a.tenant_id = s.tenant_id and a.id = s.access_session_id
        join approvals ap on ap.tenant_id = a.tenant_id and ap.id = a.approval_id
        join approval_policies p on p.tenant_id = ap.tenant_id and p.id = ap.policy_id
        join approval_decisions d on d.tenant_id = ap.tenant_id and d.approval_id = ap.id
        where r.tenant_id = ${actor.tenantId} and r.id = ${parseId('id', id)}${options.isWhileRecording ? sql` and r.status <> 'complete'` : sql``}
          and p.watch_by_approvers and d.approver_id = ${actor.userId} and d.decision = 'approved'
        limit 1`,
  );
  return rows.length > 0;
}

/** A download, the playback page's player, or a live follow (the subscription). */
export type RecordingViewKind = 'download' | 'playback' | 'live';

/** The view, audited; a live watch is also announced to the session's user where the policy says so (announce-watch.ts). */
export async function recordRecordingView(ctx: ServiceContext, recording: TerminalRecordingRow, how: RecordingViewKind): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    if (how === 'live') await announceWatch(tx, recording);
    await recordChange(tx, {
      action: 'recording.viewed',
      resource: { type: 'terminal_recording', id: recording.id },
      after: { how, ownerUserId: recording.userId, serverId: recording.serverId },
    });
  });
}
