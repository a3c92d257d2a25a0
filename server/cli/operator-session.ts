/**
 * What every CLI command that touches the database opens: the configured database (locked, when
 * it is the embedded one, so the CLI never opens it beside a running server), migrated, and a
 * system actor for the tenant named with --tenant.
 */
import type { SystemActor } from '../auth/actor.js';
import { systemClock } from '../clock.js';
import type { Config } from '../config.js';
import { lockDataDir } from '../db/data-dir-lock.js';
import { openDatabase, type DatabaseHandle } from '../db/database.js';
import { runMigrations } from '../db/migrate.js';
import { registerOutboxKey, tagOutboxAfterMigrations } from '../outbound/delivery-tags.js';
import { loadSecretBox } from '../secrets/secret-box.js';
import type { UserRow } from '../db/tables/index.js';
import { findTenant } from '../identity/tenants.js';
import { findUserByEmail } from '../identity/users.js';
import type { ServiceContext } from '../service-context.js';

export class CliError extends Error {}

export async function withDatabase<T>(config: Config, work: (database: DatabaseHandle) => Promise<T>): Promise<T> {
  const lock = config.database.kind === 'pglite' ? lockDataDir(config.database.dataDir) : undefined;
  try {
    const database = await openDatabase(config.database, { applicationName: 'vigil-cli' });
    try {
      // What a command queues to send (a webhook of a checkpoint it signs) is tagged like an instance's.
      const secretBox = loadSecretBox(config.secretKey, config.previousSecretKeys, config.database.dataDir);
      registerOutboxKey(database.db, secretBox);
      await runMigrations(database, (applied) => tagOutboxAfterMigrations(database.db, secretBox, applied));
      return await work(database);
    } finally {
      await database.close();
    }
  } finally {
    lock?.release();
  }
}

export async function operatorContext(database: DatabaseHandle, tenant: string): Promise<ServiceContext> {
  const found = await findTenant(database.db, tenant);
  if (!found) throw new CliError(`No tenant "${tenant}": see \`vigil tenant list\``);
  const actor: SystemActor = { type: 'system', tenantId: found.id, name: 'cli' };
  return { db: database.db, clock: systemClock, actor, request: { requestId: `cli:${process.pid}` } };
}

/** The user of the operator's tenant with `email`; a CliError naming where to look when there is none. */
export async function operatorUser(ctx: ServiceContext, email: string, tenant: string): Promise<UserRow> {
  const found = await findUserByEmail(ctx.db, ctx.actor.tenantId, email);
  if (!found) throw new CliError(`No user ${email} in tenant ${tenant}: see \`vigil user list\``);
  return found;
}

/** "30d", "12h", "45m" → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)\s*(m|h|d)$/.exec(text.trim());
  if (!match) throw new CliError(`"${text}" is not a duration such as 45m, 12h or 30d`);
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
