/**
 * A database of the test file's own, on whichever engine this vitest project runs: a PGlite
 * loaded from the migrated snapshot, or a PostgreSQL database cloned from the migrated template.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import postgres from 'postgres';
import { inject } from 'vitest';
import type { OpenDatabaseOptions } from '../../server/db/database.js';
import { databaseUrl } from './postgres-url.js';

export type EngineName = 'pglite' | 'postgres';

export const engine: EngineName = process.env.VIGIL_TEST_DATABASE === 'postgres' ? 'postgres' : 'pglite';
export const isPostgres = engine === 'postgres';

export interface TestDatabase {
  /** Environment for loadConfig: DATABASE_URL on PostgreSQL, nothing on PGlite. */
  readonly env: Record<string, string>;
  /** Options for openDatabase/startVigil: the snapshot to load on PGlite. */
  openOptions(): Promise<OpenDatabaseOptions>;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const template = inject('postgresTemplate');
  if (!template) {
    const snapshotPath = inject('pgliteSnapshotPath');
    return {
      env: {},
      async openOptions() {
        return { pgliteInMemory: true, pgliteSnapshot: new Blob([await readFile(snapshotPath)]) };
      },
      async drop() {},
    };
  }
  const name = `${template.databasePrefix}${randomBytes(6).toString('hex')}`;
  const admin = postgres(template.adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}" template "${template.template}"`);
  } finally {
    await admin.end();
  }
  return {
    env: { DATABASE_URL: databaseUrl(template.adminUrl, name) },
    async openOptions() {
      return {};
    },
    drop: () => dropDatabase(template.adminUrl, name),
  };
}

/** Drops a test file's PostgreSQL database, whoever is still connected to it. */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const dropper = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await dropper.unsafe(`drop database if exists "${name}" with (force)`);
  } finally {
    await dropper.end();
  }
}
