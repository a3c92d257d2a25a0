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

/**
 * Applies pending migrations. Instances starting together take turns under an advisory lock, so a
 * migration runs once and the others find it applied. Drizzle applies the pending ones in one
 * transaction: a failing migration leaves the database as it was.
 */
export async function runMigrations(handle: DatabaseHandle): Promise<void> {
  const migrations = shippedMigrations();
  await handle.withSessionLock('vigil:migrations', async () => {
    // The drivers' `migrate` functions are thin wrappers around this dialect method.
    const internals = handle.db as unknown as { dialect: PgDialect; session: PgSession };
    await internals.dialect.migrate(migrations, internals.session, MIGRATIONS);
  });
}

/** How many of the shipped migrations the database has not applied yet (0 when ready). */
export async function countPendingMigrations(handle: DatabaseHandle): Promise<number> {
  const migrations = shippedMigrations();
  const [exists] = await queryRows<{ present: boolean }>(handle.db, sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`);
  if (!exists?.present) return migrations.length;
  const [last] = await queryRows<{ created_at: string | null }>(handle.db, sql`select max(created_at)::text as created_at from drizzle.__drizzle_migrations`);
  const lastApplied = Number(last?.created_at ?? 0);
  return migrations.filter((migration) => migration.folderMillis > lastApplied).length;
}
