/**
 * One sequencer run serves every tenant whose writers wait on it: writers of many tenants at once
 * all find their leaves in their own tenant's tree, numbered without gaps, with the audit chain
 * contiguous per tenant; and a tenant whose stored tree is damaged stalls no other tenant.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../server/db/database.js';
import { asIntruder, one, withoutTriggers } from '../support/log-tamper.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;

beforeAll(async () => {
  t = await startTestVigil();
});
afterAll(async () => t?.close());

const CREATE_USER = 'mutation($email: String!) { createUser(input: { email: $email }) { id } }';
const AUDIT_SEQS = '{ auditLog(first: 100) { edges { node { seq action } } } }';

async function tenants(count: number, prefix: string): Promise<{ tenantId: string; admin: TestUser }[]> {
  const made = [];
  for (let n = 0; n < count; n++) made.push(await t.createTenant(`${prefix}-${n}`));
  return made;
}

async function logState(tenantId: string) {
  await t.vigil.log.whenIdle();
  return one<{ leaves: string; queued: string; max: string | null; size: string | null }>(
    t.vigil.database.db,
    sql`select count(*) as leaves, count(*) filter (where idx is null) as queued, max(idx) as max,
               (select size from log_heads where tenant_id = ${tenantId}) as size
        from log_leaves where tenant_id = ${tenantId}`,
  );
}

describe('group sequencing', () => {
  it('integrates the leaves of many tenants written at once, each into its own tree, in the runs their writers ask for', async () => {
    const group = await tenants(6, 'group');
    const before = new Map<string, number>();
    for (const { tenantId } of group) before.set(tenantId, Number((await logState(tenantId)).size ?? 0));

    const responses = await Promise.all(
      group.flatMap(({ admin }, n) => Array.from({ length: 5 }, (_, k) => t.gql(CREATE_USER, admin.token, { email: `u${k}@group-${n}.test` }))),
    );
    for (const response of responses) expect(response.errors).toBeUndefined();

    for (const { tenantId, admin } of group) {
      // Once the runs asked for are done: nothing of the tenant is left queued, and positions have no gap.
      const state = await logState(tenantId);
      expect(Number(state.queued)).toBe(0);
      expect(Number(state.max) + 1).toBe(Number(state.leaves));
      expect(Number(state.size)).toBe(Number(state.leaves));
      expect(Number(state.size)).toBeGreaterThanOrEqual(before.get(tenantId)! + 5 * 2);

      const chain = await one<{ count: string; min: string; max: string; unchained: string }>(
        t.vigil.database.db,
        sql`select count(*) filter (where seq is not null) as count, min(seq) as min, max(seq) as max, count(*) filter (where seq is null) as unchained
            from audit_entries where tenant_id = ${tenantId}`,
      );
      expect(Number(chain.unchained)).toBe(0);
      expect(Number(chain.max) - Number(chain.min) + 1).toBe(Number(chain.count));

      const log = await t.gql<any>(AUDIT_SEQS, admin.token);
      const created = log.data!.auditLog.edges.filter((edge: any) => edge.node.action === 'user.created');
      // The tenant's first admin and the five users made at once.
      expect(created).toHaveLength(6);

      const integrity = await t.gql<any>('{ logIntegrity { isIntact faultCount } }', admin.token);
      expect(integrity.data!.logIntegrity).toEqual({ isIntact: true, faultCount: 0 });
    }
  });

  it('keeps integrating other tenants while one tenant’s stored tree is damaged', async () => {
    const [busy, damaged, healthy] = await tenants(3, 'fallback');
    // The runs their creation asked for are done before the tree is damaged.
    await t.vigil.log.whenIdle();
    await withoutTriggers(t.vigil.database.db, async (tx) => {
      await tx.execute(sql`delete from log_nodes where tenant_id = ${damaged!.tenantId}`);
    });
    // An audit entry queued in each of the two, as Vigil's writer would, not yet integrated.
    await asIntruder(
      t.vigil.database.db,
      async (tx) => {
        for (const { tenantId } of [damaged!, healthy!]) {
          await tx.execute(sql`create temp table copied on commit drop as select * from audit_entries where tenant_id = ${tenantId} limit 1`);
          await tx.execute(sql`update copied set id = gen_random_uuid(), seq = null, prev_hash = null, hash = null`);
          await tx.execute(sql`insert into audit_entries select * from copied`);
          await tx.execute(sql`drop table copied`);
        }
      },
      { asVigil: true },
    );
    expect(Number((await logState(healthy!.tenantId)).queued)).toBe(1);

    // While a run serves `busy`, both ask: the next run serves them together, and fails on the damaged tree.
    const running = t.vigil.log.integrate(busy!.tenantId);
    const [toDamaged, toHealthy] = await Promise.allSettled([t.vigil.log.integrate(damaged!.tenantId), t.vigil.log.integrate(healthy!.tenantId)]);
    await running;
    expect(toDamaged.status).toBe('rejected');
    expect(toHealthy.status).toBe('fulfilled');
    expect(Number((await logState(healthy!.tenantId)).queued)).toBe(0);
    expect(Number((await logState(damaged!.tenantId)).queued)).toBe(1);
    const [healthyChain] = await queryRows<{ unchained: string }>(
      t.vigil.database.db,
      sql`select count(*) filter (where seq is null) as unchained from audit_entries where tenant_id = ${healthy!.tenantId}`,
    );
    expect(Number(healthyChain!.unchained)).toBe(0);
  });
});
