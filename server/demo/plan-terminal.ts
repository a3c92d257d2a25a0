/**
 * One terminal session as the agent reports it: the session opening inside an access session, each
 * command reported Running and then finished (Success or Failed, with its output), a file moved,
 * the session closing, all in one batch once the session is over; the sudo checks the agent makes
 * before each `sudo` line; and, for some sessions, the recording streamed as asciicast chunks.
 *
 * Two sessions end otherwise: `open` is still going at the end of the demo (its last command
 * Running, its recording not final), and `hang` loses its last command (reported Running, never
 * again), which the unresponsive sweeper then calls Unresponsive.
 */
import { FAILED_COMMANDS_WINDOW_MINUTES, type DemoPerson, type DemoServer } from './demo-cast.js';
import { after, MINUTE, type PlanBuilder, type PlannedEvent } from './demo-plan.js';
import { castChunks, type RecordingKind } from './plan-recording.js';
import type { DemoCommand, DemoTask } from './demo-work.js';

export interface TerminalPlan {
  /** The access request whose session this terminal session runs in. */
  readonly access: string;
  readonly person: DemoPerson;
  readonly server: DemoServer;
  readonly start: Date;
  readonly task: DemoTask;
  /** Whether `sudo` lines run (the session holds a grant for them); without, they are left out. */
  readonly withSudo: boolean;
  /** The session must be over (or, when `open`, reported) by then. */
  readonly notAfter: Date;
  readonly version?: string;
  readonly recording?: RecordingKind;
  readonly ending?: 'ended' | 'open' | 'hang';
  /** A marker in the recording, at the command with this index. */
  readonly marker?: { readonly atCommand: number; readonly label: string };
}

export interface TimedCommand {
  readonly line: string;
  readonly output: string;
  readonly exitCode: number;
  readonly submittedAt: Date;
  readonly startedAt: Date;
  /** Null for a command still running (or lost) at the end. */
  readonly finishedAt: Date | null;
  /** The command the agent checks with Vigil before running it through sudo. */
  readonly sudoCommand?: string;
}

const SOURCES = [
  { source: 'web_terminal', weight: 6 },
  { source: 'shell_cli', weight: 3 },
  { source: 'vscode', weight: 1 },
] as const;

/** What an `open` session is running as the demo ends: following the service's journal. */
const FOLLOW: DemoCommand = { line: 'journalctl -u checkout -f -n 20', output: '' };

export function fill(text: string, values: { host: string; user: string; at: Date; version?: string }): string {
  const iso = values.at.toISOString();
  return text
    .replaceAll('{host}', values.host)
    .replaceAll('{user}', values.user)
    .replaceAll('{date}', iso.slice(0, 10))
    .replaceAll('{time}', iso.slice(11, 19))
    .replaceAll('{version}', values.version ?? '1.42.0');
}

/** Plans the session; returns when it was over (for `open`, when it was last reported). */
export function planTerminalSession(plan: PlanBuilder, session: TerminalPlan): Date {
  const { random } = plan;
  const ending = session.ending ?? 'ended';
  const commands = timeCommands(plan, session, ending);
  const last = commands.at(-1)!;
  const sessionEventId = plan.nextId('ts');
  const roll = random.int(1, 10);
  const source = roll <= SOURCES[0].weight ? SOURCES[0].source : roll <= SOURCES[0].weight + SOURCES[1].weight ? SOURCES[1].source : SOURCES[2].source;
  const browser = source === 'web_terminal' ? session.person.browser : source === 'vscode' ? 'VS Code 1.98' : null;
  const flushAt =
    ending === 'open'
      ? session.notAfter
      : ending === 'hang'
        ? after(last.startedAt, random.int(3, 9) * 1000)
        : after(last.finishedAt!, random.int(20, 90) * 1000);
  if (flushAt > session.notAfter)
    throw new Error(`The demo's terminal session on ${session.server.name} at ${session.start.toISOString()} runs past ${session.notAfter.toISOString()}`);

  const events: PlannedEvent[] = [
    {
      access: session.access,
      event: {
        eventId: sessionEventId,
        kind: 'terminal_session_started',
        terminalSessionStarted: {
          userEmail: session.person.email,
          username: session.person.unix,
          groupname: session.person.unixGroup,
          source,
          browser,
          remoteIp: session.person.ip,
          startedAt: session.start,
        },
      },
    },
  ];
  // A command left unfinished is Running at the end, or, lost by the agent, Unresponsive once the
  // sweeper has seen it silent for VIGIL_UNRESPONSIVE_AFTER (a setting of days may reach past the end).
  const sweptAt = after(flushAt, (plan.unresponsiveAfterSeconds + 30) * 1000);
  const unfinished = ending === 'hang' && sweptAt <= plan.until ? 'unresponsive' : 'running';
  for (const command of commands) events.push(...commandEvents(plan, sessionEventId, command, unfinished));
  if (session.task.transfer) events.push(transferEvent(plan, session, commands));
  if (ending === 'ended')
    events.push({ event: { eventId: `${sessionEventId}-end`, kind: 'terminal_session_ended', terminalSessionEnded: { sessionEventId, endedAt: flushAt } } });

  for (const command of commands) {
    if (command.sudoCommand)
      plan.add({ at: command.submittedAt, kind: 'check_sudo', server: session.server.name, user: session.person.key, command: command.sudoCommand });
  }
  plan.add({ at: flushAt, kind: 'report', server: session.server.name, events });
  if (session.recording) {
    plan.add({
      at: after(flushAt, 2000),
      kind: 'record',
      server: session.server.name,
      session: sessionEventId,
      chunks: castChunks(plan, session, commands, session.recording),
    });
    plan.expected.recordings += 1;
  }
  if (commands.some((command) => command.finishedAt && command.exitCode !== 0)) evaluateAfterFailures(plan, flushAt);
  plan.expected.terminalSessions += 1;

  if (ending !== 'hang') return flushAt;
  // The agent lost the command; when it is back, it reports the session's end (and never the command).
  if (unfinished === 'unresponsive') plan.add({ at: sweptAt, kind: 'sweep_unresponsive' });
  const endedAt = after(flushAt, random.int(25, 40) * MINUTE);
  plan.add({
    at: after(endedAt, 5000),
    kind: 'report',
    server: session.server.name,
    events: [{ event: { eventId: `${sessionEventId}-end`, kind: 'terminal_session_ended', terminalSessionEnded: { sessionEventId, endedAt } } }],
  });
  return after(endedAt, 5000);
}

/**
 * Alert rules are evaluated every 30 seconds on a running Vigil; in the demo, after each report
 * with failures: once right after (a burst fires), and once the window has passed (it clears).
 */
export function evaluateAfterFailures(plan: PlanBuilder, reportedAt: Date): void {
  plan.add({ at: after(reportedAt, 30_000), kind: 'evaluate_alerts' });
  const cleared = after(reportedAt, (FAILED_COMMANDS_WINDOW_MINUTES + 1) * MINUTE);
  if (cleared <= plan.until) plan.add({ at: cleared, kind: 'evaluate_alerts' });
}

function timeCommands(plan: PlanBuilder, session: TerminalPlan, ending: 'ended' | 'open' | 'hang'): TimedCommand[] {
  const { random } = plan;
  const planned = session.task.commands.filter((command) => session.withSudo || !command.sudo);
  if (ending === 'open') planned.push(FOLLOW);
  const timed: TimedCommand[] = [];
  let at = after(session.start, random.int(6, 40) * 1000);
  for (const [index, command] of planned.entries()) {
    const isLast = index === planned.length - 1;
    const isRunningAtEnd = isLast && ending !== 'ended';
    const values = { host: session.server.name, user: session.person.unix, at, version: session.version };
    const line = fill(command.line, values);
    const startedAt = after(at, random.int(150, 900));
    const finishedAt = isRunningAtEnd ? null : after(startedAt, Math.round((command.seconds ?? 1) * 1000 * (0.8 + random.next() * 0.4)));
    timed.push({
      line: command.sudo ? `sudo ${line}` : line,
      output: fill(command.output, values),
      exitCode: command.exitCode ?? 0,
      submittedAt: at,
      startedAt,
      finishedAt,
      ...(command.sudo ? { sudoCommand: line } : {}),
    });
    at = after(finishedAt ?? startedAt, random.int(8, 70) * 1000);
  }
  if (ending === 'open') {
    // The follow command starts shortly before the session is last reported.
    const follow = timed.pop()!;
    const submittedAt = after(session.notAfter, -random.int(90, 180) * 1000);
    if (timed.length > 0 && submittedAt <= timed.at(-1)!.finishedAt!)
      throw new Error(`The demo's open session on ${session.server.name} has no time left for its last command`);
    timed.push({ ...follow, submittedAt, startedAt: after(submittedAt, 300) });
  }
  return timed;
}

function commandEvents(plan: PlanBuilder, sessionEventId: string, command: TimedCommand, unfinished: 'running' | 'unresponsive'): PlannedEvent[] {
  const eventId = plan.nextId('c');
  const events: PlannedEvent[] = [
    {
      event: {
        eventId,
        kind: 'command',
        command: {
          shell: 'system',
          line: command.line,
          terminalSessionEventId: sessionEventId,
          status: 'running',
          submittedAt: command.submittedAt,
          startedAt: command.startedAt,
        },
      },
    },
  ];
  if (!command.finishedAt) {
    plan.expected.commands[unfinished] += 1;
    return events;
  }
  const status = command.exitCode === 0 ? 'success' : 'failed';
  plan.expected.commands[status] += 1;
  events.push({
    event: {
      eventId: `${eventId}-exit`,
      kind: 'command_update',
      commandUpdate: {
        commandEventId: eventId,
        status,
        exitCode: command.exitCode,
        result: command.output || null,
        finishedAt: command.finishedAt,
        reportedAt: command.finishedAt,
      },
    },
  });
  return events;
}

function transferEvent(plan: PlanBuilder, session: TerminalPlan, commands: TimedCommand[]): PlannedEvent {
  const transfer = session.task.transfer!;
  const anchor = commands[Math.min(1, commands.length - 1)]!;
  const occurredAt = after(anchor.finishedAt ?? anchor.startedAt, 3000);
  const path = fill(transfer.path, { host: session.server.name, user: session.person.unix, at: occurredAt, version: session.version });
  plan.expected.fileTransfers += 1;
  return {
    access: session.access,
    event: {
      eventId: plan.nextId('ft'),
      kind: 'file_transfer',
      fileTransfer: {
        userEmail: session.person.email,
        username: session.person.unix,
        groupname: session.person.unixGroup,
        direction: transfer.direction,
        objectName: path.split('/').at(-1)!,
        path,
        sizeBytes: transfer.sizeBytes,
        remoteIp: session.person.ip,
        status: transfer.error ? 'failed' : 'success',
        error: transfer.error ?? null,
        occurredAt,
      },
    },
  };
}
