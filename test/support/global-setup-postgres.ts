/**
 * Migrates a template database once; each test file clones it (CREATE DATABASE … TEMPLATE) so
 * files are isolated from each other and can run in parallel.
 */
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../server/db/database.js';
import { runMigrations } from '../../server/db/migrate.js';
import { databaseUrl } from './postgres-url.js';

export const TEMPLATE = 'vigil_test_template';

export default async function setup(project: TestProject) {
  const adminUrl = process.env.TEST_DATABASE_URL!;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    // Databases left behind by an interrupted run, and the previous template.
    const stale = await admin<{ datname: string }[]>`
      select datname from pg_database where datname like 'vigil_t_%' or datname = ${TEMPLATE}`;
    for (const { datname } of stale) await admin.unsafe(`drop database if exists "${datname}" with (force)`);
    await admin.unsafe(`create database "${TEMPLATE}"`);
  } finally {
    await admin.end();
  }
  const template = await openDatabase({ kind: 'postgres', url: databaseUrl(adminUrl, TEMPLATE), dataDir: '', poolMax: 2 });
  await runMigrations(template);
  await template.close();
  project.provide('pgliteSnapshotPath', '');
  project.provide('postgresTemplate', { adminUrl, template: TEMPLATE });
}
