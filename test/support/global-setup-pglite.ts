/**
 * Migrates an in-memory PGlite once and stores the dump: each test file loads that snapshot
 * (~0.5 s) instead of migrating (~3.5 s).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../server/db/database.js';
import { runMigrations } from '../../server/db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteSnapshotPath: string;
    postgresTemplate: { adminUrl: string; template: string; databasePrefix: string } | null;
  }
}

export default async function setup(project: TestProject) {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'vigil-pglite-'));
  const database = await openDatabase({ kind: 'pglite', dataDir: directory, poolMax: 1 }, { pgliteInMemory: true });
  await runMigrations(database);
  const client = (database.db as unknown as { $client: { dumpDataDir(compression: 'none'): Promise<Blob> } }).$client;
  const snapshot = await client.dumpDataDir('none');
  await database.close();
  const snapshotPath = path.join(directory, 'snapshot.tar');
  await writeFile(snapshotPath, Buffer.from(await snapshot.arrayBuffer()));
  project.provide('pgliteSnapshotPath', snapshotPath);
  project.provide('postgresTemplate', null);
  return async () => rm(directory, { recursive: true, force: true });
}
