/**
 * Someone watching a terminal session live, told to the session's user when the approval policy
 * that governs access to its server for them says so (`isWatchAnnounced`): an `announce`
 * directive to the session's agent, written with the watch's own audit entry.
 */
import { and, eq } from 'drizzle-orm';
import type { Actor } from '../auth/actor.js';
import { actorId } from '../auth/actor.js';
import { servers, terminalRecordings, users, type TerminalRecordingRow } from '../db/tables/index.js';
import type { TransactionContext } from '../service-context.js';
import { governingRules } from '../approvals/approval-policies.js';
import { directAnnouncement } from './issue-directives.js';

const watcherName = (actor: Actor): string => (actor.type === 'user' ? actor.email : actorId(actor));

export async function announceWatch(ctx: TransactionContext, recording: TerminalRecordingRow): Promise<void> {
  if (recording.status === 'complete') return;
  const tenantId = recording.tenantId;
  const [facts] = await ctx.db
    .select({ server: servers, groups: users.groups })
    .from(terminalRecordings)
    .innerJoin(servers, and(eq(servers.tenantId, terminalRecordings.tenantId), eq(servers.id, terminalRecordings.serverId)))
    .leftJoin(users, and(eq(users.tenantId, terminalRecordings.tenantId), eq(users.id, terminalRecordings.userId)))
    .where(and(eq(terminalRecordings.tenantId, tenantId), eq(terminalRecordings.id, recording.id)));
  if (!facts) return;
  const rules = await governingRules(ctx.db, tenantId, 'access', facts.groups ?? [], [facts.server]);
  if (!rules.isWatchAnnounced) return;
  await directAnnouncement(
    ctx,
    { id: recording.terminalSessionId, serverId: recording.serverId },
    { cause: 'recording.watched', reason: `${watcherName(ctx.actor)} is watching this session live` },
  );
}
