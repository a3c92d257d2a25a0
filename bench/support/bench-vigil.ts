/**
 * A Vigil to measure, on a database of its own (a fresh PostgreSQL database when
 * BENCH_DATABASE_URL is set, else an in-memory PGlite), and a raw client on the same database for
 * the baselines: postgres.js on PostgreSQL, the PGlite instance itself on PGlite.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import type { StartOptions } from '../../server/vigil.js';
import { systemClock } from '../../server/clock.js';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { startVigil, type RunningVigil } from '../../server/vigil.js';
import type { BenchOptions } from './options.js';
import { createRawSql, type RawSql } from './raw-sql.js';

export interface BenchVigil {
  readonly vigil: RunningVigil;
  readonly raw: RawSql;
  readonly engine: 'postgres' | 'pglite';
  close(): Promise<void>;
}

const SIGNING_KEY = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

export async function startBenchVigil(
  options: BenchOptions,
  start: Omit<StartOptions, 'logger' | 'database'> = {},
  env: Record<string, string> = {},
): Promise<BenchVigil> {
  let databaseUrl: string | undefined;
  let dropDatabase = async () => {};
  if (options.postgresUrl) {
    const name = `vigil_bench_${randomBytes(4).toString('hex')}`;
    const admin = postgres(options.postgresUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database "${name}"`);
    await admin.end();
    const url = new URL(options.postgresUrl);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    dropDatabase = async () => {
      const dropper = postgres(options.postgresUrl!, { max: 1, onnotice: () => {} });
      await dropper.unsafe(`drop database if exists "${name}" with (force)`);
      await dropper.end();
    };
  }
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    VIGIL_AUDIT_SIGNING_KEY: SIGNING_KEY,
    VIGIL_SECRET_KEY: randomBytes(32).toString('base64'),
    VIGIL_DB_POOL_MAX: '40',
    // The load generators are one token from one address, far over any per-client limit.
    VIGIL_RATE_LIMIT_PER_TOKEN: '0',
    VIGIL_RATE_LIMIT_PER_IP: '0',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...env,
  });
  const vigil = await startVigil(config, {
    ...start,
    clock: start.clock ?? systemClock,
    logger: createLogger('silent'),
    database: databaseUrl ? {} : { pgliteInMemory: true },
  });
  const pglite = databaseUrl ? undefined : (vigil.database.db as unknown as { $client: PGlite }).$client;
  const raw = createRawSql(databaseUrl ? { url: databaseUrl } : { pglite: pglite! });
  return {
    vigil,
    raw,
    engine: databaseUrl ? 'postgres' : 'pglite',
    async close() {
      await raw.close();
      await vigil.dispose();
      await dropDatabase();
    },
  };
}
