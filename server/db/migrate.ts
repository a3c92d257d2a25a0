import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { readMigrationFiles, type MigrationConfig } from 'drizzle-orm/migrator';
import type { PgDialect, PgSession } from 'drizzle-orm/pg-core';
import { queryRows, type DatabaseHandle } from './database.js';

const MIGRATIONS: MigrationConfig = {
  migrationsFolder: fileURLToPath(new URL('../../migrations', import.meta.url)),
  migrationsSchema: 'drizzle',
  migrationsTable: '__drizzle_migrations',
};

let shipped: ReturnType<typeof readMigrationFiles> | undefined;

/** The migrations in migrations/, read once: they do not change while Vigil runs, and /readyz asks often. */
function shippedMigrations(): ReturnType<typeof readMigrationFiles> {
  shipped ??= readMigrationFiles(MIGRATIONS);
  return shipped;
}

/** The tags (file names without .sql) of the shipped migrations, by their folderMillis. */
function migrationTags(): Map<number, string> {
  const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS.migrationsFolder, 'meta', '_journal.json'), 'utf8')) as {
    entries: { when: number; tag: string }[];
  };
  return new Map(journal.entries.map((entry) => [entry.when, entry.tag]));
}

/**
 * Applies pending migrations. Instances starting together take turns under an advisory lock, so a
 * migration runs once and the others find it applied. Drizzle applies the pending ones in one
 * transaction: a failing migration leaves the database as it was. `afterApplying` gets the tags of
 * the migrations this call applied, still under the lock: a step that needs what SQL cannot do
 * (a key the database never holds) runs once, before any instance works on the new schema.
 */
export async function runMigrations(handle: DatabaseHandle, afterApplying?: (tags: readonly string[]) => Promise<void>): Promise<void> {
  const migrations = shippedMigrations();
  await handle.withSessionLock('vigil:migrations', async () => {
    const lastApplied = await lastAppliedMillis(handle);
    // The drivers' `migrate` functions are thin wrappers around this dialect method.
    const internals = handle.db as unknown as { dialect: PgDialect; session: PgSession };
    await internals.dialect.migrate(migrations, internals.session, MIGRATIONS);
    const tags = migrationTags();
    const applied = migrations.filter((migration) => migration.folderMillis > lastApplied).map((migration) => tags.get(migration.folderMillis) ?? '');
    if (applied.length > 0) await afterApplying?.(applied);
  });
}

/** When the newest applied migration was made (0: none applied yet). */
async function lastAppliedMillis(handle: DatabaseHandle): Promise<number> {
  const [exists] = await queryRows<{ present: boolean }>(handle.db, sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`);
  if (!exists?.present) return 0;
  const [last] = await queryRows<{ created_at: string | null }>(handle.db, sql`select max(created_at)::text as created_at from drizzle.__drizzle_migrations`);
  return Number(last?.created_at ?? 0);
}

/** How many of the shipped migrations the database has not applied yet (0 when ready). */
export async function countPendingMigrations(handle: DatabaseHandle): Promise<number> {
  const lastApplied = await lastAppliedMillis(handle);
  return shippedMigrations().filter((migration) => migration.folderMillis > lastApplied).length;
}
