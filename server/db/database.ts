/**
 * Opens Vigil's database: PostgreSQL through a postgres.js pool when a URL is configured, else the
 * embedded PGlite database in the data dir. Both are handed out as the same drizzle `Database`, so
 * services, queries and migrations are written once.
 */
import { PGlite } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { sql, type SQL } from 'drizzle-orm';
import type { Logger as DrizzleLogger } from 'drizzle-orm/logger';
import { PgDialect, type PgDatabase, type PgQueryResultHKT, type PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import type { ExtractTablesWithRelations } from 'drizzle-orm/relations';
import postgres from 'postgres';
import type { DatabaseConfig } from '../config.js';
import { registerCopyConnections } from './copy-csv.js';
import { hotStatements, preparingHotStatements } from './hot-statements.js';
import { registerReservedConnections } from './statement-pipeline.js';
import { LOG_WRITER_SETTING } from './log-writer.js';

/**
 * Without drizzle's relational query API (`db.query.*`, unused): given the tables, drizzle builds a
 * query builder per table for every transaction and savepoint it opens, ~65 of them, which was a
 * few percent of an audited mutation's CPU (bench/RESULTS.md).
 */
export type Database = PgDatabase<PgQueryResultHKT>;
export type Transaction = PgTransaction<PgQueryResultHKT, Record<string, never>, ExtractTablesWithRelations<Record<string, never>>>;
/** What a query function runs on: the database, or a transaction in progress. */
export type Executor = Database | Transaction;

/** A pool on a read replica (server/reads/read-routing.ts decides when it is read). */
export interface ReplicaConnection {
  readonly db: Database;
  close(): Promise<void>;
}

export type QueryListener = (statement: string, params: readonly unknown[]) => void;

export interface DatabaseHandle {
  readonly kind: 'postgres' | 'pglite';
  readonly db: Database;
  /** The read replica's connections (VIGIL_READ_DATABASE_URL), where list queries and exports may read. */
  readonly replica?: ReplicaConnection;
  /** Runs a trivial statement; rejects when the database cannot be reached. */
  ping(): Promise<void>;
  /** Calls `listener` with every statement drizzle sends; returns the function that stops it. */
  onQuery(listener: QueryListener): () => void;
  /** Open and idle connections of this process, for /metrics (PGlite has exactly one). */
  connectionStats(): Promise<{ total: number; idle: number; max: number }>;
  /**
   * Calls `onPayload` with the payload of every NOTIFY on `channel`, from any connection (every
   * instance, on PostgreSQL); resolves once listening, to the function that stops it.
   */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  /** Runs `work` while holding a session-level advisory lock on a connection of its own. */
  withSessionLock<T>(key: string, work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** A PGlite data dir dump to start from (tests load a migrated snapshot instead of migrating). */
  pgliteSnapshot?: Blob;
  /** Open PGlite in memory instead of in `dataDir`. */
  pgliteInMemory?: boolean;
  /** `application_name` reported to PostgreSQL, so an instance's connections can be told apart. */
  applicationName?: string;
}

export async function openDatabase(config: DatabaseConfig, options: OpenDatabaseOptions = {}): Promise<DatabaseHandle> {
  const listeners = new Set<QueryListener>();
  const logger: DrizzleLogger = {
    logQuery(statement, params) {
      for (const listener of listeners) listener(statement, params);
    },
  };
  const onQuery = (listener: QueryListener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  return config.kind === 'postgres' ? openPostgres(config, options, logger, onQuery) : openPglite(config, options, logger, onQuery);
}

async function openPostgres(
  config: DatabaseConfig,
  options: OpenDatabaseOptions,
  logger: DrizzleLogger,
  onQuery: DatabaseHandle['onQuery'],
): Promise<DatabaseHandle> {
  const applicationName = options.applicationName ?? `vigil:${process.pid}`;
  const client = postgres(config.url!, {
    max: config.poolMax,
    connection: { application_name: applicationName, [LOG_WRITER_SETTING]: 'on', ...CUSTOM_PLANS },
    onnotice: () => {},
    connect_timeout: 10,
    // postgres.js waits up to 20 s between reconnects after repeated failures, and each failed
    // attempt fails one waiting query: in an outage, requests would queue until the database
    // returns. Retrying within a second keeps answers quick (an error) and recovery immediate.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
  });
  const hot = hotStatements();
  const db = drizzlePostgres(preparingHotStatements(client, hot), { logger }) as unknown as Database;
  registerReservedConnections(db, async () => {
    const reserved = await client.reserve();
    try {
      // drizzle reads the client's options (its type parsers), which a reserved connection shares
      // but does not expose; no relational schema: drizzle would build its query API per table.
      const onConnection = Object.assign(reserved, { options: client.options });
      return { db: drizzlePostgres(preparingHotStatements(onConnection, hot), { logger }) as unknown as Database, release: () => reserved.release() };
    } catch (error) {
      reserved.release();
      throw error;
    }
  });
  registerCopyConnections(db, () =>
    postgres(config.url!, { max: 1, connection: { application_name: `${applicationName}:copy` }, onnotice: () => {}, connect_timeout: 10 }),
  );
  const replica = config.replica ? openReadReplica(config.replica.url, config.poolMax, `${applicationName}:read`, logger) : undefined;
  return {
    kind: 'postgres',
    db,
    replica,
    onQuery,
    async ping() {
      await client`select 1`;
    },
    async connectionStats() {
      const [row] = await client<{ total: number; idle: number }[]>`
        select count(*)::int as total, count(*) filter (where state = 'idle')::int as idle
        from pg_stat_activity where application_name = ${applicationName}`;
      return { total: row?.total ?? 0, idle: row?.idle ?? 0, max: config.poolMax };
    },
    async listen(channel, onPayload) {
      // postgres.js keeps one dedicated LISTEN connection per client and re-listens after a reconnect.
      const { unlisten } = await client.listen(channel, onPayload);
      return unlisten;
    },
    // The lock lives on a connection of its own, outside the pool, so `work` can use the whole
    // pool (even a pool of one) while the lock is held.
    async withSessionLock(key, work) {
      const lockConnection = postgres(config.url!, { max: 1, connection: { application_name: `${applicationName}:lock` }, onnotice: () => {} });
      try {
        await lockConnection`select pg_advisory_lock(hashtextextended(${key}, 0))`;
        return await work();
      } finally {
        await lockConnection.end({ timeout: 5 });
      }
    },
    async close() {
      await Promise.all([client.end({ timeout: 5 }), replica?.close()]);
    },
  };
}

/**
 * A pool on the read replica, as drizzle's `Database` like the primary's, with COPY connections of
 * its own (exports read there too). Opening connects nothing: an unreachable replica only fails
 * the statements sent to it, which ReadRouting's probe is the first to send.
 */
function openReadReplica(url: string, poolMax: number, applicationName: string, logger: DrizzleLogger): ReplicaConnection {
  const client = postgres(url, {
    max: poolMax,
    connection: { application_name: applicationName, ...CUSTOM_PLANS },
    onnotice: () => {},
    connect_timeout: 5,
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
  });
  const db = drizzlePostgres(preparingHotStatements(client), { logger }) as unknown as Database;
  registerCopyConnections(db, () =>
    postgres(url, { max: 1, connection: { application_name: `${applicationName}:copy` }, onnotice: () => {}, connect_timeout: 10 }),
  );
  return { db, close: () => client.end({ timeout: 5 }) };
}

async function openPglite(
  config: DatabaseConfig,
  options: OpenDatabaseOptions,
  logger: DrizzleLogger,
  onQuery: DatabaseHandle['onQuery'],
): Promise<DatabaseHandle> {
  const client = await PGlite.create({
    dataDir: options.pgliteInMemory ? undefined : config.dataDir,
    loadDataDir: options.pgliteSnapshot,
    extensions: { pg_trgm, btree_gin },
  });
  await client.exec(`set ${LOG_WRITER_SETTING} = on`);
  const db = drizzlePglite(client, { logger }) as unknown as Database;
  return {
    kind: 'pglite',
    db,
    onQuery,
    async ping() {
      await client.query('select 1');
    },
    async connectionStats() {
      return { total: 1, idle: 1, max: 1 };
    },
    async listen(channel, onPayload) {
      const unlisten = await client.listen(channel, onPayload);
      return async () => {
        if (!client.closed) await unlisten();
      };
    },
    // One process owns a PGlite database (the data-dir lock sees to it), so there is nobody to
    // exclude; the work still runs, serialized by PGlite's single connection where it matters.
    async withSessionLock(_key, work) {
      return work();
    },
    async close() {
      if (!client.closed) await client.close();
    },
  };
}

/** The rows of a raw `db.execute(sql)`: postgres.js returns an array, PGlite a `{ rows }` result. */
export async function queryRows<T>(executor: Executor, query: SQL): Promise<T[]> {
  return rowsOf<T>(await executor.execute(query));
}

/**
 * Statements run prepared (server/db/hot-statements.ts) for the round trip they save, not for
 * PostgreSQL's plan cache: each run is still planned for its own values, as an unprepared statement
 * is. A generic plan, which PostgreSQL may otherwise adopt after five runs, cannot see which
 * tenant or how long an id list a run has, and one tenant's skew would become every tenant's plan.
 */
const CUSTOM_PLANS = { plan_cache_mode: 'force_custom_plan' } as const;

const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];

const dialect = new PgDialect();

/**
 * queryRows for a statement sent on every request of a kind, as a prepared statement: PostgreSQL
 * parses it once per connection and, after a few runs, plans it once, where drizzle's raw
 * statements are parsed and planned on every run (a plan can cost more than running a statement
 * of many joins). Built once: `query` holds sql.placeholder(name)s, filled from `values` on each
 * run, so the statement is not rendered from drizzle's SQL objects every time either.
 */
export function preparedRows<T>(executor: Executor, name: string, query: SQL): (values: Record<string, unknown>) => Promise<T[]> {
  const prepared = executor._.session.prepareQuery(dialect.sqlToQuery(query), undefined, name, false);
  return async (values) => rowsOf<T>(await prepared.execute(values));
}

/** Takes a transaction-scoped advisory lock on `key`; released at commit or rollback. */
export async function lockForTransaction(tx: Transaction, key: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`);
}
