/**
 * Migrates a template database once per run; each test file clones it (CREATE DATABASE …
 * TEMPLATE) so files are isolated from each other and can run in parallel. Names carry the run's
 * process id, so two runs on one server (two checkouts, a developer and CI) never touch each
 * other's databases; those of runs that are gone are dropped.
 */
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../server/db/database.js';
import { runMigrations } from '../../server/db/migrate.js';
import { databaseUrl } from './postgres-url.js';

const RUN_NAME = /^vigil_(?:t|tpl)_(\d+)_/;

function isRunAlive(datname: string): boolean {
  const pid = Number(RUN_NAME.exec(datname)?.[1]);
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export default async function setup(project: TestProject) {
  const adminUrl = process.env.TEST_DATABASE_URL!;
  const template = `vigil_tpl_${process.pid}_${Date.now().toString(36)}`;
  const databasePrefix = `vigil_t_${process.pid}_`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const existing = await admin<{ datname: string }[]>`
      select datname from pg_database where datname like 'vigil\\_t\\_%' or datname like 'vigil\\_tpl\\_%' or datname = 'vigil_test_template'`;
    for (const { datname } of existing) {
      if (!isRunAlive(datname)) await admin.unsafe(`drop database if exists "${datname}" with (force)`);
    }
    await admin.unsafe(`create database "${template}"`);
  } finally {
    await admin.end();
  }
  const migrated = await openDatabase({ kind: 'postgres', url: databaseUrl(adminUrl, template), dataDir: '', poolMax: 2 });
  await runMigrations(migrated);
  await migrated.close();
  project.provide('pgliteSnapshotPath', '');
  project.provide('postgresTemplate', { adminUrl, template, databasePrefix });

  return async function teardown() {
    const dropper = postgres(adminUrl, { max: 1, onnotice: () => {} });
    try {
      const own = await dropper<{ datname: string }[]>`
        select datname from pg_database where datname = ${template} or starts_with(datname, ${databasePrefix})`;
      for (const { datname } of own) await dropper.unsafe(`drop database if exists "${datname}" with (force)`);
    } finally {
      await dropper.end();
    }
  };
}
