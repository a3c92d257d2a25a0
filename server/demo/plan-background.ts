/**
 * What goes on without anyone asking for access: each server's agent forwarding its system logs
 * and its own housekeeping (INTERNAL commands) in a batch at the end of each day; the deploy
 * pipeline running commands through the platform's API with Jonas's CI token; commands queued for
 * the weekend's maintenance window; and the console's sign-in bridge reporting, once a day, who
 * signed in (and failed to).
 */
import type { ReportedActivity } from '../activity/report-activity.js';
import { DEMO_DOMAIN, ENGINEERS, PEOPLE, personOf, RULE, SERVERS, type DemoServer, type PersonKey } from './demo-cast.js';
import { logLinesFor } from './demo-logs.js';
import { after, MINUTE, type DemoStep, type PlanBuilder, type PlannedEvent } from './demo-plan.js';
import { INTERNAL, INTERNAL_FAILURE, pipelineDeploy, type DemoCommand } from './demo-work.js';

const DAY = 24 * 60 * MINUTE;
/** A day the demo always covers whole, whenever it is seeded. */
const FULL_DAY = 2;

/** The demo's days: 0 to 6 are the full days before today, 7 is today up to the end. */
export interface DemoCalendar {
  readonly from: Date;
  readonly until: Date;
  dayStart(day: number): Date;
  /** `hhmm` (UTC) on `day`, plus up to `jitterMinutes` and a few seconds. */
  at(day: number, hhmm: string, jitterMinutes?: number): Date;
}

/** The part of `day` in which things may be reported: after the setup, before the end. */
function windowOf(calendar: DemoCalendar, day: number): { start: Date; end: Date } {
  const start = new Date(Math.max(calendar.dayStart(day).getTime(), after(calendar.from, 10 * MINUTE).getTime()));
  const end = new Date(Math.min(calendar.dayStart(day + 1).getTime() - MINUTE, calendar.until.getTime() - 2 * MINUTE));
  return { start, end };
}

const HOUSEKEEPING: readonly [string, DemoCommand][] = [
  ['03:10', INTERNAL[1]!],
  ['06:25', INTERNAL[0]!],
  ['12:00', INTERNAL[2]!],
];

/** A day's system logs and housekeeping of every server, each server's in one batch. */
export function planServerDays(plan: PlanBuilder, calendar: DemoCalendar): void {
  const { random } = plan;
  for (const server of SERVERS) {
    const lines = logLinesFor(server.role);
    const totalWeight = lines.reduce((sum, line) => sum + line.weight, 0);
    // One line of every level the server writes, early on a full day: the rare ones (an OOM kill,
    // a degraded array) are in the week whatever the dice and the time of day say.
    const oneOfEachLevel = lines.filter((line, index) => lines.findIndex((other) => other.level === line.level) === index);
    for (let day = 0; day <= 7; day += 1) {
      const { start, end } = windowOf(calendar, day);
      if (end <= start) continue;
      const span = end.getTime() - start.getTime();
      const times = Array.from(
        { length: Math.round(random.int(9, 15) * (span / DAY)) },
        () => new Date(start.getTime() + Math.floor(random.next() * span)),
      ).sort((a, b) => a.getTime() - b.getTime());
      const events: PlannedEvent[] = times.map((loggedAt, index) => {
        let pick = random.next() * totalWeight;
        const line = (day === FULL_DAY ? oneOfEachLevel[index] : undefined) ?? lines.find((candidate) => (pick -= candidate.weight) < 0) ?? lines[0]!;
        const message = line.message
          .replaceAll('{user}', personOf(random.pick(server.team === 'db' ? ENGINEERS.db : ENGINEERS.web)).unix)
          .replaceAll('{peer}', random.pick(PEOPLE).ip)
          .replaceAll('{n}', String(random.int(20, 900)));
        return {
          event: {
            eventId: plan.nextId('log'),
            kind: 'system_log',
            systemLog: { program: line.program, level: line.level, pid: random.int(300, 99_000), message, loggedAt },
          },
        };
      });
      plan.expected.systemLogs += events.length;
      for (const [hhmm, command] of HOUSEKEEPING) {
        const submittedAt = calendar.at(day, hhmm, 4);
        if (submittedAt < start || submittedAt > end) continue;
        const isFailure = day === 5 && server.name === 'web-staging-01' && command === INTERNAL[0];
        events.push(internalCommand(plan, isFailure ? INTERNAL_FAILURE : command, submittedAt));
      }
      if (events.length > 0) plan.add({ at: after(end, 30_000), kind: 'report', server: server.name, events });
    }
  }
}

function internalCommand(plan: PlanBuilder, command: DemoCommand, submittedAt: Date): PlannedEvent {
  const startedAt = after(submittedAt, plan.random.int(100, 900));
  const exitCode = command.exitCode ?? 0;
  plan.expected.commands[exitCode === 0 ? 'success' : 'failed'] += 1;
  return {
    event: {
      eventId: plan.nextId('int'),
      kind: 'command',
      command: {
        shell: 'internal',
        line: command.line,
        status: exitCode === 0 ? 'success' : 'failed',
        submittedAt,
        startedAt,
        finishedAt: after(startedAt, (command.seconds ?? 2) * 1000),
        exitCode,
        result: command.output || null,
      },
    },
  };
}

/** A command sent through the platform's API with the CI token: queued, picked up, finished. */
function pipelineCommand(plan: PlanBuilder, command: DemoCommand, submittedAt: Date): { events: PlannedEvent[]; finishedAt: Date } {
  const eventId = plan.nextId('api');
  const startedAt = after(submittedAt, plan.random.int(3, 40) * 1000);
  const finishedAt = after(startedAt, (command.seconds ?? 1) * 1000);
  plan.expected.commands.success += 1;
  const events: PlannedEvent[] = [
    {
      operatorToken: 'ci',
      event: {
        eventId,
        kind: 'command',
        command: { shell: 'system', line: command.line, source: 'api', userEmail: personOf('jonas').email, status: 'scheduled', submittedAt },
      },
    },
    {
      event: {
        eventId: `${eventId}-run`,
        kind: 'command_update',
        commandUpdate: { commandEventId: eventId, status: 'running', startedAt, reportedAt: startedAt },
      },
    },
    {
      event: {
        eventId: `${eventId}-exit`,
        kind: 'command_update',
        commandUpdate: { commandEventId: eventId, status: 'success', exitCode: 0, result: command.output || null, finishedAt, reportedAt: finishedAt },
      },
    },
  ];
  return { events, finishedAt };
}

/** A release the pipeline rolls out on the cluster; returns when it was reported done. */
export function planDeploy(plan: PlanBuilder, service: string, version: string, at: Date): Date {
  const events: PlannedEvent[] = [];
  let next = at;
  for (const command of pipelineDeploy(service, version)) {
    const ran = pipelineCommand(plan, command, next);
    events.push(...ran.events);
    next = after(ran.finishedAt, 2000);
  }
  plan.add({ at: after(next, 3000), kind: 'report', server: 'k8s-prod-ctl-01', events });
  return after(next, 3000);
}

/** One or two releases on each full day. */
export function planPipelineDeploys(plan: PlanBuilder, calendar: DemoCalendar): void {
  const { random } = plan;
  for (let day = 0; day < 7; day += 1) {
    for (let count = random.int(1, 2); count > 0; count -= 1) {
      planDeploy(
        plan,
        random.pick(['payments', 'search', 'worker', 'recommendations']),
        `1.${random.int(10, 29)}.${random.int(0, 9)}`,
        calendar.at(day, `${random.int(10, 16)}:00`, 50),
      );
    }
  }
}

/** Commands queued for the weekend's maintenance window: Scheduled at the end of the demo. */
export function planQueuedCommands(plan: PlanBuilder, calendar: DemoCalendar): void {
  const queued: [DemoServer['name'], string, number][] = [
    ['web-staging-01', 'apt-get upgrade -y', 25],
    ['web-prod-02', 'unattended-upgrade -v', 8],
  ];
  for (const [server, line, minutesAgo] of queued) {
    const submittedAt = after(calendar.until, -minutesAgo * MINUTE);
    plan.expected.commands.scheduled += 1;
    plan.add({
      at: after(submittedAt, 20_000),
      kind: 'report',
      server,
      events: [
        {
          operatorToken: 'ci',
          event: {
            eventId: plan.nextId('api'),
            kind: 'command',
            command: { shell: 'system', line, source: 'api', userEmail: personOf('jonas').email, status: 'scheduled', submittedAt },
          },
        },
      ],
    });
  }
}

/** The person a step is done by, if a person does it. */
function actorOf(step: DemoStep): PersonKey | undefined {
  return 'by' in step ? step.by : undefined;
}

/**
 * Sign-ins for the days' work: each person who did something signed in a little before their
 * first act (sometimes after a mistyped password) and often signed out after their last; the
 * auditor and the SRE look in on most days. Reported by the console's bridge once a day.
 */
export function planSignIns(plan: PlanBuilder, calendar: DemoCalendar): void {
  const { random } = plan;
  for (let day = 0; day <= 7; day += 1) {
    const { start, end } = windowOf(calendar, day);
    if (end <= start) continue;
    const acts = new Map<PersonKey, Date[]>();
    for (const step of plan.planned()) {
      const person = actorOf(step);
      if (!person || person === 'bridge' || step.at < start || step.at > end) continue;
      acts.set(person, [...(acts.get(person) ?? []), step.at]);
    }
    for (const person of ['elena', 'sam'] as const) {
      if (!acts.has(person) && random.chance(0.7))
        acts.set(person, [new Date(Math.min(end.getTime(), calendar.at(day, `${random.int(8, 15)}:00`, 50).getTime()))]);
    }
    const entries: ReportedActivity[] = [];
    for (const [key, times] of acts) {
      const who = personOf(key);
      const first = times.reduce((a, b) => (a < b ? a : b));
      const last = times.reduce((a, b) => (a > b ? a : b));
      const signedIn = new Date(Math.max(start.getTime(), after(first, -random.int(3, 25) * MINUTE).getTime()));
      const entry = (action: ReportedActivity['action'], result: number, occurredAt: Date, details: Record<string, unknown>): ReportedActivity => ({
        action,
        result,
        userEmail: who.email,
        ipAddress: who.ip,
        userAgent: who.userAgent,
        details,
        occurredAt,
      });
      if (random.chance(0.12) && after(signedIn, -2 * MINUTE) >= start)
        entries.push(entry('auth.sign_in_failed', 401, after(signedIn, -random.int(40, 110) * 1000), { method: 'password', reason: 'wrong password' }));
      entries.push(entry('auth.signed_in', 200, signedIn, { method: 'sso', provider: 'okta' }));
      const signedOut = after(last, random.int(10, 50) * MINUTE);
      if (random.chance(0.5) && signedOut <= end) entries.push(entry('auth.signed_out', 200, signedOut, {}));
    }
    if (entries.length === 0) continue;
    entries.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
    plan.add({ at: after(end, 20_000), kind: 'report_activity', entries });
  }
}

/** Someone tries passwords against an account that does not exist: the brute-force rule fires, is acknowledged, and clears. */
export function planSignInBurst(plan: PlanBuilder, at: Date): void {
  const entries: ReportedActivity[] = Array.from({ length: 6 }, (_, index) => ({
    action: 'auth.sign_in_failed' as const,
    result: 401,
    userEmail: `admin@${DEMO_DOMAIN}`,
    ipAddress: '198.51.100.77',
    userAgent: 'python-requests/2.32.3',
    details: { method: 'password', reason: 'unknown user' },
    occurredAt: after(at, index * 31_000 + plan.random.int(0, 20_000)),
  }));
  plan.add({ at: after(at, 3.5 * MINUTE), kind: 'report_activity', entries });
  plan.add({ at: after(at, 4 * MINUTE), kind: 'evaluate_alerts' });
  plan.add({ at: after(at, 8 * MINUTE), kind: 'move_alert', rule: RULE.signIns, from: 'fired', to: 'acknowledged', by: 'tom' });
  plan.add({ at: after(at, 14 * MINUTE), kind: 'evaluate_alerts' });
}
