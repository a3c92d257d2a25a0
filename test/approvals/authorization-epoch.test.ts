/**
 * The authorization epoch agents read: it moves with every change a session authorization rests on
 * (a policy, an access session, a user, a server), by whatever path the change is written, stays
 * put for records that do not matter to it (commands), never moves back when old change rows are
 * pruned, and is the agent's own tenant's.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneAuthorizationChanges } from '../../server/approvals/authorization-epoch.js';
import { queryRows } from '../../server/db/database.js';
import { buildRecordsFixture, ingest, minutesAgo, type RecordsFixture } from '../support/records-fixture.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let f: RecordsFixture;
beforeAll(async () => {
  t = await startTestVigil();
  f = await buildRecordsFixture(t);
});
afterAll(() => t?.close());

async function epoch(agentToken = f.web.agentToken): Promise<bigint> {
  const answer = await t.gql<{ authorizationEpoch: string }>('{ authorizationEpoch }', agentToken);
  expect(answer.errors).toBeUndefined();
  return BigInt(answer.data!.authorizationEpoch);
}

async function movesWith(change: () => Promise<unknown>): Promise<void> {
  const before = await epoch();
  await change();
  expect(await epoch()).toBeGreaterThan(before);
}

describe('the authorization epoch', () => {
  it('moves with policies, access sessions, users and servers, and not with records', async () => {
    await movesWith(async () => {
      const created = await t.gql(`mutation($input: CreateApprovalPolicyInput!) { createApprovalPolicy(input: $input) { id } }`, f.admin.token, {
        input: { name: 'prod', requestKinds: ['ACCESS'], serverLabels: [{ key: 'env', value: 'prod' }], isAccessSessionRequired: true },
      });
      expect(created.errors).toBeUndefined();
    });
    await movesWith(async () => {
      const revoked = await t.gql(`mutation($id: ID!) { revokeAccessSession(id: $id, reason: "r") { status } }`, f.admin.token, { id: f.aliceAccess.id });
      expect(revoked.errors).toBeUndefined();
    });
    await movesWith(async () =>
      expect((await t.gql(`mutation($id: ID!) { disableUser(id: $id) { id } }`, f.admin.token, { id: f.bob.id })).errors).toBeUndefined(),
    );
    await movesWith(async () =>
      expect((await t.gql(`mutation($id: ID!) { deleteServer(id: $id) { id } }`, f.admin.token, { id: f.db.id })).errors).toBeUndefined(),
    );
    // Written around Vigil's services, by hand: the trigger sees it all the same.
    await movesWith(() =>
      t.vigil.database.db.execute(sql`update users set name = 'Alice A.' where tenant_id = ${f.admin.tenantId} and id = ${f.alice.id}::uuid`),
    );

    const before = await epoch();
    const reported = await ingest(t, f.web.agentToken, [
      { eventId: 'epoch-c1', kind: 'COMMAND', command: { shell: 'INTERNAL', line: 'uptime', status: 'SUCCESS', submittedAt: minutesAgo(t, 1) } },
    ]);
    expect(reported.errors).toBeUndefined();
    expect(await epoch()).toBe(before);
  });

  it("is the agent's own tenant's, and does not move back when old change rows are pruned", async () => {
    expect(await epoch(f.other.server.agentToken)).not.toBe(await epoch());
    const before = await epoch();
    const pruned = await pruneAuthorizationChanges(t.vigil.database.db, new Date(Date.now() + 2 * 60 * 60_000));
    expect(pruned).toBeGreaterThan(0);
    expect(await epoch()).toBe(before);
    const [left] = await queryRows<{ count: number }>(
      t.vigil.database.db,
      sql`select count(*)::int as count from authorization_changes where tenant_id = ${f.admin.tenantId}`,
    );
    expect(left!.count).toBe(1);
  });
});
