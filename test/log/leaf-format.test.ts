/**
 * The leaf format an auditor re-implements: RFC 8785 canonical JSON of every stored column, so a
 * leaf re-serialised by any RFC 8785 library is byte for byte the same, and a column added to a
 * covered table without a new leaf function fails here. Retention drops leaf text with a
 * statement, and the log still verifies.
 */
import canonicalizeModule from 'canonicalize';
import { sql } from 'drizzle-orm';
import { getTableConfig } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRetention } from '../../server/audit/retention.js';
import { queryRows } from '../../server/db/database.js';
import { LEAF_KINDS } from '../../server/log/leaf-kinds.js';
import { appendRetentionStatement } from '../../server/log/retention-statements.js';
import { asIntruder } from '../support/log-tamper.js';
import { addServer, ingest, minutesAgo } from '../support/records-fixture.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';
import type { ManualClock } from '../../server/clock.js';

const canonicalize = canonicalizeModule as unknown as (input: unknown) => string;
let t: TestVigil;

beforeAll(async () => {
  t = await startTestVigil();
});
afterAll(async () => t?.close());

const TRICKY = 'tab\there "quoted" back\\slash \u0001\u001f\u007f é 中 😀 </script> \u2028';

describe('leaves', () => {
  it('are RFC 8785 canonical JSON of every stored column of their table, whatever the text holds', async () => {
    const { tenantId, admin } = await t.createTenant('canonical');
    const user = await t.createUser(tenantId, { email: 'ops@canonical.test' });
    const server = await addServer(t, tenantId, 'web-canonical');
    const response = await ingest(t, server.agentToken, [
      {
        eventId: 's1',
        kind: 'TERMINAL_SESSION_STARTED',
        terminalSessionStarted: {
          userId: user.id,
          username: 'ops',
          source: 'WEB_TERMINAL',
          remoteIp: '2001:db8::1',
          browser: TRICKY,
          startedAt: minutesAgo(t, 9),
        },
      },
      {
        eventId: 'c1',
        kind: 'COMMAND',
        command: {
          shell: 'SYSTEM',
          line: TRICKY,
          workingDirectory: TRICKY,
          terminalSessionEventId: 's1',
          status: 'FAILED',
          exitCode: -2147483648,
          result: TRICKY,
          submittedAt: minutesAgo(t, 8),
        },
      },
      {
        eventId: 'c2',
        kind: 'COMMAND',
        command: { shell: 'SYSTEM', line: 'uptime', terminalSessionEventId: 's1', status: 'SUCCESS', submittedAt: minutesAgo(t, 8) },
      },
      {
        eventId: 'f1',
        kind: 'FILE_TRANSFER',
        fileTransfer: {
          userId: user.id,
          username: 'ops',
          direction: 'UPLOAD',
          objectName: TRICKY,
          path: '/tmp/x',
          sizeBytes: 9007199254740991,
          remoteIp: '10.0.0.1',
          status: 'SUCCESS',
          occurredAt: minutesAgo(t, 7),
        },
      },
      { eventId: 'l1', kind: 'SYSTEM_LOG', systemLog: { program: 'sshd', level: 'WARNING', pid: 0, message: TRICKY, loggedAt: minutesAgo(t, 6) } },
      {
        eventId: 'g1',
        kind: 'SUDO_AUTHORIZATION',
        sudoAuthorization: { userId: user.id, command: TRICKY, isPattern: true, grantedVia: 'POLICY', grantedAt: minutesAgo(t, 5) },
      },
    ]);
    expect(response.errors).toBeUndefined();
    await t.gql(`mutation { changeUserRole(id: "${user.id}", role: ADMIN) { role } }`, admin.token);

    const leaves = await queryRows<{ kind: string; leaf: string; xact: string }>(
      t.vigil.database.db,
      sql`select kind, leaf, xact from log_leaves where tenant_id = ${tenantId}`,
    );
    expect(leaves.length).toBeGreaterThan(8);
    for (const { kind, leaf, xact } of leaves) {
      expect(canonicalize(JSON.parse(leaf)), `${kind} leaf`).toBe(leaf);
      const parsed = JSON.parse(leaf) as { kind: string; row: Record<string, unknown>; v: number; xact: number };
      // Format 2: the row and the transaction that wrote it, which the hash then covers.
      expect(parsed).toMatchObject({ kind, v: 2, xact: Number(xact) });
      const leafKind = LEAF_KINDS.find((candidate) => candidate.kind === kind)!;
      const columns = getTableConfig(leafKind.table)
        .columns.map((column) => column.name)
        .filter((name) => !leafKind.excluded?.includes(name))
        // A column added later is there when it holds a value (asserted for commands below).
        .filter((name) => !leafKind.addedLater?.includes(name) || name in parsed.row)
        .map((name) => (leafKind.digested?.includes(name) ? `${name}_sha256` : name));
      expect(Object.keys(parsed.row).sort(), `${kind} leaf columns`).toEqual(columns.sort());
    }
    const commandLeaves = leaves.map((row) => JSON.parse(row.leaf)).filter((leaf) => leaf.kind === 'command');
    const command = commandLeaves.find((leaf) => leaf.row.event_id === 'c1');
    expect(command.row).toMatchObject({ line: TRICKY, working_directory: TRICKY, exit_code: -2147483648, status: 'failed', submitted_at: minutesAgo(t, 8) });
    // Without a working directory the leaf is what it was before the column existed (migration 0015).
    const withoutDirectory = commandLeaves.find((leaf) => leaf.row.event_id === 'c2');
    expect(Object.keys(withoutDirectory.row)).not.toContain('working_directory');
    expect(Object.keys(withoutDirectory.row)).toHaveLength(Object.keys(command.row).length - 1);
    const session = leaves.map((row) => JSON.parse(row.leaf)).find((leaf) => leaf.kind === 'terminal_session');
    expect(session.row.remote_ip).toBe('2001:db8::1');
    const transfer = leaves.map((row) => JSON.parse(row.leaf)).find((leaf) => leaf.kind === 'file_transfer');
    expect(transfer.row.size_bytes).toBe(9007199254740991);
    const audit = leaves.map((row) => JSON.parse(row.leaf)).find((leaf) => leaf.kind === 'audit_entry' && leaf.row.action === 'user.role_changed');
    expect(audit.row.after).toMatchObject({ role: 'admin' });
  });

  it('lose their text to retention with a statement in the log, and the log still verifies', async () => {
    const { tenantId, admin } = await t.createTenant('retained');
    const server = await addServer(t, tenantId, 'web-retained');
    const old = await ingest(t, server.agentToken, [
      { eventId: 'old', kind: 'COMMAND', command: { shell: 'SYSTEM', line: 'old', status: 'RUNNING', submittedAt: minutesAgo(t, 60 * 24 * 20) } },
      { eventId: 'new', kind: 'COMMAND', command: { shell: 'SYSTEM', line: 'new', status: 'SUCCESS', submittedAt: minutesAgo(t, 5) } },
    ]);
    expect(old.errors).toBeUndefined();
    await ingest(t, server.agentToken, [
      { eventId: 'done', kind: 'COMMAND_UPDATE', commandUpdate: { commandEventId: 'old', status: 'SUCCESS', reportedAt: minutesAgo(t, 60 * 24 * 20 - 1) } },
    ]);
    await t.vigil.log.settle(tenantId, { force: true });
    await t.gql('mutation { setRetentionPolicy(kind: COMMANDS, days: 10) { kind } }', admin.token);
    (t.clock as ManualClock).advance(1000);
    await applyRetention(t.vigil.database.db, t.clock);

    const oldId = old.data.ingestEvents.events[0].recordId;
    const pruned = await queryRows<{ kind: string; leaf: string | null }>(
      t.vigil.database.db,
      sql`select kind, leaf from log_leaves where tenant_id = ${tenantId} and (record_id = ${oldId} or kind in ('command_status_change', 'log_statement'))`,
    );
    expect(pruned.filter((row) => row.kind !== 'log_statement').every((row) => row.leaf === null)).toBe(true);
    const statements = pruned.filter((row) => row.kind === 'log_statement').map((row) => JSON.parse(row.leaf!).statement);
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'retention.pruned',
          leafKind: 'command',
          leaves: 2,
          days: 10,
          policy: 'commands',
          indexes: expect.stringMatching(/^\d+(-\d+)?(,\d+(-\d+)?)*$/),
        }),
        expect.objectContaining({ leafKind: 'command_status_change', leaves: 1 }),
      ]),
    );

    const report = await t.gql<any>('{ logIntegrity { isIntact faults { kind message } } }', admin.token);
    expect(report.data!.logIntegrity).toEqual({ isIntact: true, faults: [] });
    const exported = await fetch(`${t.url.replace(/\/graphql$/, '')}/export/log.jsonl`, { headers: { authorization: `Bearer ${admin.token}` } });
    expect(exported.status).toBe(200);
    const { verifyLogFile } = await import('../../server/export/verify-log-jsonl.js');
    const lines = (await exported.text()).split('\n');
    const fileReport = await verifyLogFile(
      (async function* () {
        yield* lines;
      })(),
    );
    expect(fileReport).toMatchObject({ isIntact: true });

    // An intruder who deletes a record and writes a retention statement of their own, for a policy
    // nobody set, explains nothing.
    const newId = old.data.ingestEvents.events[1].recordId;
    await asIntruder(t.vigil.database.db, async (tx) => {
      const [leaf] = await queryRows<{ idx: string }>(tx, sql`select idx from log_leaves where tenant_id = ${tenantId} and record_id = ${newId}`);
      await tx.execute(sql`delete from commands where tenant_id = ${tenantId} and id = ${newId}::uuid`);
      await tx.execute(sql`update log_leaves set leaf = null where tenant_id = ${tenantId} and record_id = ${newId}`);
      await appendRetentionStatement(
        tx,
        tenantId,
        { leafKind: 'command', indexes: [Number(leaf!.idx)] },
        { kind: 'commands', days: 1, olderThan: t.clock.now() },
      );
    });
    await t.vigil.log.integrate(tenantId);
    const forged = await t.gql<any>('{ logIntegrity { isIntact faults { kind recordId } } }', admin.token);
    expect(forged.data!.logIntegrity.faults).toContainEqual({ kind: 'LEAF_PRUNED_UNEXPLAINED', recordId: newId });
  });
});
