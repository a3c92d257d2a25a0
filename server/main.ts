/**
 * `npm start`: read the configuration, start Vigil, print where it listens (and, on first run, the
 * admin token once), and shut down cleanly on SIGTERM or SIGINT. With `-- --demo`, the first start
 * of an empty database writes the demo week first (server/demo) and prints its summary too.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { DataDirLockedError } from './db/data-dir-lock.js';
import { writeFirstRunDemo } from './demo/first-run-demo.js';
import { summaryLines } from './demo/demo-summary.js';
import { createLogger } from './logger.js';
import { startVigil } from './vigil.js';

/** SIGTERM must end the process within 10 s even if something hangs. */
const HARD_EXIT_MS = 9_500;

/** `npm start -- --demo [--seed <n>]`: the first start of an empty database writes the demo week. */
function demoSeed(args: string[]): number | undefined {
  const { values } = parseArgs({ args, options: { demo: { type: 'boolean' }, seed: { type: 'string' } }, strict: true });
  if (values.seed !== undefined && (!values.demo || !/^\d{1,9}$/.test(values.seed))) throw new Error('--seed takes a whole number, and goes with --demo');
  return values.demo ? Number(values.seed ?? 1) : undefined;
}

async function main(): Promise<void> {
  const seed = demoSeed(process.argv.slice(2));
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  const demo = seed === undefined ? undefined : await writeFirstRunDemo(config, { seed, logger, onProgress: (line) => process.stderr.write(`${line}\n`) });
  // A signal during start-up is held until Vigil is up, then shuts it down cleanly (releasing
  // the data dir), rather than killing the process half-started.
  let pendingSignal: NodeJS.Signals | undefined;
  const holdSignal = (signal: NodeJS.Signals) => (pendingSignal = signal);
  process.on('SIGTERM', holdSignal);
  process.on('SIGINT', holdSignal);
  const vigil = await startVigil(config, { logger });
  process.off('SIGTERM', holdSignal);
  process.off('SIGINT', holdSignal);

  logger.info({ url: vigil.graphqlUrl, database: config.database.kind }, 'vigil listening');
  const banner = [`Vigil is serving GraphQL at ${vigil.graphqlUrl}`];
  if (config.database.kind === 'pglite') banner.push(`Embedded database: ${config.database.dataDir}`);
  const bootstrap = vigil.bootstrap ?? demo?.bootstrap;
  if (bootstrap) {
    const { tenant, admin, token } = bootstrap;
    banner.push(
      `First run: created tenant "${tenant.slug}" and admin ${admin.email}.`,
      `Admin token (shown once, keep it safe): ${token}`,
      `Try: curl -s ${vigil.graphqlUrl} -H 'Authorization: Bearer <token>' -H 'Content-Type: application/json' -d '{"query":"{ me { email role } }"}'`,
    );
  }
  if (demo) banner.push(...summaryLines(demo.demo));
  process.stdout.write(`\n${banner.join('\n')}\n\n`);

  let isStopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (isStopping) return;
    isStopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, HARD_EXIT_MS).unref();
    vigil.dispose().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (pendingSignal) stop(pendingSignal);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DataDirLockedError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`Vigil failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
