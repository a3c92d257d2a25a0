/**
 * Upgrading a database whose settings predate their coverage (migration 0014): every stored
 * setting gets its leaf, explained by one `log.coverage_extended` audit entry per tenant, and the
 * log of the upgraded tenant verifies intact.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.js';
import { queryRows } from '../../server/db/database.js';
import { createUserToken } from '../../server/identity/api-tokens.js';
import { registerServer } from '../../server/identity/servers.js';
import { createTenant } from '../../server/identity/tenants.js';
import { createUser } from '../../server/identity/users.js';
import { newId } from '../../server/ids.js';
import { inTransaction } from '../../server/service-context.js';
import { databaseBeforeMigration } from '../support/database-before-migration.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

/** The journal index of the migration that put the settings in the log. */
const SETTINGS_MIGRATION = 14;

let t: TestVigil;
const clock = new ManualClock();
let older: { tenantId: string; adminId: string; token: string; serverId: string; policyId: string };

beforeAll(async () => {
  const database = await databaseBeforeMigration(SETTINGS_MIGRATION);
  const db = database.handle.db;
  const tenant = await db.transaction((tx) => createTenant(tx, { slug: 'older', name: 'Older' }));
  older = await inTransaction({ db, clock, actor: { type: 'system', tenantId: tenant.id, name: 'test' } }, async (tx) => {
    const admin = await createUser(tx, { email: 'admin@older.test', name: 'Admin', role: 'admin' });
    const { token } = await createUserToken(tx, { userId: admin.id, name: 'admin' });
    const server = await registerServer(tx, { name: 'db-01', hostname: 'db01.older.test', labels: [{ key: 'env', value: 'prod' }] });
    // As the tables were then: today's service would write columns added since (0021 on).
    const policyId = newId();
    await tx.db.execute(sql`insert into approval_policies (tenant_id, id, name, request_kinds) values (${tenant.id}, ${policyId}, 'prod', '{access}')`);
    return { tenantId: tenant.id, adminId: admin.id, token, serverId: server.id, policyId };
  });
  t = await startTestVigil({ clock, database: await database.handOver() });
});
afterAll(async () => t?.close());

describe('upgrading to settings in the log', () => {
  it('gives every stored setting a leaf, explained by the upgrade’s audit entry, and the log verifies intact', async () => {
    const leaves = await queryRows<{ kind: string; record_id: string }>(
      t.vigil.database.db,
      sql`select kind, record_id from log_leaves where tenant_id = ${older.tenantId}`,
    );
    const records = leaves.map((leaf) => `${leaf.kind} ${leaf.record_id}`);
    expect(records).toEqual(expect.arrayContaining([`user ${older.adminId}`, `server ${older.serverId}`, `approval_policy ${older.policyId}`]));
    expect(leaves.filter((leaf) => leaf.kind === 'api_token')).toHaveLength(1);

    const audit = await t.gql<any>('{ auditLog(first: 5, filter: { action: ["log.coverage_extended"] }) { nodes { actorType actorId after } } }', older.token);
    expect(audit.errors).toBeUndefined();
    expect(audit.data!.auditLog.nodes).toEqual([
      expect.objectContaining({
        actorType: 'SYSTEM',
        actorId: 'migration',
        after: expect.objectContaining({ kinds: expect.arrayContaining(['user', 'api_token']) }),
      }),
    ]);

    const report = await t.gql<any>('{ logIntegrity { isIntact faults { kind recordKind recordId message } } }', older.token);
    expect(report.errors).toBeUndefined();
    expect(report.data!.logIntegrity).toEqual({ isIntact: true, faults: [] });
  });
});
