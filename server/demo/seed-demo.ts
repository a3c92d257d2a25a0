/**
 * Fills an empty tenant with a believable week for a front end to be built against: plans the
 * week from the seed (plan-week.ts), then writes it through Vigil's services on a clock that walks
 * from a week ago to now (run-demo.ts), and ends with a token for an admin and for a regular user.
 *
 * Time, honestly: agents' events carry their own times; every service that stamps "now" reads the
 * demo's clock, set to each step's time, as tests set theirs; what the database stamps itself
 * (`created_at`, `updated_at`, the log's `queued_at` and the checkpoints the running instance signs)
 * is the real time of writing, as it is for an agent's late batch.
 */
import type { TenantRow } from '../db/tables/index.js';
import { createUserToken } from '../identity/api-tokens.js';
import { inTransaction } from '../service-context.js';
import { PEOPLE, SERVERS, POLICIES, CHANNELS } from './demo-cast.js';
import type { DemoStep } from './demo-plan.js';
import { setUpTenant } from './demo-setup.js';
import { countDemoRecords, type DemoSummary } from './demo-summary.js';
import { DemoWorld, type DemoServices } from './demo-world.js';
import { planDemo } from './plan-week.js';
import { runStep } from './run-demo.js';

/** "1 recording", "2 recordings". */
const counted = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

export interface SeedDemoOptions extends DemoServices {
  readonly tenant: TenantRow;
  readonly seed: number;
  /** The end of the history (now by default; never later). */
  readonly until?: Date;
  /** Users the tenant may already hold: the first-run admin of a fresh database. */
  readonly existingUserIds?: readonly string[];
  /** Progress, a line at a time (stderr in the CLI). */
  readonly onProgress?: (line: string) => void;
}

export async function seedDemo(options: SeedDemoOptions): Promise<DemoSummary> {
  const started = Date.now();
  const say = options.onProgress ?? (() => {});
  const until = options.until ?? new Date();
  if (until.getTime() > Date.now()) throw new Error('The demo history cannot end in the future');
  const plan = planDemo({ seed: options.seed, until, unresponsiveAfterSeconds: options.records.unresponsiveAfterSeconds });
  const { tenant } = options;
  say(
    `Writing a demo week into tenant "${tenant.slug}" (seed ${options.seed}): ${plan.steps.length} steps from ${plan.from.toISOString()} to ${plan.until.toISOString()}.`,
  );

  const world = new DemoWorld(options, tenant.id, plan.from);
  const progress = dayProgress(say, started);
  for (const step of plan.steps) {
    if (step.kind === 'setup') {
      await setUpTenant(world, tenant.slug, options.existingUserIds ?? []);
      say(
        `  set up: ${PEOPLE.length} people, ${SERVERS.length} servers with their agents, ${POLICIES.length} approval policies, ${CHANNELS.length} notification channels, alert rules`,
      );
      continue;
    }
    progress.add(step);
    await runStep(world, step);
  }
  progress.end();

  const tokens = await inTransaction(world.system(), async (tx) => ({
    admin: await createUserToken(tx, { userId: world.people.get('maya')!.id, name: 'demo admin token' }),
    user: await createUserToken(tx, { userId: world.people.get('lucas')!.id, name: 'demo user token' }),
  }));
  const counts = await countDemoRecords(options.db, tenant.id);
  return {
    tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name },
    seed: options.seed,
    from: plan.from,
    until: plan.until,
    counts,
    admin: { email: world.people.get('maya')!.email, token: tokens.admin.token },
    user: { email: world.people.get('lucas')!.email, token: tokens.user.token },
    elapsedMs: Date.now() - started,
  };
}

/** A line per day of the week once it is written: what it held. */
function dayProgress(say: (line: string) => void, started: number) {
  let day: string | undefined;
  let tally = { requests: 0, commands: 0, events: 0, recordings: 0 };
  const flush = () => {
    if (!day) return;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    say(
      `  ${day}: ${counted(tally.requests, 'request')}, ${counted(tally.commands, 'command')}, ${counted(tally.events, 'agent event')}, ${counted(tally.recordings, 'recording')} (${seconds} s)`,
    );
    tally = { requests: 0, commands: 0, events: 0, recordings: 0 };
  };
  return {
    add(step: DemoStep) {
      const stepDay = step.at.toUTCString().slice(0, 11);
      if (stepDay !== day) {
        flush();
        day = stepDay;
      }
      if (step.kind === 'request_access' || step.kind === 'request_sudo') tally.requests += 1;
      if (step.kind === 'record') tally.recordings += 1;
      if (step.kind === 'report') {
        tally.events += step.events.length;
        tally.commands += step.events.filter(({ event }) => event.kind === 'command').length;
      }
    },
    end: flush,
  };
}
