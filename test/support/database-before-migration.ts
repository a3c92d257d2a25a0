/**
 * A database migrated only up to a given migration, on the test file's engine, so a test can put
 * data in it as an older Vigil would have and then let Vigil upgrade it.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import type { PgDialect, PgSession } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import { inject } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../server/db/database.js';
import { databaseUrl } from './postgres-url.js';
import { dropDatabase, type TestDatabase } from './test-database.js';

const MIGRATIONS = fileURLToPath(new URL('../../migrations', import.meta.url));

export interface OlderDatabase {
  /** Open on the older schema: write to it as that version of Vigil would. */
  readonly handle: DatabaseHandle;
  /** Closes the handle and hands the database over, for startTestVigil({ database }). */
  handOver(): Promise<TestDatabase>;
}

/** A database with the migrations before `firstMissing` (its journal index) applied. */
export async function databaseBeforeMigration(firstMissing: number): Promise<OlderDatabase> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'vigil-older-'));
  await cp(MIGRATIONS, folder, { recursive: true });
  const journalPath = path.join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(await readFile(journalPath, 'utf8')) as { entries: { idx: number }[] };
  await writeFile(journalPath, JSON.stringify({ ...journal, entries: journal.entries.filter((entry) => entry.idx < firstMissing) }));
  const config = { migrationsFolder: folder, migrationsSchema: 'drizzle', migrationsTable: '__drizzle_migrations' };
  const migrate = async (handle: DatabaseHandle) => {
    const internals = handle.db as unknown as { dialect: PgDialect; session: PgSession };
    await internals.dialect.migrate(readMigrationFiles(config), internals.session, config);
    await rm(folder, { recursive: true, force: true });
  };

  const template = inject('postgresTemplate');
  if (!template) {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'vigil-older-data-'));
    const handle = await openDatabase({ kind: 'pglite', dataDir, poolMax: 1 }, { pgliteInMemory: true });
    await migrate(handle);
    return {
      handle,
      async handOver() {
        const client = (handle.db as unknown as { $client: { dumpDataDir(compression: 'none'): Promise<Blob> } }).$client;
        const snapshot = await client.dumpDataDir('none');
        await handle.close();
        await rm(dataDir, { recursive: true, force: true });
        return { env: {}, openOptions: async () => ({ pgliteInMemory: true, pgliteSnapshot: snapshot }), drop: async () => {} };
      },
    };
  }
  const name = `${template.databasePrefix}${randomBytes(6).toString('hex')}`;
  const admin = postgres(template.adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = databaseUrl(template.adminUrl, name);
  const handle = await openDatabase({ kind: 'postgres', url, dataDir: '', poolMax: 2 });
  await migrate(handle);
  return {
    handle,
    async handOver() {
      await handle.close();
      return {
        env: { DATABASE_URL: url },
        openOptions: async () => ({}),
        drop: () => dropDatabase(template.adminUrl, name),
      };
    },
  };
}
