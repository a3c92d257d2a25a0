/**
 * The events agents report, as Vigil validates them. One batch mixes kinds; each event names its
 * kind and carries that kind's payload, and its `eventId` (unique per server) makes re-sending it
 * harmless. Validation names the failing event by index and field: `events.12.command.line`.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { COMMAND_SHELLS, COMMAND_STATUSES, VERIFICATION_OUTCOMES } from '../../db/tables/commands.js';
import { TRANSFER_DIRECTIONS, TRANSFER_STATUSES } from '../../db/tables/file-transfers.js';
import { SUDO_GRANT_SOURCES } from '../../db/tables/sudo-authorizations.js';
import { LOG_LEVELS } from '../../db/tables/system-logs.js';
import { SESSION_SOURCES } from '../../db/tables/terminal-sessions.js';
import { BadInput } from '../../errors.js';
import { isUuid } from '../../ids.js';

export const MAX_EVENTS_PER_BATCH = 1000;

export const AGENT_EVENT_KINDS = [
  'terminal_session_started',
  'terminal_session_ended',
  'command',
  'command_update',
  'file_transfer',
  'system_log',
  'sudo_authorization',
] as const;
export type AgentEventKind = (typeof AGENT_EVENT_KINDS)[number];

/** Where each kind's payload sits in an event. */
export const PAYLOAD_FIELD = {
  terminal_session_started: 'terminalSessionStarted',
  terminal_session_ended: 'terminalSessionEnded',
  command: 'command',
  command_update: 'commandUpdate',
  file_transfer: 'fileTransfer',
  system_log: 'systemLog',
  sudo_authorization: 'sudoAuthorization',
} as const satisfies Record<AgentEventKind, string>;

const text = (max: number) => z.string().max(max, `must be at most ${max} characters`);
const requiredText = (max: number) => text(max).refine((value) => value.trim() !== '', 'must not be empty');
const id = z.string().refine(isUuid, 'is not a valid id');
const eventId = z.string().regex(/^[\x21-\x7e]{1,128}$/, 'must be 1-128 printable ASCII characters without spaces');
const ipAddress = z.string().refine((value) => isIP(value) !== 0, 'is not an IPv4 or IPv6 address');
const time = z.date();

/** Who an event is about: a Vigil user by id or by email (the agent may know either). */
const person = {
  userId: id.nullish(),
  userEmail: z.string().trim().toLowerCase().max(320).nullish(),
};

const payloads = {
  terminalSessionStarted: z.object({
    ...person,
    username: requiredText(256),
    groupname: text(256).nullish(),
    browser: text(512).nullish(),
    remoteIp: ipAddress.nullish(),
    source: z.enum(SESSION_SOURCES),
    startedAt: time,
    accessSessionId: id.nullish(),
  }),
  terminalSessionEnded: z.object({
    sessionEventId: eventId,
    endedAt: time,
  }),
  command: z.object({
    ...person,
    shell: z.enum(COMMAND_SHELLS),
    line: requiredText(65_536),
    workingDirectory: text(4096).nullish(),
    source: z.enum(SESSION_SOURCES).nullish(),
    terminalSessionEventId: eventId.nullish(),
    operatorTokenId: id.nullish(),
    status: z.enum(COMMAND_STATUSES).default('scheduled'),
    submittedAt: time,
    startedAt: time.nullish(),
    finishedAt: time.nullish(),
    exitCode: z.number().int().nullish(),
    result: text(1_048_576).nullish(),
    verification: z.enum(VERIFICATION_OUTCOMES).nullish(),
    verificationMessage: text(4096).nullish(),
    accessSessionId: id.nullish(),
  }),
  commandUpdate: z.object({
    commandEventId: eventId,
    status: z.enum(COMMAND_STATUSES),
    reportedAt: time,
    startedAt: time.nullish(),
    finishedAt: time.nullish(),
    exitCode: z.number().int().nullish(),
    result: text(1_048_576).nullish(),
    verification: z.enum(VERIFICATION_OUTCOMES).nullish(),
    verificationMessage: text(4096).nullish(),
  }),
  fileTransfer: z.object({
    ...person,
    username: requiredText(256),
    groupname: text(256).nullish(),
    direction: z.enum(TRANSFER_DIRECTIONS),
    objectName: requiredText(4096),
    path: requiredText(4096),
    sizeBytes: z.number().int('must be a whole number').min(0).max(Number.MAX_SAFE_INTEGER).nullish(),
    remoteIp: ipAddress.nullish(),
    status: z.enum(TRANSFER_STATUSES),
    error: text(4096).nullish(),
    occurredAt: time,
    accessSessionId: id.nullish(),
  }),
  systemLog: z.object({
    program: requiredText(256),
    level: z.enum(LOG_LEVELS),
    pid: z.number().int().min(0).nullish(),
    message: requiredText(65_536),
    loggedAt: time,
  }),
  sudoAuthorization: z.object({
    ...person,
    command: requiredText(4096),
    isPattern: z.boolean().nullish(),
    grantedVia: z.enum(SUDO_GRANT_SOURCES),
    policyId: id.nullish(),
    approvalId: id.nullish(),
    grantedByUserId: id.nullish(),
    grantedAt: time,
    expiresAt: time.nullish(),
    accessSessionId: id.nullish(),
  }),
};

type Payloads = { [Field in keyof typeof payloads]: z.output<(typeof payloads)[Field]> };

export type ParsedEvent = {
  [Kind in AgentEventKind]: { index: number; eventId: string; kind: Kind; payload: Payloads[(typeof PAYLOAD_FIELD)[Kind]] };
}[AgentEventKind];

export type ParsedEventOf<Kind extends AgentEventKind> = Extract<ParsedEvent, { kind: Kind }>;

/** An event as it arrives (GraphQL input objects have the same shape). */
export type AgentEventInput = { eventId: string; kind: AgentEventKind } & { [Field in keyof typeof payloads]?: unknown };

/** Timestamp fields of each payload, checked against the clock. */
const TIME_FIELDS = ['startedAt', 'endedAt', 'submittedAt', 'finishedAt', 'reportedAt', 'occurredAt', 'loggedAt', 'grantedAt'] as const;

export function parseEvents(events: readonly AgentEventInput[], now: Date, maxSkewSeconds: number): ParsedEvent[] {
  if (events.length === 0) throw new BadInput('events', 'events must hold at least one event');
  if (events.length > MAX_EVENTS_PER_BATCH) {
    throw new BadInput('events', `A batch holds at most ${MAX_EVENTS_PER_BATCH} events; this one has ${events.length}`);
  }
  const latest = now.getTime() + maxSkewSeconds * 1000;
  const seen = new Map<string, number>();
  return events.map((event, index) => {
    const at = `events.${index}`;
    const parsedId = eventId.safeParse(event.eventId);
    if (!parsedId.success) throw new BadInput(`${at}.eventId`, `${at}.eventId ${parsedId.error.issues[0]!.message}`);
    const kindKey = `${PAYLOAD_FIELD[event.kind] === 'commandUpdate' ? 'update' : 'record'}:${event.eventId}`;
    const earlier = seen.get(kindKey);
    if (earlier !== undefined) throw new BadInput(`${at}.eventId`, `${at}.eventId repeats the eventId of events.${earlier}`);
    seen.set(kindKey, index);

    const field = PAYLOAD_FIELD[event.kind];
    for (const other of Object.values(PAYLOAD_FIELD)) {
      if (other !== field && event[other] != null) {
        throw new BadInput(`${at}.${other}`, `${at}: a ${event.kind.toUpperCase()} event carries only its ${field} payload`);
      }
    }
    if (event[field] == null) throw new BadInput(`${at}.${field}`, `${at}: a ${event.kind.toUpperCase()} event needs its ${field} payload`);
    const parsed = payloads[field].safeParse(event[field]);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const path = [at, field, ...issue.path.map(String)].join('.');
      throw new BadInput(path, `${path} ${issue.message}`);
    }
    const payload = parsed.data as Record<string, unknown>;
    for (const name of TIME_FIELDS) {
      const value = payload[name];
      if (value instanceof Date && value.getTime() > latest) {
        throw new BadInput(`${at}.${field}.${name}`, `${at}.${field}.${name} lies more than ${maxSkewSeconds} s in the future`);
      }
    }
    if ('userId' in payload && payload.userId && payload.userEmail) {
      throw new BadInput(`${at}.${field}.userEmail`, `${at}.${field}: give userId or userEmail, not both`);
    }
    return { index, eventId: event.eventId, kind: event.kind, payload } as ParsedEvent;
  });
}
