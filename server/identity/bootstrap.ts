/**
 * First run: on a database with no tenant, create the `default` tenant, its first admin and a
 * token for that admin, so a fresh `npm start` is usable at once. Instances starting together on
 * one empty PostgreSQL take an advisory lock, so exactly one of them bootstraps.
 */
import type { Config } from '../config.js';
import type { Clock } from '../clock.js';
import { lockForTransaction, type Database } from '../db/database.js';
import type { TenantRow, UserRow } from '../db/tables/index.js';
import { createUserToken } from './api-tokens.js';
import { countTenants, createTenant } from './tenants.js';
import { createUser } from './users.js';

export interface BootstrapResult {
  readonly tenant: TenantRow;
  readonly admin: UserRow;
  /** The admin's first API token, to print once. */
  readonly token: string;
}

export async function bootstrapFirstRun(db: Database, clock: Clock, settings: Config['bootstrap']): Promise<BootstrapResult | null> {
  if (!settings.enabled) return null;
  return db.transaction(async (tx) => {
    await lockForTransaction(tx, 'vigil:bootstrap');
    if ((await countTenants(tx)) > 0) return null;
    const tenant = await createTenant(tx, { slug: settings.tenantSlug, name: settings.tenantSlug });
    const ctx = { db: tx, clock, actor: { type: 'system', tenantId: tenant.id, name: 'bootstrap' } } as const;
    const admin = await createUser(ctx, { email: settings.adminEmail, name: 'Administrator', role: 'admin' });
    const { token } = await createUserToken(ctx, { userId: admin.id, name: 'first-run admin token' });
    return { tenant, admin, token };
  });
}
