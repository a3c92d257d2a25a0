/**
 * An admin ends someone's terminal session now: a `terminate_session` directive to its server's
 * agent, recorded as `terminal_session.terminated`. The session ends when the agent says so
 * (acknowledge-directive.ts); until then the directive waits for the agent, and asking again
 * returns the one waiting.
 */
import { and, eq, isNull } from 'drizzle-orm';
import { requireAdmin } from '../auth/scope.js';
import { recordChange } from '../audit/record-change.js';
import { agentDirectives, terminalSessions } from '../db/tables/index.js';
import { Conflict, NotFound } from '../errors.js';
import type { TransactionContext } from '../service-context.js';
import { parseInput } from '../validation.js';
import { reasonSchema } from '../approvals/request-access.js';
import type { AgentDirectiveRecord } from './directive-record.js';
import { directSessionsToEnd } from './issue-directives.js';
import { directiveRecord } from './read-directives.js';

export async function terminateTerminalSession(ctx: TransactionContext, terminalSessionId: string, reason: string): Promise<AgentDirectiveRecord> {
  const admin = requireAdmin(ctx.actor);
  const given = parseInput(reasonSchema, reason, 'reason');
  const [session] = await ctx.db
    .select()
    .from(terminalSessions)
    .where(and(eq(terminalSessions.tenantId, admin.tenantId), eq(terminalSessions.id, terminalSessionId)))
    .for('update');
  if (!session) throw new NotFound('Terminal session', terminalSessionId);
  if (session.endedAt) throw new Conflict(`This terminal session ended at ${session.endedAt.toISOString()}`, { endedAt: session.endedAt.toISOString() });
  const [issued] = await directSessionsToEnd(ctx, { terminalSessionId }, { cause: 'terminal_session.terminated', reason: given });
  if (!issued) {
    const [waiting] = await ctx.db
      .select()
      .from(agentDirectives)
      .where(
        and(
          eq(agentDirectives.tenantId, admin.tenantId),
          eq(agentDirectives.terminalSessionId, terminalSessionId),
          eq(agentDirectives.kind, 'terminate_session'),
          isNull(agentDirectives.acknowledgedAt),
        ),
      );
    return directiveRecord(waiting!, session.eventId);
  }
  await recordChange(ctx, {
    action: 'terminal_session.terminated',
    resource: { type: 'terminal_session', id: terminalSessionId, name: session.username },
    after: { directiveId: issued.id, serverId: session.serverId, userId: session.userId, reason: given },
  });
  return directiveRecord(issued, session.eventId);
}
