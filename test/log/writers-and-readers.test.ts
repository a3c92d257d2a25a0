/**
 * Writers return at commit, leaves queued; the sequencer places them a moment later. A reader of
 * what the sequencer derives must still see every write committed before its request, whichever
 * instance wrote it and whether or not a run was asked for.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAuditEntries } from '../../server/audit/append-entries.js';
import { queryRows } from '../../server/db/database.js';
import { addServer } from '../support/records-fixture.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;

beforeAll(async () => {
  t = await startTestVigil();
});
afterAll(async () => t?.close());

/** A write as another instance's writer commits it: rows and their audit entry, leaves queued, no run asked for here. */
async function writeElsewhere(tenantId: string, serverId: string, message: string): Promise<{ logId: string; entryId: string }> {
  return t.vigil.database.db.transaction(async (tx) => {
    const [row] = await queryRows<{ id: string }>(
      tx,
      sql`insert into system_logs (tenant_id, id, event_id, server_id, program, level, pid, message, logged_at)
          values (${tenantId}, gen_random_uuid(), ${`elsewhere-${message}`}, ${serverId}, 'sshd', 'info', 4242, ${message}, now())
          returning id::text`,
    );
    const [entryId] = await appendAuditEntries(tx, tenantId, [
      {
        occurredAt: new Date(),
        actorType: 'agent',
        actorId: serverId,
        action: 'events.ingested',
        resourceType: 'server',
        resourceId: serverId,
        after: { counts: { system_log: 1 } },
      },
    ]);
    return { logId: row!.id, entryId: entryId! };
  });
}

async function queuedOf(tenantId: string): Promise<number> {
  const [row] = await queryRows<{ queued: number }>(
    t.vigil.database.db,
    sql`select count(*)::int as queued from log_leaves where tenant_id = ${tenantId} and idx is null`,
  );
  return row!.queued;
}

describe('writers and readers of the log', () => {
  it('shows a write committed before the request in every log-derived read, though no run was asked for', async () => {
    const { tenantId, admin } = await t.createTenant('read-after-write');
    const server = await addServer(t, tenantId, 'web-raw');
    await t.vigil.log.whenIdle();

    const audited = await writeElsewhere(tenantId, server.id, 'audited');
    expect(await queuedOf(tenantId)).toBe(2);
    const log = await t.gql<any>('{ auditLog(first: 5, filter: { action: ["events.ingested"] }) { nodes { id seq logLeaf { index } } } }', admin.token);
    expect(log.errors).toBeUndefined();
    const entry = log.data!.auditLog.nodes.find((node: any) => node.id === audited.entryId);
    expect(entry?.seq).toBeGreaterThan(0);
    expect(entry.logLeaf.index).toBeGreaterThan(0);

    const versioned = await writeElsewhere(tenantId, server.id, 'versioned');
    const versions = await t.gql<any>('query($id: String!) { logLeaves(recordId: $id) { index recordId } }', admin.token, { id: versioned.logId });
    expect(versions.errors).toBeUndefined();
    expect(versions.data!.logLeaves).toHaveLength(1);
    expect(versions.data!.logLeaves[0].index).toBeGreaterThan(0);

    const placed = await writeElsewhere(tenantId, server.id, 'placed');
    const logs = await t.gql<any>('{ systemLogs(first: 10) { nodes { id logLeaf { index } } } }', admin.token);
    expect(logs.errors).toBeUndefined();
    expect(logs.data!.systemLogs.nodes.find((node: any) => node.id === placed.logId)?.logLeaf.index).toBeGreaterThan(0);
    expect(await queuedOf(tenantId)).toBe(0);
  });

  it('answers a writer at its commit and places its leaves in the run it asked for', async () => {
    const { tenantId, admin } = await t.createTenant('answered-at-commit');
    await t.vigil.log.whenIdle();
    const made = await t.gql<any>('mutation { createUserToken(input: { name: "ci" }) { token } }', admin.token);
    expect(made.errors).toBeUndefined();
    await t.vigil.log.whenIdle();
    expect(await queuedOf(tenantId)).toBe(0);
    const [chain] = await queryRows<{ unchained: number }>(
      t.vigil.database.db,
      sql`select count(*) filter (where seq is null)::int as unchained from audit_entries where tenant_id = ${tenantId}`,
    );
    expect(chain!.unchained).toBe(0);
  });
});
