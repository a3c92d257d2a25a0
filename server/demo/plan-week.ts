/**
 * Plans the demo's week from a seed and an end time (now): the setup on the morning of the first
 * day, seven full days and today up to the end. The story (plan-story.ts) comes first, then the
 * routine around it (people asking for the servers of their team, approved under the policies,
 * working, ending their sessions or letting them run out), the requests and sessions still open
 * at the end, and the background (logs, housekeeping, deploys, sign-ins).
 *
 * The same seed and end time give the same plan, step for step.
 */
import { ENGINEERS, POLICY, personOf, serverOf, type PersonKey } from './demo-cast.js';
import { DemoRandom } from './demo-random.js';
import { after, MINUTE, PlanBuilder, type DecisionChannel, type DemoPlan } from './demo-plan.js';
import { LOOK_AROUND, TASKS } from './demo-work.js';
import { approvedBy, planAccess, planSudo, waitingAfter, type Decider } from './plan-access.js';
import { planPipelineDeploys, planQueuedCommands, planServerDays, planSignIns, type DemoCalendar } from './plan-background.js';
import { planStory, type SudoReservation } from './plan-story.js';
import { fill } from './plan-terminal.js';
import { planWork, type WorkItem } from './plan-work.js';

export interface PlanOptions {
  readonly seed: number;
  /** The end of the history: now, when the demo is seeded. */
  readonly until: Date;
  /** VIGIL_UNRESPONSIVE_AFTER: how long a Running command may stay silent. */
  readonly unresponsiveAfterSeconds: number;
}

const DAY = 24 * 60 * MINUTE;
/** Routine access requests on each full day. */
const ROUTINE_PER_DAY = [4, 5, 4, 5, 4, 4, 4] as const;

/** Days 0 to 6 are the seven full days before `until`'s day (UTC), 7 is that day; the tenant is set up at 06:00 on day 0. */
function calendarOf(until: Date, random: DemoRandom): DemoCalendar {
  const today = Date.UTC(until.getUTCFullYear(), until.getUTCMonth(), until.getUTCDate());
  const dayStart = (day: number) => new Date(today - (7 - day) * DAY);
  return {
    from: new Date(dayStart(0).getTime() + 6 * 60 * MINUTE),
    until,
    dayStart,
    at(day, hhmm, jitterMinutes = 0) {
      const [hours, minutes] = hhmm.split(':').map(Number) as [number, number];
      return new Date(dayStart(day).getTime() + (hours * 60 + minutes + random.int(0, jitterMinutes)) * MINUTE + random.int(0, 59) * 1000);
    },
  };
}

export function planDemo(options: PlanOptions): DemoPlan {
  const random = new DemoRandom(options.seed);
  const until = new Date(Math.floor(options.until.getTime() / 1000) * 1000);
  const calendar = calendarOf(until, random);
  const plan = new PlanBuilder(random, calendar.from, until, options.unresponsiveAfterSeconds);
  plan.add({ at: calendar.from, kind: 'setup' });
  const reservations = planStory(plan, calendar);
  planOpenAtTheEnd(plan, calendar);
  for (let day = 0; day < 7; day += 1) {
    for (let count = 0; count < ROUTINE_PER_DAY[day]!; count += 1) planRoutine(plan, calendar, day, reservations);
  }
  planPipelineDeploys(plan, calendar);
  planQueuedCommands(plan, calendar);
  planServerDays(plan, calendar);
  plan.add({ at: until, kind: 'sweep_approvals' });
  plan.add({ at: until, kind: 'evaluate_alerts' });
  // Last: sign-ins follow what everyone did.
  planSignIns(plan, calendar);
  return plan.build(options.seed);
}

/** Who may decide a request of `policy` made by `requester` at `at` (Hana from her grant on day 1, 09:02). */
function deciders(policy: string, requester: PersonKey, at: Date, calendar: DemoCalendar): PersonKey[] {
  const hanaDecides = at.getTime() > calendar.dayStart(1).getTime() + 10 * 60 * MINUTE;
  const leads: PersonKey[] = policy === POLICY.db ? ['priya', 'priya'] : ['jonas', 'jonas', 'priya'];
  const everyone: PersonKey[] = [...leads, ...(hanaDecides ? (['hana'] as const) : []), 'maya', 'tom'];
  return everyone.filter((person) => person !== requester);
}

const JUSTIFICATIONS = [
  'Matches the change ticket.',
  'Approved for the maintenance window.',
  'OK: low traffic now.',
  'Fine, the replica is in sync.',
  'Go ahead; post in #db when done.',
];

function pickApprovers(plan: PlanBuilder, policy: string, requester: PersonKey, at: Date, calendar: DemoCalendar): Decider[] {
  const { random } = plan;
  const pool = deciders(policy, requester, at, calendar);
  if (policy !== POLICY.db) {
    const channel: DecisionChannel = random.pick(['web', 'web', 'web', 'slack', 'slack', 'api']);
    return [{ by: random.pick(pool), afterMinutes: random.int(1, 12), channel }];
  }
  const first = random.pick(pool);
  const second = random.pick(pool.filter((person) => person !== first));
  const firstAfter = random.int(2, 20);
  // The two-person policy asks for a justification, and for an authenticator code in chat: decided on the web or the API.
  return [
    { by: first, afterMinutes: firstAfter, channel: random.pick(['web', 'web', 'api']), justification: random.pick(JUSTIFICATIONS) },
    { by: second, afterMinutes: firstAfter + random.int(1, 15), channel: 'web', justification: random.pick(JUSTIFICATIONS) },
  ];
}

type Context = 'web' | 'db' | 'staging' | 'k8s' | 'cache';
const CONTEXTS: readonly Context[] = [
  'web',
  'web',
  'web',
  'web',
  'web',
  'web',
  'web',
  'db',
  'db',
  'db',
  'db',
  'staging',
  'staging',
  'staging',
  'staging',
  'staging',
  'k8s',
  'k8s',
  'cache',
  'cache',
];

function serversFor(plan: PlanBuilder, context: Context): string[] {
  const { random } = plan;
  switch (context) {
    case 'web':
      return random.sample(['web-prod-01', 'web-prod-02', 'api-prod-01'], random.int(1, 2));
    case 'db':
      return [random.pick(['db-prod-01', 'db-prod-02'])];
    case 'staging':
      return [random.pick(['web-staging-01', 'db-staging-01'])];
    case 'k8s':
      return ['k8s-prod-ctl-01'];
    case 'cache':
      return ['cache-prod-01'];
  }
}

/** An ordinary request: someone on the team asks for their servers, is approved, works, and ends the session or lets it run out. */
function planRoutine(plan: PlanBuilder, calendar: DemoCalendar, day: number, reservations: readonly SudoReservation[]): void {
  const { random } = plan;
  const at = calendar.at(day, `${random.int(7, 17)}:${random.pick(['00', '15', '30', '45'])}`, 14);
  const context = random.pick(CONTEXTS);
  const servers = serversFor(plan, context);
  const first = serverOf(servers[0]!);
  // Diego's contract ends on day 4.
  const by = random.pick(ENGINEERS[first.team === 'db' ? 'db' : 'web'].filter((person) => day < 4 || person !== 'diego'));
  const minutes = random.pick([60, 90, 120, 180]);
  const isReserved = reservations.some(
    (held) => held.person === by && servers.includes(held.server) && held.from < after(at, (minutes + 30) * MINUTE) && at < held.to,
  );
  const withSudo = random.chance(context === 'staging' ? 0.6 : 0.35) && !isReserved;
  const task = random.pick(TASKS[first.role]);
  const version = `1.4${random.int(0, 2)}.${random.int(0, 9)}`;
  const reason = `${random.pick(['CHG', 'OPS', 'OPS'])}-${random.int(1000, 5999)}: ${fill(task.reason, { host: first.name, user: personOf(by).unix, at, version })}`;
  const policy = first.env === 'staging' ? POLICY.staging : first.team === 'db' ? POLICY.db : POLICY.prod;
  const items: WorkItem[] = [{ server: first.name, task, version }];
  if (random.chance(0.25)) items.push({ server: random.pick(servers), task: LOOK_AROUND });
  planAccess(plan, {
    by,
    servers,
    at,
    minutes,
    reason,
    withSudo,
    outcome: policy === POLICY.staging ? { kind: 'auto' } : { kind: 'approved', approvers: pickApprovers(plan, policy, by, at, calendar) },
    work: (session) => planWork(plan, session, items),
    end: random.chance(0.75) ? { kind: 'ended' } : { kind: 'expired' },
  });
}

/** What is still open at the end: sessions in force (one with a command running and its recording live), requests waiting, one scheduled for the weekend. */
function planOpenAtTheEnd(plan: PlanBuilder, calendar: DemoCalendar): void {
  const { random } = plan;
  const { until } = calendar;
  const ago = (minutes: number) => after(until, -minutes * MINUTE - random.int(0, 50) * 1000);
  const ticket = (prefix: string) => `${prefix}-${random.int(1000, 5999)}`;
  planAccess(plan, {
    by: 'priya',
    servers: ['db-prod-01', 'db-prod-02'],
    at: ago(190),
    minutes: 120,
    startsAt: after(until, 20 * 60 * MINUTE),
    reason: 'CHG-4410: PostgreSQL 16.8 minor upgrade in the Saturday window',
    withSudo: true,
    outcome: approvedBy(['tom', 15, 'web', 'Window approved by the change board.'], ['maya', 25, 'web', 'Second approval; failover runbook reviewed.']),
  });
  planAccess(plan, {
    by: 'lucas',
    servers: ['web-prod-01'],
    at: ago(75),
    minutes: 180,
    reason: `${ticket('INC')}: slow cart pages reported by support`,
    outcome: approvedBy(['jonas', 4, 'slack']),
    work: (session) => {
      const looked = planWork(plan, session, [{ server: 'web-prod-01', task: TASKS.web[2]! }]);
      planSudo(plan, session, {
        server: 'web-prod-01',
        command: 'systemctl restart checkout',
        reason: 'the pool is exhausted again',
        at: ago(6),
        outcome: { kind: 'pending', endsAs: 'pending' },
      });
      // Back in a terminal for the last few minutes, following the service's journal as the demo ends.
      const back = new Date(Math.max(after(looked, 3 * MINUTE).getTime(), after(until, -9 * MINUTE).getTime()));
      return planWork(plan, session, [
        { server: 'web-prod-01', task: LOOK_AROUND, ending: 'open', recording: 'live', startAt: back, notAfter: after(until, -40_000) },
      ]);
    },
    end: { kind: 'active' },
  });
  planAccess(plan, {
    by: 'hana',
    servers: ['db-staging-01'],
    at: ago(50),
    minutes: 240,
    reason: `${ticket('CHG')}: rehearse the 16.8 upgrade on staging`,
    withSudo: true,
    outcome: { kind: 'auto' },
    work: (session) => planWork(plan, session, [{ server: 'db-staging-01', task: TASKS.db[4]! }]),
    end: { kind: 'active' },
  });
  planAccess(plan, {
    by: 'aisha',
    servers: ['db-prod-01'],
    at: ago(26),
    minutes: 120,
    reason: 'CHG-4410: prepare the 16.8 upgrade (extensions, replication slots)',
    withSudo: true,
    outcome: waitingAfter(['priya', 7, 'web', 'Preparation only; the change itself is in the window.']),
  });
  planAccess(plan, {
    by: 'lucas',
    servers: ['api-prod-01'],
    at: ago(9),
    minutes: 60,
    reason: `${ticket('CHG')}: rotate the API signing key`,
    outcome: { kind: 'pending' },
  });
}
