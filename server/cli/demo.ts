/**
 * `vigil demo [--tenant <slug>] [--seed <n>]`: writes a believable week into a tenant (created when
 * it does not exist) through Vigil's own services (server/demo/seed-demo.ts), for front ends to be
 * built against. Progress goes to stderr as the days are written; the result, the summary with a
 * token for an admin and for a regular user of the tenant (shown this once), to stdout.
 * A tenant that already holds users or servers is refused (exit 1) before anything is written, and
 * so, on PostgreSQL, is a database that running Vigil instances serve.
 */
import type { Command } from 'commander';
import type { Config } from '../config.js';
import type { DatabaseHandle } from '../db/database.js';
import { refuseBesideRunningInstances } from '../demo/first-run-demo.js';
import { refusalOf, tenantHoldings } from '../demo/demo-setup.js';
import { summaryLines, type DemoSummary } from '../demo/demo-summary.js';
import { seedDemo } from '../demo/seed-demo.js';
import { createTenant, findTenant } from '../identity/tenants.js';
import { createLogger } from '../logger.js';
import { createOutboundPolicy } from '../outbound/outbound-policy.js';
import { loadSecretBox } from '../secrets/secret-box.js';
import { CliError, withDatabase } from './operator-session.js';

export interface DemoOutput {
  /** stdout: the result. */
  print(line: string): void;
  /** stderr: progress and messages. */
  say(line: string): void;
}

const processOutput: DemoOutput = {
  print: (line) => process.stdout.write(`${line}\n`),
  say: (line) => process.stderr.write(`${line}\n`),
};

export function addDemoCommands(program: Command, config: () => Config): void {
  program
    .command('demo')
    .description(
      'Fill an empty tenant with a week of demo history (people, servers, policies, access and terminal sessions, commands, sudo, approvals, recordings, alerts) and print a token for an admin and for a regular user.',
    )
    .option('--tenant <slug>', 'the tenant to fill; created when it does not exist', 'demo')
    .option('--seed <n>', 'the same seed gives the same week', '1')
    .action(async (options: { tenant: string; seed: string }) => {
      if (!/^\d{1,9}$/.test(options.seed)) throw new CliError(`--seed must be a whole number, not "${options.seed}"`);
      const settings = config();
      await withDatabase(settings, (database) => writeDemo(database, settings, { tenant: options.tenant, seed: Number(options.seed) }, processOutput));
    });
}

/** The command on an open database: refuse, or create the tenant if need be, write the week, print the summary. */
export async function writeDemo(
  database: DatabaseHandle,
  settings: Config,
  options: { tenant: string; seed: number },
  output: DemoOutput,
): Promise<DemoSummary> {
  await refuseBesideRunningInstances(database);
  const found = await findTenant(database.db, options.tenant);
  const refusal = found && refusalOf(found.slug, await tenantHoldings(database.db, found.id));
  if (refusal) throw refusal;
  const tenant = found ?? (await database.db.transaction((tx) => createTenant(tx, { slug: options.tenant, name: 'Acme platform team (demo)' })));
  const summary = await seedDemo({
    db: database.db,
    logger: createLogger(settings.logLevel, process.stderr),
    secretBox: loadSecretBox(settings.secretKey, settings.previousSecretKeys, settings.database.dataDir),
    outbound: createOutboundPolicy(settings.outbound.allow),
    records: settings.records,
    tenant,
    seed: options.seed,
    onProgress: output.say,
  });
  for (const line of summaryLines(summary)) output.print(line);
  // No instance serves the database (refused above): the next one to start sequences and signs the week's log.
  output.say(`Demo written in ${(summary.elapsedMs / 1000).toFixed(1)} s. Its log is sequenced and signed when Vigil next starts.`);
  return summary;
}
