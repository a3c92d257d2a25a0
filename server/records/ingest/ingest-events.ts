/**
 * Ingestion of an agent's batch: up to 1,000 events of mixed kinds, all or nothing. The batch is
 * validated whole before anything is written; then, in one transaction, new records are inserted
 * kind by kind (sessions before the commands typed in them), and status reports are applied in the
 * order they were sent. Every event comes back with the record it made or found again.
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { AgentActor } from '../../auth/actor.js';
import type { Executor } from '../../db/database.js';
import { commands, fileTransfers, sudoAuthorizations, systemLogs, terminalSessions } from '../../db/tables/index.js';
import { BadInput } from '../../errors.js';
import { newId } from '../../ids.js';
import { recordChange } from '../../audit/record-change.js';
import { commandsFinished, publishEvents, recordsChanged, type DomainEvent, type RecordChange, type RecordEventKind } from '../../realtime/domain-events.js';
import { isFinished } from '../command-transitions.js';
import { inTransaction, type ServiceContext, type TransactionContext } from '../../service-context.js';
import { parseEvents, type AgentEventInput, type AgentEventKind, type ParsedEvent, type ParsedEventOf } from './agent-event.js';
import { applyCommandUpdates, endTerminalSessions } from './apply-updates.js';
import { insertRecords, type Written } from './insert-records.js';
import { fieldPath, isWithinSession, resolveReferences, type References } from './resolve-references.js';

export interface IngestedEvent {
  readonly index: number;
  readonly eventId: string;
  readonly kind: AgentEventKind;
  /** The record the event made, found again (duplicate), or updated. */
  readonly recordId: string;
  readonly isDuplicate: boolean;
}

export interface IngestOptions {
  readonly maxClockSkewSeconds: number;
}

export async function ingestEvents(
  ctx: ServiceContext & { actor: AgentActor },
  input: readonly AgentEventInput[],
  options: IngestOptions,
): Promise<IngestedEvent[]> {
  const now = ctx.clock.now();
  const events = parseEvents(input, now, options.maxClockSkewSeconds);
  const scope = { tenantId: ctx.actor.tenantId, serverId: ctx.actor.serverId, now, skewMs: options.maxClockSkewSeconds * 1000 };
  const ofKind = <Kind extends AgentEventKind>(kind: Kind) => events.filter((event): event is ParsedEventOf<Kind> => event.kind === kind);

  const results = await inTransaction(ctx, async ({ db }) => {
    const refs = await resolveReferences(db, scope, events);
    const byIndex = new Map<number, Written>();
    const collect = (kindEvents: ParsedEvent[], written: Map<string, Written>) => {
      for (const event of kindEvents) byIndex.set(event.index, written.get(event.eventId)!);
    };

    const started = ofKind('terminal_session_started');
    collect(
      started,
      await insertRecords(
        db,
        terminalSessions,
        scope,
        started.map((event) => terminalSessionRow(event, refs, scope)),
      ),
    );
    const sessions = await findTerminalSessions(db, scope, events);

    const typed = ofKind('command');
    collect(
      typed,
      await insertRecords(
        db,
        commands,
        scope,
        typed.map((event) => commandRow(event, refs, sessions, scope)),
      ),
    );
    const transfers = ofKind('file_transfer');
    collect(
      transfers,
      await insertRecords(
        db,
        fileTransfers,
        scope,
        transfers.map((event) => fileTransferRow(event, refs, scope)),
      ),
    );
    const logs = ofKind('system_log');
    collect(
      logs,
      await insertRecords(
        db,
        systemLogs,
        scope,
        logs.map((event) => systemLogRow(event, scope)),
      ),
    );
    const grants = ofKind('sudo_authorization');
    collect(
      grants,
      await insertRecords(
        db,
        sudoAuthorizations,
        scope,
        grants.map((event) => sudoRow(event, refs, scope)),
      ),
    );

    for (const [index, written] of await endTerminalSessions(db, scope, ofKind('terminal_session_ended'), sessions)) byIndex.set(index, written);
    // Commands reported finished, or finished by an update: once each (a repeated report finishes nothing).
    const finished = new Set(
      typed.filter((event) => isFinished(event.payload.status) && !byIndex.get(event.index)!.isDuplicate).map((event) => byIndex.get(event.index)!.id),
    );
    for (const [index, written] of await applyCommandUpdates(db, scope, ofKind('command_update'), finished)) byIndex.set(index, written);
    await publishEvents(db, [...changesOf(scope, events, byIndex), ...commandsFinished(scope.tenantId, scope.serverId, [...finished])], scope.now);
    await recordIngestion({ ...ctx, db }, events, byIndex);
    return byIndex;
  });

  return events.map((event) => {
    const written = results.get(event.index)!;
    return { index: event.index, eventId: event.eventId, kind: event.kind, recordId: written.id, isDuplicate: written.isDuplicate };
  });
}

const PUBLISHED_AS: Record<AgentEventKind, [RecordEventKind, RecordChange]> = {
  terminal_session_started: ['terminal_session', 'created'],
  terminal_session_ended: ['terminal_session', 'ended'],
  command: ['command', 'created'],
  command_update: ['command', 'updated'],
  file_transfer: ['file_transfer', 'created'],
  system_log: ['system_log', 'created'],
  sudo_authorization: ['sudo_authorization', 'created'],
};

/** What the batch changed, by kind, for subscribers (duplicates changed nothing). */
function changesOf(scope: Scope, events: ParsedEvent[], byIndex: Map<number, Written>): DomainEvent[] {
  const idsByKind = new Map<AgentEventKind, Set<string>>();
  for (const event of events) {
    const written = byIndex.get(event.index)!;
    if (written.isDuplicate) continue;
    const ids = idsByKind.get(event.kind) ?? new Set<string>();
    ids.add(written.id);
    idsByKind.set(event.kind, ids);
  }
  return [...idsByKind].flatMap(([kind, ids]) => recordsChanged(scope.tenantId, scope.serverId, ...PUBLISHED_AS[kind], [...ids]));
}

/** One audit entry per batch that wrote anything: what the agent changed, by kind. */
async function recordIngestion(ctx: TransactionContext, events: ParsedEvent[], byIndex: Map<number, Written>): Promise<void> {
  const written = events.filter((event) => !byIndex.get(event.index)!.isDuplicate);
  if (written.length === 0) return;
  const counts: Record<string, number> = {};
  for (const event of written) counts[event.kind] = (counts[event.kind] ?? 0) + 1;
  const agent = ctx.actor as AgentActor;
  await recordChange(ctx, {
    action: 'events.ingested',
    resource: { type: 'server', id: agent.serverId },
    after: { counts, duplicates: events.length - written.length, firstEventId: written[0]!.eventId, lastEventId: written.at(-1)!.eventId },
  });
}

interface Scope {
  readonly tenantId: string;
  readonly serverId: string;
  readonly now: Date;
  /** How far an agent's clock may be off, in milliseconds. */
  readonly skewMs: number;
}

type SessionFacts = {
  id: string;
  userId: string | null;
  source: (typeof terminalSessions.$inferSelect)['source'];
  accessSessionId: string | null;
  approvalId: string | null;
  startedAt: Date;
  endedAt: Date | null;
};

/** The terminal sessions the batch refers to (new ones included), by their eventId. */
async function findTerminalSessions(db: Executor, scope: Scope, events: ParsedEvent[]): Promise<Map<string, SessionFacts>> {
  const eventIds = new Set<string>();
  for (const event of events) {
    if (event.kind === 'terminal_session_ended') eventIds.add(event.payload.sessionEventId);
    if (event.kind === 'command' && event.payload.terminalSessionEventId) eventIds.add(event.payload.terminalSessionEventId);
  }
  if (eventIds.size === 0) return new Map();
  const rows = await db
    .select({
      eventId: terminalSessions.eventId,
      id: terminalSessions.id,
      userId: terminalSessions.userId,
      source: terminalSessions.source,
      accessSessionId: terminalSessions.accessSessionId,
      approvalId: terminalSessions.approvalId,
      startedAt: terminalSessions.startedAt,
      endedAt: terminalSessions.endedAt,
    })
    .from(terminalSessions)
    .where(and(eq(terminalSessions.tenantId, scope.tenantId), eq(terminalSessions.serverId, scope.serverId), inArray(terminalSessions.eventId, [...eventIds])));
  return new Map(rows.map(({ eventId, ...facts }) => [eventId, facts]));
}

const base = (event: ParsedEvent, scope: Scope) => ({ tenantId: scope.tenantId, id: newId(), eventId: event.eventId, serverId: scope.serverId });

function terminalSessionRow(event: ParsedEventOf<'terminal_session_started'>, refs: References, scope: Scope) {
  const payload = event.payload;
  const userId = refs.userOf(event);
  const access = refs.accessSessionOf(event, { userId, at: payload.startedAt });
  return {
    ...base(event, scope),
    userId,
    username: payload.username,
    groupname: payload.groupname ?? null,
    browser: payload.browser ?? null,
    remoteIp: payload.remoteIp ?? null,
    source: payload.source,
    accessSessionId: access?.id ?? null,
    approvalId: access?.approvalId ?? null,
    startedAt: payload.startedAt,
  };
}

/**
 * A command placed in a terminal session must be of the session's user and within its time: the
 * session's owner reads it through `terminalSession { commands }`.
 */
function assertFitsTerminalSession(event: ParsedEventOf<'command'>, session: SessionFacts, namedUserId: string | null, scope: Scope): void {
  const field = fieldPath(event, 'terminalSessionEventId');
  if (namedUserId !== null && session.userId !== null && namedUserId !== session.userId) {
    throw new BadInput(field, `${field}: the terminal session belongs to another user than the command's`);
  }
  if (!isWithinSession(event.payload.submittedAt, session.startedAt, session.endedAt, scope.skewMs))
    throw new BadInput(field, `${field}: the command was submitted outside the terminal session's time`);
}

/** A command typed in a terminal session takes its operator, source and access session from it. */
function commandRow(event: ParsedEventOf<'command'>, refs: References, sessions: Map<string, SessionFacts>, scope: Scope) {
  const payload = event.payload;
  let session: SessionFacts | undefined;
  if (payload.terminalSessionEventId) {
    session = sessions.get(payload.terminalSessionEventId);
    if (!session) {
      throw new BadInput(
        fieldPath(event, 'terminalSessionEventId'),
        `${fieldPath(event, 'terminalSessionEventId')}: no terminal session with this eventId on this server`,
      );
    }
  }
  const namedUserId = refs.userOf(event);
  if (session) assertFitsTerminalSession(event, session, namedUserId, scope);
  const operatorUserId = namedUserId ?? session?.userId ?? null;
  const access = refs.accessSessionOf(event, { userId: operatorUserId, at: payload.submittedAt });
  return {
    ...base(event, scope),
    terminalSessionId: session?.id ?? null,
    accessSessionId: access?.id ?? session?.accessSessionId ?? null,
    approvalId: access ? access.approvalId : (session?.approvalId ?? null),
    shell: payload.shell,
    source: payload.source ?? session?.source ?? null,
    line: payload.line,
    workingDirectory: payload.workingDirectory ?? null,
    result: payload.result ?? null,
    operatorUserId,
    operatorTokenId: refs.tokenOf(event),
    status: payload.status,
    exitCode: payload.exitCode ?? null,
    verification: payload.verification ?? 'pending',
    verificationMessage: payload.verificationMessage ?? null,
    submittedAt: payload.submittedAt,
    startedAt: payload.startedAt ?? null,
    finishedAt: payload.finishedAt ?? null,
    lastUpdateAt: scope.now,
  };
}

function fileTransferRow(event: ParsedEventOf<'file_transfer'>, refs: References, scope: Scope) {
  const payload = event.payload;
  const userId = refs.userOf(event);
  const access = refs.accessSessionOf(event, { userId, at: payload.occurredAt });
  return {
    ...base(event, scope),
    userId,
    username: payload.username,
    groupname: payload.groupname ?? null,
    direction: payload.direction,
    objectName: payload.objectName,
    path: payload.path,
    sizeBytes: payload.sizeBytes ?? null,
    remoteIp: payload.remoteIp ?? null,
    status: payload.status,
    error: payload.error ?? null,
    accessSessionId: access?.id ?? null,
    approvalId: access?.approvalId ?? null,
    occurredAt: payload.occurredAt,
  };
}

function systemLogRow(event: ParsedEventOf<'system_log'>, scope: Scope) {
  const { program, level, pid, message, loggedAt } = event.payload;
  return { ...base(event, scope), program, level, pid: pid ?? null, message, loggedAt };
}

function sudoRow(event: ParsedEventOf<'sudo_authorization'>, refs: References, scope: Scope) {
  const payload = event.payload;
  const userId = refs.userOf(event);
  if (!userId) throw new BadInput(fieldPath(event, 'userId'), `${fieldPath(event, 'userId')}: a sudo authorization names its user (userId or userEmail)`);
  const access = refs.accessSessionOf(event, { userId, at: payload.grantedAt });
  return {
    ...base(event, scope),
    userId,
    command: payload.command,
    isPattern: payload.isPattern ?? false,
    grantedVia: payload.grantedVia,
    policyId: refs.policyOf(event),
    approvalId: refs.approvalOf(event, userId) ?? access?.approvalId ?? null,
    grantedById: refs.userOf(event, 'grantedByUserId'),
    accessSessionId: access?.id ?? null,
    grantedAt: payload.grantedAt,
    expiresAt: payload.expiresAt ?? null,
  };
}
