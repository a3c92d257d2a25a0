/**
 * Status reports on records that exist: terminal sessions ending, and commands changing status.
 * Rows are locked (FOR UPDATE) before their state is read, so concurrent batches about the same
 * command apply one after the other, and each valid transition lands exactly once.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.js';
import { commandStatusChanges, commands, terminalSessions, type CommandRow, type CommandStatus } from '../../db/tables/index.js';
import { BadInput } from '../../errors.js';
import { newId } from '../../ids.js';
import { canMoveCommand, isFinished } from '../command-transitions.js';
import type { ParsedEventOf } from './agent-event.js';
import { fieldPath } from './resolve-references.js';
import type { Written } from './insert-records.js';

interface Scope {
  readonly tenantId: string;
  readonly serverId: string;
  readonly now: Date;
}

export async function endTerminalSessions(
  db: Executor,
  scope: Scope,
  events: ParsedEventOf<'terminal_session_ended'>[],
  sessions: ReadonlyMap<string, { id: string; startedAt: Date; endedAt: Date | null }>,
): Promise<Map<number, Written>> {
  const written = new Map<number, Written>();
  const endings = new Map<string, Date>();
  for (const event of events) {
    const session = sessions.get(event.payload.sessionEventId);
    if (!session)
      throw new BadInput(fieldPath(event, 'sessionEventId'), `${fieldPath(event, 'sessionEventId')}: no terminal session with this eventId on this server`);
    if (event.payload.endedAt < session.startedAt)
      throw new BadInput(fieldPath(event, 'endedAt'), `${fieldPath(event, 'endedAt')} is before the session started`);
    const isDuplicate = session.endedAt !== null || endings.has(session.id);
    if (!isDuplicate) endings.set(session.id, event.payload.endedAt);
    written.set(event.index, { id: session.id, isDuplicate });
  }
  if (endings.size > 0) {
    const values = sql.join(
      [...endings].map(([id, endedAt]) => sql`(${id}::uuid, ${endedAt.toISOString()}::timestamptz)`),
      sql`, `,
    );
    await db.execute(sql`
      update ${terminalSessions} set ended_at = v.ended_at
      from (values ${values}) as v(id, ended_at)
      where ${terminalSessions.tenantId} = ${scope.tenantId} and ${terminalSessions.id} = v.id and ${terminalSessions.endedAt} is null`);
  }
  return written;
}

type CommandState = Pick<CommandRow, 'id' | 'status' | 'startedAt' | 'finishedAt' | 'exitCode' | 'result' | 'verification' | 'verificationMessage'>;

/** Applies status reports; the ids of commands they finished (SUCCESS or FAILED from another status) are added to `finished`. */
export async function applyCommandUpdates(
  db: Executor,
  scope: Scope,
  events: ParsedEventOf<'command_update'>[],
  finished: Set<string>,
): Promise<Map<number, Written>> {
  const written = new Map<number, Written>();
  if (events.length === 0) return written;
  const commandEventIds = [...new Set(events.map((event) => event.payload.commandEventId))];
  const locked = await db
    .select()
    .from(commands)
    .where(and(eq(commands.tenantId, scope.tenantId), eq(commands.serverId, scope.serverId), inArray(commands.eventId, commandEventIds)))
    .orderBy(commands.id)
    .for('update');
  const states = new Map<string, CommandState>(locked.map((row) => [row.eventId, row]));
  const applied = new Set(
    (
      await db
        .select({ eventId: commandStatusChanges.eventId })
        .from(commandStatusChanges)
        .where(
          and(
            eq(commandStatusChanges.tenantId, scope.tenantId),
            eq(commandStatusChanges.serverId, scope.serverId),
            inArray(
              commandStatusChanges.eventId,
              events.map((event) => event.eventId),
            ),
          ),
        )
    ).map((row) => row.eventId),
  );

  const changes: (typeof commandStatusChanges.$inferInsert)[] = [];
  const changed = new Set<string>();
  for (const event of events) {
    const update = event.payload;
    const state = states.get(update.commandEventId);
    if (!state) throw new BadInput(fieldPath(event, 'commandEventId'), `${fieldPath(event, 'commandEventId')}: no command with this eventId on this server`);
    if (applied.has(event.eventId)) {
      written.set(event.index, { id: state.id, isDuplicate: true });
      continue;
    }
    if (!canMoveCommand(state.status, update.status)) {
      throw new BadInput(
        fieldPath(event, 'status'),
        `${fieldPath(event, 'status')}: a ${state.status.toUpperCase()} command cannot become ${update.status.toUpperCase()}`,
      );
    }
    changes.push({
      tenantId: scope.tenantId,
      id: newId(),
      eventId: event.eventId,
      serverId: scope.serverId,
      commandId: state.id,
      fromStatus: state.status,
      toStatus: update.status,
      reportedAt: update.reportedAt,
    });
    if (!isFinished(state.status) && isFinished(update.status)) finished.add(state.id);
    states.set(update.commandEventId, nextState(state, update.status, update));
    changed.add(update.commandEventId);
    written.set(event.index, { id: state.id, isDuplicate: false });
  }
  if (changes.length > 0) await db.insert(commandStatusChanges).values(changes);
  if (changed.size > 0)
    await writeCommandStates(
      db,
      scope,
      [...changed].map((eventId) => states.get(eventId)!),
    );
  return written;
}

function nextState(state: CommandState, status: CommandStatus, update: ParsedEventOf<'command_update'>['payload']): CommandState {
  return {
    id: state.id,
    status,
    startedAt: update.startedAt ?? state.startedAt ?? (status === 'running' ? update.reportedAt : null),
    finishedAt: update.finishedAt ?? state.finishedAt ?? (isFinished(status) ? update.reportedAt : null),
    exitCode: update.exitCode ?? state.exitCode,
    result: update.result ?? state.result,
    verification: update.verification ?? state.verification,
    verificationMessage: update.verificationMessage ?? state.verificationMessage,
  };
}

async function writeCommandStates(db: Executor, scope: Scope, states: CommandState[]): Promise<void> {
  const iso = (value: Date | null) => (value ? value.toISOString() : null);
  const values = sql.join(
    states.map(
      (state) =>
        sql`(${state.id}::uuid, ${state.status}, ${iso(state.startedAt)}::timestamptz, ${iso(state.finishedAt)}::timestamptz, ${state.exitCode}::integer, ${state.result}::text, ${state.verification}, ${state.verificationMessage}::text)`,
    ),
    sql`, `,
  );
  await db.execute(sql`
    update ${commands} set
      status = v.status, started_at = v.started_at, finished_at = v.finished_at, exit_code = v.exit_code,
      result = v.result, verification = v.verification, verification_message = v.verification_message,
      last_update_at = ${scope.now.toISOString()}::timestamptz
    from (values ${values}) as v(id, status, started_at, finished_at, exit_code, result, verification, verification_message)
    where ${commands.tenantId} = ${scope.tenantId} and ${commands.id} = v.id`);
}
