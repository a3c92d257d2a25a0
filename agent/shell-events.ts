/**
 * A shell's spool records as the events Vigil ingests. Event ids come from the shell's session id
 * and the command's number, so a batch sent twice (the agent crashed before saving its place) is
 * recognised by Vigil and written once. A command that began and finished within one batch is
 * one COMMAND with its outcome; one still running is reported RUNNING and finished later by a
 * COMMAND_UPDATE.
 */
import { isIP } from 'node:net';
import type { AgentEvent } from './event-delivery.js';
import type { SpoolRecord } from './spool-records.js';

/** Vigil's limits on what an agent sends (server/records/ingest/agent-event.ts). */
const MAX_LINE = 65_536;
const MAX_DIRECTORY = 4096;

export interface ShellIdentity {
  /** The shell's session id (from its spool file's name). */
  readonly session: string;
  /** The Unix user it ran as. */
  readonly username: string;
  readonly userEmail: string | undefined;
}

export const sessionEventId = (session: string) => `ts-${session}`;
const commandEventId = (session: string, seq: number) => `cmd-${session}-${seq}`;

const clip = (text: string, max: number) => (text.length > max ? text.slice(0, max) : text);

export function shellEvents(identity: ShellIdentity, records: readonly SpoolRecord[]): AgentEvent[] {
  const events: AgentEvent[] = [];
  const session = sessionEventId(identity.session);
  const begun = new Map<number, Record<string, unknown>>();
  for (const record of records) {
    switch (record.type) {
      case 'start':
        events.push({
          eventId: session,
          kind: 'TERMINAL_SESSION_STARTED',
          terminalSessionStarted: {
            userEmail: identity.userEmail ?? null,
            username: identity.username,
            source: 'SHELL_CLI',
            remoteIp: isIP(record.remoteIp) ? record.remoteIp : null,
            startedAt: record.at.toISOString(),
          },
        });
        break;
      case 'begin': {
        const command: Record<string, unknown> = {
          shell: 'SYSTEM',
          line: clip(record.line, MAX_LINE),
          workingDirectory: record.workingDirectory ? clip(record.workingDirectory, MAX_DIRECTORY) : null,
          terminalSessionEventId: session,
          status: 'RUNNING',
          submittedAt: record.at.toISOString(),
          startedAt: record.at.toISOString(),
        };
        begun.set(record.seq, command);
        events.push({ eventId: commandEventId(identity.session, record.seq), kind: 'COMMAND', command });
        break;
      }
      case 'finish': {
        const outcome = { status: record.exitStatus === 0 ? 'SUCCESS' : 'FAILED', exitCode: record.exitStatus, finishedAt: record.at.toISOString() };
        const command = begun.get(record.seq);
        if (command) Object.assign(command, outcome);
        else
          events.push({
            eventId: `${commandEventId(identity.session, record.seq)}-done`,
            kind: 'COMMAND_UPDATE',
            commandUpdate: { commandEventId: commandEventId(identity.session, record.seq), reportedAt: record.at.toISOString(), ...outcome },
          });
        break;
      }
      case 'end':
        events.push({
          eventId: `te-${identity.session}`,
          kind: 'TERMINAL_SESSION_ENDED',
          terminalSessionEnded: { sessionEventId: session, endedAt: record.at.toISOString() },
        });
        break;
    }
  }
  return events;
}
