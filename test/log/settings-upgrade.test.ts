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
import { startAuditChain } from '../../server/audit/append-entries.js';
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
  // As the tables were then: today's services would write columns added since (tenants and users 0036, policies 0021 on).
  const tenantId = newId();
  const adminId = newId();
  const policyId = newId();
  await db.transaction(async (tx) => {
    await tx.execute(sql`insert into tenants (id, slug, name) values (${tenantId}, 'older', 'Older')`);
    await startAuditChain(tx, tenantId);
    await tx.execute(sql`insert into users (tenant_id, id, email, name, role) values (${tenantId}, ${adminId}, 'admin@older.test', 'Admin', 'admin')`);
    await tx.execute(sql`insert into approval_policies (tenant_id, id, name, request_kinds) values (${tenantId}, ${policyId}, 'prod', '{access}')`);
  });
  const server = await inTransaction({ db, clock, actor: { type: 'system', tenantId, name: 'test' } }, (tx) =>
    registerServer(tx, { name: 'db-01', hostname: 'db01.older.test', labels: [{ key: 'env', value: 'prod' }] }),
  );
  t = await startTestVigil({ clock, database: await database.handOver() });
  // The admin's token is made after the upgrade (its service reads the user as the table is now).
  const { token } = await inTransaction(t.systemContext(tenantId), (tx) => createUserToken(tx, { userId: adminId, name: 'admin' }));
  older = { tenantId, adminId, token, serverId: server.id, policyId };
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
