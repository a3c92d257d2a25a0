import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointNow } from '../../server/audit/checkpoints.js';
import { recordChange } from '../../server/audit/record-change.js';
import { signingKeyFromPem } from '../../server/audit/signing-key.js';
import { inTransaction } from '../../server/service-context.js';
import { deleteEntry, editSnapshot, entryCount, forgeEntry, swapEntries } from '../support/audit-tamper.js';
import { errorCodes } from '../support/graphql-client.js';
import { isPostgres } from '../support/test-database.js';
import { startTestVigil, TEST_SIGNING_KEY, type TestUser, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
const key = signingKeyFromPem(TEST_SIGNING_KEY);

beforeAll(async () => {
  t = await startTestVigil();
});
afterAll(async () => t?.close());

const INTEGRITY = '{ auditIntegrity { isIntact fromSeq toSeq checkedEntries checkedCheckpoints fault { seq kind message } } }';

/** A tenant whose admin made 12 audited changes, with a signed checkpoint of its head. */
async function chainWithCheckpoint(slug: string): Promise<{ tenantId: string; admin: TestUser; headSeq: number }> {
  const { tenantId, admin } = await t.createTenant(slug);
  for (let index = 0; index < 6; index++) {
    const user = await t.gql<any>(`mutation { createUser(input: { email: "u${index}@${slug}.test" }) { id } }`, admin.token);
    await t.gql(`mutation { changeUserRole(id: "${user.data!.createUser.id}", role: ADMIN) { role } }`, admin.token);
  }
  // Writers do not wait for the sequencer; the checkpoint is of the chain once it has numbered them.
  await t.vigil.log.whenIdle();
  const checkpoint = await checkpointNow(t.vigil.database.db, t.clock, key, tenantId);
  return { tenantId, admin, headSeq: checkpoint.seq };
}

async function integrity(token: string) {
  const response = await t.gql<any>(INTEGRITY, token);
  expect(response.errors).toBeUndefined();
  return response.data!.auditIntegrity;
}

describe('the chain', () => {
  it('numbers entries from 1 without gaps, links each to the one before, and verifies intact', async () => {
    const { tenantId, admin, headSeq } = await chainWithCheckpoint('intact');
    expect(await entryCount(t.vigil.database.db, tenantId)).toEqual({ count: headSeq, min: 1, max: headSeq });
    const report = await integrity(admin.token);
    expect(report).toMatchObject({ isIntact: true, fromSeq: 1, toSeq: headSeq, checkedEntries: headSeq, fault: null });
    expect(report.checkedCheckpoints).toBeGreaterThanOrEqual(1);
  });

  it('records who changed what, with before and after, and never a secret', async () => {
    const { admin } = await chainWithCheckpoint('snapshots');
    const response = await t.gql<any>(
      '{ auditLog(first: 50, filter: { action: ["user.role_changed", "token.created"] }) { nodes { seq actorType actorEmail action resourceType resourceName before after requestId clientIp } } }',
      admin.token,
    );
    const roleChange = response.data!.auditLog.nodes.find((node: any) => node.action === 'user.role_changed');
    expect(roleChange).toMatchObject({
      actorType: 'USER',
      actorEmail: 'admin@snapshots.test',
      resourceType: 'user',
      resourceName: 'u5@snapshots.test',
      before: { role: 'user', email: 'u5@snapshots.test' },
      after: { role: 'admin', email: 'u5@snapshots.test' },
    });
    expect(roleChange.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const all = await t.gql<any>('{ auditLog(first: 500) { nodes { before after } } }', admin.token);
    expect(JSON.stringify(all.data)).not.toMatch(/tokenHash|token_hash|vigil_user_/);
  });
});

describe('tampering', () => {
  it('catches an edited snapshot at its sequence as modified', async () => {
    const { tenantId, admin } = await chainWithCheckpoint('edited');
    await editSnapshot(t.vigil.database.db, tenantId, 5);
    expect((await integrity(admin.token)).fault).toMatchObject({ seq: 5, kind: 'MODIFIED' });
  });

  it('catches a deleted entry at its sequence as missing', async () => {
    const { tenantId, admin } = await chainWithCheckpoint('deleted');
    await deleteEntry(t.vigil.database.db, tenantId, 7);
    expect((await integrity(admin.token)).fault).toMatchObject({ seq: 7, kind: 'MISSING' });
  });

  it('catches two swapped entries as reordered', async () => {
    const { tenantId, admin } = await chainWithCheckpoint('swapped');
    await swapEntries(t.vigil.database.db, tenantId, 9);
    expect((await integrity(admin.token)).fault).toMatchObject({ seq: 9, kind: 'REORDERED' });
  });

  it('catches a forged entry inserted with recomputed hashes through the signed checkpoint', async () => {
    const { tenantId, admin } = await chainWithCheckpoint('forged');
    await forgeEntry(t.vigil.database.db, tenantId, 6);
    expect((await integrity(admin.token)).fault).toMatchObject({ seq: 6, kind: 'INSERTED' });
  });

  it('catches entries cut off the end after a checkpoint', async () => {
    const { tenantId, admin, headSeq } = await chainWithCheckpoint('truncated');
    await t.vigil.database.db.execute(sql`delete from audit_entries where tenant_id = ${tenantId} and seq >= ${headSeq - 1}`);
    await t.vigil.database.db.execute(
      sql`update audit_chain_heads set seq = ${headSeq - 2}, hash = (select hash from audit_entries where tenant_id = ${tenantId} and seq = ${headSeq - 2}) where tenant_id = ${tenantId}`,
    );
    expect((await integrity(admin.token)).fault).toMatchObject({ seq: headSeq - 1, kind: 'MISSING' });
  });

  it('catches a checkpoint whose signature does not verify', async () => {
    const { tenantId, admin, headSeq } = await chainWithCheckpoint('badsig');
    await t.vigil.database.db.execute(sql`update audit_checkpoints set head_hash = repeat('a', 64) where tenant_id = ${tenantId} and seq = ${headSeq}`);
    expect((await integrity(admin.token)).fault).toMatchObject({ seq: headSeq, kind: 'BAD_SIGNATURE' });
  });
});

describe('transactions', () => {
  it('leaves no entry when the change rolls back', async () => {
    const { tenantId } = await chainWithCheckpoint('rollback');
    const before = await entryCount(t.vigil.database.db, tenantId);
    await expect(
      inTransaction(t.systemContext(tenantId), async (tx) => {
        await recordChange(tx, { action: 'user.created', resource: { type: 'user', id: 'x' }, after: { email: 'ghost@rollback.test' } });
        throw new Error('the change failed after its entry was written');
      }),
    ).rejects.toThrow('the change failed');
    expect(await entryCount(t.vigil.database.db, tenantId)).toEqual(before);
  });

  it('writes nothing for a refused mutation', async () => {
    const { tenantId, admin } = await chainWithCheckpoint('refused');
    const before = await entryCount(t.vigil.database.db, tenantId);
    const duplicate = await t.gql('mutation { createUser(input: { email: "u1@refused.test" }) { id } }', admin.token);
    expect(errorCodes(duplicate)).toEqual(['CONFLICT']);
    expect(await entryCount(t.vigil.database.db, tenantId)).toEqual(before);
  });
});

describe.runIf(isPostgres)('concurrent writers on PostgreSQL', () => {
  it('keeps one contiguous, intact chain under 16 clients making 200 audited mutations each', async () => {
    const { tenantId, admin } = await t.createTenant('busy');
    const writers = await Promise.all(Array.from({ length: 16 }, (_, index) => t.createUser(tenantId, { email: `writer${index}@busy.test`, role: 'admin' })));
    const before = await entryCount(t.vigil.database.db, tenantId);
    await Promise.all(
      writers.map(async (writer, index) => {
        for (let round = 0; round < 200; round++) {
          const response = await t.gql(`mutation { createUserToken(input: { name: "w${index}-r${round}" }) { apiToken { id } } }`, writer.token);
          expect(response.errors).toBeUndefined();
        }
      }),
    );
    const after = await entryCount(t.vigil.database.db, tenantId);
    expect(after.count - before.count).toBe(3200);
    expect(after).toEqual({ count: after.max, min: 1, max: after.max });
    await checkpointNow(t.vigil.database.db, t.clock, key, tenantId);
    const report = await integrity(admin.token);
    expect(report).toMatchObject({ isIntact: true, fault: null });
    expect(report.checkedEntries).toBe(after.max);
  }, 180_000);
});
