/**
 * Where the demo may be written. It walks a clock through the past week while Vigil instances
 * running on the real clock would sweep the same tenant: expire its requests, end its sessions,
 * evaluate its alert rules, all "now", in the middle of the week being written. So the demo runs
 * only where no other instance serves the database (PGlite's data dir is locked to one process
 * anyway; on PostgreSQL every instance holds connections named `vigil:<pid>`), and `--demo` only
 * on the first start of an empty database, before the instance starts.
 */
import { sql } from 'drizzle-orm';
import { withDatabase } from '../cli/operator-session.js';
import { systemClock } from '../clock.js';
import type { Config } from '../config.js';
import { queryRows, type DatabaseHandle } from '../db/database.js';
import { Conflict } from '../errors.js';
import { bootstrapFirstRun, type BootstrapResult } from '../identity/bootstrap.js';
import type { Logger } from '../logger.js';
import { createOutboundPolicy } from '../outbound/outbound-policy.js';
import { loadSecretBox } from '../secrets/secret-box.js';
import type { DemoSummary } from './demo-summary.js';
import { seedDemo } from './seed-demo.js';

/** Refuses when other Vigil instances are connected to this PostgreSQL database. */
export async function refuseBesideRunningInstances(database: DatabaseHandle): Promise<void> {
  if (database.kind !== 'postgres') return;
  const others = await queryRows<{ name: string }>(
    database.db,
    sql`select distinct application_name as name from pg_stat_activity
        where datname = current_database() and application_name like 'vigil:%' and application_name <> current_setting('application_name')`,
  );
  if (others.length === 0) return;
  throw new Conflict(
    `Vigil instances are running on this database (${others.map((row) => row.name).join(', ')}): their sweepers would act on the demo week while it is written. Stop them, write the demo, start them again.`,
  );
}

export interface FirstRunDemo {
  readonly seed: number;
  readonly logger: Logger;
  readonly onProgress?: (line: string) => void;
}

/**
 * `npm start -- --demo`, before Vigil starts: on an empty database, the first run's tenant and
 * admin (as a plain first start makes them), then the demo week in that tenant, beside that admin.
 * Its log leaves wait in the queue for the start that follows, which integrates and signs them
 * before it serves. On a database that is not empty, refused with nothing written.
 */
export async function writeFirstRunDemo(config: Config, options: FirstRunDemo): Promise<{ bootstrap: BootstrapResult; demo: DemoSummary }> {
  return withDatabase(config, async (database) => {
    const bootstrap = await bootstrapFirstRun(database.db, systemClock, config.bootstrap);
    if (!bootstrap) {
      throw new Conflict(
        config.bootstrap.enabled
          ? '--demo fills an empty database on its first start, and this database already holds a tenant: nothing was written. Start without --demo, or write the demo into a new tenant with `npm run vigil -- demo --tenant <slug>`.'
          : '--demo fills the tenant a first start creates, and VIGIL_BOOTSTRAP is off: nothing was written. Use `npm run vigil -- demo --tenant <slug>` instead.',
      );
    }
    await refuseBesideRunningInstances(database);
    const demo = await seedDemo({
      db: database.db,
      logger: options.logger,
      secretBox: loadSecretBox(config.secretKey, config.previousSecretKeys, config.database.dataDir),
      outbound: createOutboundPolicy(config.outbound.allow),
      records: config.records,
      tenant: bootstrap.tenant,
      seed: options.seed,
      existingUserIds: [bootstrap.admin.id],
      onProgress: options.onProgress,
    });
    return { bootstrap, demo };
  });
}
