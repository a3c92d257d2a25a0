/**
 * `npm start`: read the configuration, start Vigil, print where it listens (and, on first run, the
 * admin token once), and shut down cleanly on SIGTERM or SIGINT.
 */
import { ConfigError, loadConfig } from './config.js';
import { DataDirLockedError } from './db/data-dir-lock.js';
import { createLogger } from './logger.js';
import { startVigil } from './vigil.js';

/** SIGTERM must end the process within 10 s even if something hangs. */
const HARD_EXIT_MS = 9_500;

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
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
  if (vigil.bootstrap) {
    const { tenant, admin, token } = vigil.bootstrap;
    banner.push(
      `First run: created tenant "${tenant.slug}" and admin ${admin.email}.`,
      `Admin token (shown once, keep it safe): ${token}`,
      `Try: curl -s ${vigil.graphqlUrl} -H 'Authorization: Bearer <token>' -H 'Content-Type: application/json' -d '{"query":"{ me { email role } }"}'`,
    );
  }
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
