import { generateKeyPairSync } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointNow } from '../../server/audit/checkpoints.js';
import { applyRetention } from '../../server/audit/retention.js';
import { publishSigningKey, signingKeyFromPem } from '../../server/audit/signing-key.js';
import type { ManualClock } from '../../server/clock.js';
import { queryRows } from '../../server/db/database.js';
import { entryCount } from '../support/audit-tamper.js';
import { buildRecordsFixture, ingest, minutesAgo } from '../support/records-fixture.js';
import { startTestVigil, TEST_SIGNING_KEY, type TestUser, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let clock: ManualClock;
const key = signingKeyFromPem(TEST_SIGNING_KEY);

beforeAll(async () => {
  t = await startTestVigil({ env: { VIGIL_CHECKPOINT_EVERY: '5', VIGIL_CHECKPOINT_MINUTES: '60' } });
  clock = t.clock as ManualClock;
});
afterAll(async () => t?.close());

async function checkpointsOf(tenantId: string) {
  return queryRows<{ seq: number; key_id: string }>(
    t.vigil.database.db,
    sql`select seq::int, key_id from audit_checkpoints where tenant_id = ${tenantId} order by signed_at, seq`,
  );
}

async function integrity(token: string) {
  const response = await t.gql<any>('{ auditIntegrity { isIntact fromSeq toSeq checkedCheckpoints fault { seq kind } } }', token);
  expect(response.errors).toBeUndefined();
  return response.data!.auditIntegrity;
}

async function makeChanges(admin: TestUser, count: number, prefix: string): Promise<void> {
  for (let index = 0; index < count; index++) await t.gql(`mutation { createUserToken(input: { name: "${prefix}-${index}" }) { token } }`, admin.token);
}

describe('signed checkpoints', () => {
  async function logCheckpointsOf(tenantId: string) {
    await t.vigil.log.whenIdle();
    return queryRows<{ size: number; signed_at: string }>(
      t.vigil.database.db,
      sql`select size::int, signed_at::text from log_checkpoints where tenant_id = ${tenantId} order by signed_at, size`,
    );
  }

  it('signs a checkpoint of the log in the step that leaves N leaves unsigned, and not before', async () => {
    const { tenantId, admin } = await t.createTenant('every-n');
    const first = await logCheckpointsOf(tenantId);
    expect(first).toHaveLength(1);
    await makeChanges(admin, 1, 'a');
    expect(await logCheckpointsOf(tenantId)).toHaveLength(1);
    await makeChanges(admin, 6, 'b');
    const after = await logCheckpointsOf(tenantId);
    expect(after.length).toBeGreaterThanOrEqual(2);
    for (let index = 1; index < after.length; index++) expect(after[index]!.size - after[index - 1]!.size).toBeGreaterThanOrEqual(5);
    const [head] = await queryRows<{ size: number }>(t.vigil.database.db, sql`select size::int from log_heads where tenant_id = ${tenantId}`);
    expect(head!.size - after.at(-1)!.size).toBeLessThan(5);
  });

  it('signs a checkpoint for a quiet period too, of the same size, proving nothing was written', async () => {
    const { tenantId } = await t.createTenant('quiet');
    const [first] = await logCheckpointsOf(tenantId);
    clock.advance(61 * 60_000);
    await t.vigil.log.runMaintenance();
    const all = await logCheckpointsOf(tenantId);
    expect(all).toHaveLength(2);
    expect(all[1]!.size).toBe(first!.size);
    expect(Date.parse(all[1]!.signed_at) - Date.parse(first!.signed_at)).toBeGreaterThanOrEqual(60 * 60_000);
  });

  it('trusts keys from configuration only: a key added to the signing-keys table vouches for nothing', async () => {
    const { tenantId, admin } = await t.createTenant('rotated');
    await checkpointNow(t.vigil.database.db, clock, key, tenantId);
    const intruderKey = signingKeyFromPem(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    await publishSigningKey(t.vigil.database.db, intruderKey);
    await makeChanges(admin, 3, 'after-rotation');
    await checkpointNow(t.vigil.database.db, clock, intruderKey, tenantId);
    expect(new Set((await checkpointsOf(tenantId)).map((checkpoint) => checkpoint.key_id))).toEqual(new Set([key.keyId, intruderKey.keyId]));
    expect(await integrity(admin.token)).toMatchObject({ isIntact: false, fault: { kind: 'BAD_SIGNATURE' } });
    const keys = await t.gql<any>('{ auditSigningKeys { keyId algorithm publicKey } }', admin.token);
    const published = keys.data!.auditSigningKeys.map((entry: { keyId: string }) => entry.keyId);
    expect(published).toEqual(expect.arrayContaining([key.keyId, intruderKey.keyId]));
    expect(keys.data!.auditSigningKeys[0].publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });
});

describe('retention', () => {
  it('prunes old audit entries at a checkpoint, and the chain still verifies intact from it', async () => {
    const { tenantId, admin } = await t.createTenant('pruned');
    await makeChanges(admin, 6, 'old');
    // Writers do not wait for the sequencer; the checkpoint is of the chain once it has numbered them.
    await t.vigil.log.whenIdle();
    const cut = await checkpointNow(t.vigil.database.db, clock, key, tenantId);
    clock.advance(40 * 86_400_000);
    await makeChanges(admin, 4, 'new');
    const set = await t.gql<any>('mutation { setRetentionPolicy(kind: AUDIT_LOG, days: 30) { kind days } }', admin.token);
    expect(set.data!.setRetentionPolicy).toEqual([{ kind: 'AUDIT_LOG', days: 30 }]);
    const before = await entryCount(t.vigil.database.db, tenantId);
    const results = await applyRetention(t.vigil.database.db, clock);
    expect(results.find((result) => result.tenantId === tenantId && result.kind === 'audit_log')!.deleted).toBe(cut.seq);
    const after = await entryCount(t.vigil.database.db, tenantId);
    expect(after.min).toBe(cut.seq + 1);
    expect(after.max).toBeGreaterThan(before.max);
    expect(await integrity(admin.token)).toMatchObject({ isIntact: true, fromSeq: cut.seq + 1, fault: null });
  });

  it('prunes old commands and keeps records still referenced by newer ones', async () => {
    const fixture = await buildRecordsFixture(t);
    const response = await ingest(t, fixture.web.agentToken, [
      {
        eventId: 'old-session',
        kind: 'TERMINAL_SESSION_STARTED',
        terminalSessionStarted: { userId: fixture.alice.id, username: 'alice', source: 'WEB_TERMINAL', startedAt: minutesAgo(t, 60 * 24 * 20) },
      },
      {
        eventId: 'old-cmd',
        kind: 'COMMAND',
        command: {
          shell: 'SYSTEM',
          line: 'old # retention',
          terminalSessionEventId: 'old-session',
          status: 'SUCCESS',
          submittedAt: minutesAgo(t, 60 * 24 * 20),
        },
      },
      {
        eventId: 'kept-session',
        kind: 'TERMINAL_SESSION_STARTED',
        terminalSessionStarted: { userId: fixture.alice.id, username: 'alice', source: 'WEB_TERMINAL', startedAt: minutesAgo(t, 60 * 24 * 20) },
      },
      {
        eventId: 'new-cmd',
        kind: 'COMMAND',
        command: { shell: 'SYSTEM', line: 'new # retention', terminalSessionEventId: 'kept-session', status: 'SUCCESS', submittedAt: minutesAgo(t, 60) },
      },
    ]);
    expect(response.errors).toBeUndefined();
    await t.gql('mutation { setRetentionPolicy(kind: COMMANDS, days: 10) { kind } }', t.admin.token);
    await t.gql('mutation { setRetentionPolicy(kind: TERMINAL_SESSIONS, days: 10) { kind } }', t.admin.token);
    await applyRetention(t.vigil.database.db, clock);
    const commands = await t.gql<any>('{ commands(filter: { search: "# retention" }) { nodes { line } } }', t.admin.token);
    expect(commands.data!.commands.nodes).toEqual([{ line: 'new # retention' }]);
    const sessions = await t.gql<any>('{ terminalSessions(first: 100) { nodes { eventId } } }', t.admin.token);
    const eventIds = sessions.data!.terminalSessions.nodes.map((node: { eventId: string }) => node.eventId);
    expect(eventIds).toContain('kept-session');
    expect(eventIds).not.toContain('old-session');
    const applied = await t.gql<any>('{ auditLog(filter: { action: ["retention.applied"] }) { nodes { resourceType after } } }', t.admin.token);
    expect(applied.data!.auditLog.nodes.map((node: any) => [node.resourceType, node.after.deleted]).sort()).toEqual([
      ['commands', 1],
      ['terminal_sessions', 1],
    ]);
  });

  it('is set by admins only, with a sane number of days', async () => {
    const regular = await t.createUser(t.admin.tenantId, { email: 'rene@example.test', permissions: ['audit_logs.view'] });
    const forbidden = await t.gql('mutation { setRetentionPolicy(kind: AUDIT_LOG, days: 1) { kind } }', regular.token);
    expect(forbidden.errors![0]!.extensions.code).toBe('FORBIDDEN');
    const bad = await t.gql('mutation { setRetentionPolicy(kind: AUDIT_LOG, days: 0) { kind } }', t.admin.token);
    expect(bad.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'days' });
  });
});
