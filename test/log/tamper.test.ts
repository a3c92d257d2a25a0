/**
 * Tampering with the record, each way someone with database access could try, caught by the
 * in-app verification and named: by record where a record is touched, by position or checkpoint
 * where the log is. Every case starts from a tenant whose log verifies intact.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../server/db/database.js';
import { addServer, ingest, minutesAgo } from '../support/records-fixture.js';
import { castLines, putChunk } from '../support/recording-agent.js';
import { asIntruder, one, rebuildTree, truncateLog } from '../support/log-tamper.js';
import { checkLeafFunctions } from '../../server/log/leaf-function-check.js';
import { leafFunctionDefinitions } from '../../server/log/leaf-sql.js';
import { FaultList } from '../../server/log/log-faults.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;

beforeAll(async () => {
  t = await startTestVigil();
});
afterAll(async () => t?.close());

const INTEGRITY = `query Integrity($anchor: [String!]) {
  logIntegrity(anchor: $anchor) { isIntact size checkedLeaves checkedRecords checkedCheckpoints queuedLeaves faultCount faults { kind index recordKind recordId message } }
}`;

interface Fault {
  kind: string;
  index: number | null;
  recordKind: string | null;
  recordId: string | null;
  message: string;
}

interface Tenant {
  tenantId: string;
  admin: TestUser;
  agentToken: string;
  ids: Record<string, string>;
}

/** A tenant with users, a server, every kind of agent record, a recording of two chunks and a signed checkpoint. */
async function recordedTenant(slug: string): Promise<Tenant> {
  const { tenantId, admin } = await t.createTenant(slug);
  const user = await t.createUser(tenantId, { email: `ops@${slug}.test` });
  const server = await addServer(t, tenantId, `web-${slug}`);
  const batch = await ingest(t, server.agentToken, [
    {
      eventId: 's1',
      kind: 'TERMINAL_SESSION_STARTED',
      terminalSessionStarted: { userId: user.id, username: 'ops', source: 'WEB_TERMINAL', startedAt: minutesAgo(t, 30) },
    },
    {
      eventId: 's2',
      kind: 'TERMINAL_SESSION_STARTED',
      terminalSessionStarted: { userId: user.id, username: 'ops', source: 'SHELL_CLI', startedAt: minutesAgo(t, 29) },
    },
    {
      eventId: 'c1',
      kind: 'COMMAND',
      command: { shell: 'SYSTEM', line: 'systemctl restart nginx', terminalSessionEventId: 's1', status: 'RUNNING', submittedAt: minutesAgo(t, 28) },
    },
    {
      eventId: 'c2',
      kind: 'COMMAND',
      command: {
        shell: 'SYSTEM',
        line: 'cat /etc/passwd',
        workingDirectory: '/home/ops',
        terminalSessionEventId: 's1',
        status: 'SUCCESS',
        submittedAt: minutesAgo(t, 27),
      },
    },
    {
      eventId: 'f1',
      kind: 'FILE_TRANSFER',
      fileTransfer: {
        userId: user.id,
        username: 'ops',
        direction: 'DOWNLOAD',
        objectName: 'dump.sql',
        path: '/tmp/dump.sql',
        status: 'SUCCESS',
        occurredAt: minutesAgo(t, 26),
      },
    },
    { eventId: 'l1', kind: 'SYSTEM_LOG', systemLog: { program: 'sshd', level: 'INFO', message: 'Accepted publickey for ops', loggedAt: minutesAgo(t, 25) } },
    {
      eventId: 'g1',
      kind: 'SUDO_AUTHORIZATION',
      sudoAuthorization: { userId: user.id, command: 'systemctl restart nginx', grantedVia: 'POLICY', grantedAt: minutesAgo(t, 24) },
    },
  ]);
  expect(batch.errors).toBeUndefined();
  const update = await ingest(t, server.agentToken, [
    { eventId: 'u1', kind: 'COMMAND_UPDATE', commandUpdate: { commandEventId: 'c1', status: 'SUCCESS', reportedAt: minutesAgo(t, 23), exitCode: 0 } },
  ]);
  expect(update.errors).toBeUndefined();
  const header = { version: 2 as const, width: 80, height: 24, timestamp: Math.floor(t.clock.now().getTime() / 1000) - 1800 };
  expect((await putChunk(t, server.agentToken, 's1', 0, castLines([[0.1, 'o', '$ systemctl restart nginx\r\n']], header))).status).toBe(201);
  expect((await putChunk(t, server.agentToken, 's1', 1, castLines([[0.5, 'o', 'ok\r\n']]), { final: 'true' })).status).toBe(201);
  const ids: Record<string, string> = {};
  for (const event of batch.data.ingestEvents.events) ids[event.eventId] = event.recordId;
  await t.vigil.log.settle(tenantId, { force: true });
  // The runs its writers asked for are done too: every tampering below acts on a quiet log.
  await t.vigil.log.whenIdle();
  return { tenantId, admin, agentToken: server.agentToken, ids };
}

async function integrity(tenant: Tenant, anchor?: string[]) {
  const response = await t.gql<any>(INTEGRITY, tenant.admin.token, anchor ? { anchor } : {});
  expect(response.errors).toBeUndefined();
  // The check is itself audited, and writers do not wait for the sequencer: what the tests do
  // next acts on a quiet log, not on one a run is still extending.
  await t.vigil.log.whenIdle();
  return response.data!.logIntegrity as {
    isIntact: boolean;
    size: number;
    faultCount: number;
    faults: Fault[];
    checkedRecords: number;
    checkedCheckpoints: number;
  };
}

const db = () => t.vigil.database.db;
const tamper = async (query: ReturnType<typeof sql>) => {
  await t.vigil.log.whenIdle();
  await asIntruder(db(), async (tx) => void (await tx.execute(query)));
};

const kinds = (faults: Fault[]) => [...new Set(faults.map((fault) => fault.kind))].sort();

describe('the verifiable log', () => {
  it('covers every record and audit entry, and verifies intact', async () => {
    const tenant = await recordedTenant('intact');
    const report = await integrity(tenant);
    expect(report).toMatchObject({ isIntact: true, faultCount: 0, faults: [] });
    const covered = await queryRows<{ kind: string }>(db(), sql`select distinct kind from log_leaves where tenant_id = ${tenant.tenantId} order by kind`);
    expect(covered.map((row) => row.kind)).toEqual(
      expect.arrayContaining([
        'audit_entry',
        'command',
        'command_status_change',
        'file_transfer',
        'recording_chunk',
        'sudo_authorization',
        'system_log',
        'terminal_recording',
        'terminal_session',
      ]),
    );
    expect(report.checkedRecords).toBeGreaterThanOrEqual(report.size / 3);
    expect(report.checkedCheckpoints).toBeGreaterThanOrEqual(1);
  });

  it('names a command whose line was changed', async () => {
    const tenant = await recordedTenant('edited');
    await tamper(sql`update commands set line = 'ls' where tenant_id = ${tenant.tenantId} and id = ${tenant.ids.c2}::uuid`);
    const report = await integrity(tenant);
    expect(report.isIntact).toBe(false);
    expect(report.faults).toEqual([expect.objectContaining({ kind: 'RECORD_MODIFIED', recordKind: 'command', recordId: tenant.ids.c2 })]);
  });

  it('names a command whose working directory was changed, or given to one that had none', async () => {
    const tenant = await recordedTenant('moved');
    await tamper(sql`update commands set working_directory = '/root' where tenant_id = ${tenant.tenantId} and id = ${tenant.ids.c2}::uuid`);
    await tamper(sql`update commands set working_directory = '/srv' where tenant_id = ${tenant.tenantId} and id = ${tenant.ids.c1}::uuid`);
    const report = await integrity(tenant);
    expect(report.faults).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'RECORD_MODIFIED', recordKind: 'command', recordId: tenant.ids.c2 }),
        expect.objectContaining({ kind: 'RECORD_MODIFIED', recordKind: 'command', recordId: tenant.ids.c1 }),
      ]),
    );
    expect(report.faultCount).toBe(2);
  });

  it('names a version written by someone claiming to be Vigil, without the audit entry every change of Vigil comes with', async () => {
    const tenant = await recordedTenant('claimed');
    await asIntruder(
      db(),
      async (tx) => void (await tx.execute(sql`update commands set line = 'ls' where tenant_id = ${tenant.tenantId} and id = ${tenant.ids.c2}::uuid`)),
      { asVigil: true },
    );
    const report = await integrity(tenant);
    expect(report.faults).toEqual([expect.objectContaining({ kind: 'LEAF_UNEXPLAINED', recordKind: 'command', recordId: tenant.ids.c2 })]);
    const versions = await t.gql<any>(`{ logLeaves(recordId: "${tenant.ids.c2}") { index leaf } }`, tenant.admin.token);
    expect(versions.data!.logLeaves.map((leaf: { leaf: string }) => JSON.parse(leaf.leaf).row.line)).toEqual(['cat /etc/passwd', 'ls']);
  });

  it('names a deleted terminal session', async () => {
    const tenant = await recordedTenant('deleted');
    await tamper(sql`delete from terminal_sessions where tenant_id = ${tenant.tenantId} and id = ${tenant.ids.s2}::uuid`);
    const report = await integrity(tenant);
    expect(report.faults).toEqual([expect.objectContaining({ kind: 'RECORD_MISSING', recordKind: 'terminal_session', recordId: tenant.ids.s2 })]);
  });

  it('names a recording chunk whose content was swapped for another', async () => {
    const tenant = await recordedTenant('swapped');
    const [recording] = await queryRows<{ id: string }>(db(), sql`select id from terminal_recordings where tenant_id = ${tenant.tenantId}`);
    await tamper(sql`update terminal_recording_chunks c set data = o.data from terminal_recording_chunks o
      where c.tenant_id = ${tenant.tenantId} and o.tenant_id = c.tenant_id and c.recording_id = ${recording!.id}::uuid and o.recording_id = c.recording_id and c.seq = 1 and o.seq = 0`);
    const report = await integrity(tenant);
    expect(report.faults).toEqual([expect.objectContaining({ kind: 'RECORD_MODIFIED', recordKind: 'recording_chunk', recordId: `${recording!.id}:1` })]);
  });

  it('names a record written around Vigil, which the log never received', async () => {
    const tenant = await recordedTenant('around');
    const [row] = await queryRows<{ id: string }>(db(), sql`select gen_random_uuid()::text as id`);
    await asIntruder(db(), async (tx) => {
      await tx.execute(sql`insert into system_logs (tenant_id, id, event_id, server_id, program, level, message, logged_at)
        select tenant_id, ${row!.id}::uuid, 'forged', server_id, 'sshd', 'info', 'nothing happened', now() from system_logs where tenant_id = ${tenant.tenantId} limit 1`);
    });
    const report = await integrity(tenant);
    expect(report.faults).toEqual([expect.objectContaining({ kind: 'RECORD_UNLOGGED', recordKind: 'system_log', recordId: row!.id })]);
  });

  it('names a record changed together with its leaf text, by the leaf hash the text no longer matches', async () => {
    const tenant = await recordedTenant('both');
    await asIntruder(db(), async (tx) => {
      await tx.execute(sql`update file_transfers set path = '/tmp/nothing' where tenant_id = ${tenant.tenantId} and id = ${tenant.ids.f1}::uuid`);
      await tx.execute(sql`update log_leaves l set leaf = vigil_leaf_in_transaction(vigil_leaf_file_transfers(f), l.xact) from file_transfers f
        where l.tenant_id = ${tenant.tenantId} and l.kind = 'file_transfer' and l.record_id = f.id::text and f.tenant_id = l.tenant_id`);
    });
    const report = await integrity(tenant);
    expect(kinds(report.faults)).toEqual(['LEAF_MODIFIED', 'RECORD_MODIFIED']);
    for (const fault of report.faults) expect(fault).toMatchObject({ recordKind: 'file_transfer', recordId: tenant.ids.f1 });
  });

  it('catches leaves rewritten with fresh hashes, nodes and head by the checkpoint that signed the old root', async () => {
    const tenant = await recordedTenant('rehashed');
    const target = await one<{ idx: string }>(db(), sql`select idx from log_leaves where tenant_id = ${tenant.tenantId} and record_id = ${tenant.ids.l1}`);
    await asIntruder(db(), async (tx) => {
      await tx.execute(sql`update system_logs set message = 'nothing to see' where tenant_id = ${tenant.tenantId} and id = ${tenant.ids.l1}::uuid`);
      await tx.execute(sql`update log_leaves l set leaf = vigil_leaf_in_transaction(vigil_leaf_system_logs(s), l.xact),
          leaf_hash = sha256('\\x00'::bytea || convert_to(vigil_leaf_in_transaction(vigil_leaf_system_logs(s), l.xact), 'UTF8'))
        from system_logs s where l.tenant_id = ${tenant.tenantId} and l.record_id = s.id::text and s.tenant_id = l.tenant_id and s.id = ${tenant.ids.l1}::uuid`);
    });
    await rebuildTree(db(), tenant.tenantId);
    const report = await integrity(tenant);
    expect(kinds(report.faults)).toEqual(['TREE_MISMATCH']);
    expect(report.faults[0]!.index).toBeGreaterThan(Number(target.idx));

    // Vigil will not sign the rewritten tree: it no longer extends the last checkpoint.
    const signed = await one<{ count: string }>(db(), sql`select count(*) as count from log_checkpoints where tenant_id = ${tenant.tenantId}`);
    await t.vigil.log.settle(tenant.tenantId, { force: true });
    expect(await one<{ count: string }>(db(), sql`select count(*) as count from log_checkpoints where tenant_id = ${tenant.tenantId}`)).toEqual(signed);
    const alarms = await queryRows<{ title: string; body: string }>(
      db(),
      sql`select title, body from notifications where tenant_id = ${tenant.tenantId} and severity = 'critical'`,
    );
    expect(alarms).toContainEqual(expect.objectContaining({ body: expect.stringContaining('no longer hashes') }));
  });

  it('names a version written as Vigil would but without an audit entry, even once its transaction is rewritten to borrow another’s', async () => {
    const tenant = await recordedTenant('borrowed');
    await asIntruder(
      db(),
      async (tx) => {
        await tx.execute(sql`update file_transfers set path = '/tmp/harmless' where tenant_id = ${tenant.tenantId} and id = ${tenant.ids.f1}::uuid`);
      },
      { asVigil: true },
    );
    await t.vigil.log.settle(tenant.tenantId);
    const unexplained = await integrity(tenant);
    expect(kinds(unexplained.faults)).toEqual(['LEAF_UNEXPLAINED']);
    expect(unexplained.faults[0]).toMatchObject({ recordKind: 'file_transfer', recordId: tenant.ids.f1 });

    // The column the explanation rule reads, set to the transaction of an audit entry: the text still names the real one.
    await asIntruder(db(), async (tx) => {
      await tx.execute(sql`update log_leaves set xact = (select xact from log_leaves where tenant_id = ${tenant.tenantId} and kind = 'audit_entry' order by idx desc limit 1)
        where tenant_id = ${tenant.tenantId} and idx = (select max(idx) from log_leaves where tenant_id = ${tenant.tenantId} and record_id = ${tenant.ids.f1})`);
    });
    const borrowed = await integrity(tenant);
    // No longer unexplained, but out of its transaction (and the record no longer renders as its leaf says).
    expect(kinds(borrowed.faults)).toEqual(['LEAF_OUT_OF_TRANSACTION', 'RECORD_MODIFIED']);
    for (const fault of borrowed.faults) expect(fault).toMatchObject({ recordKind: 'file_transfer', recordId: tenant.ids.f1 });
    expect(borrowed.faults.find((fault) => fault.kind === 'LEAF_OUT_OF_TRANSACTION')!.message).toContain('its transaction was rewritten');
  });

  it('names the leaves of two records that changed places', async () => {
    const tenant = await recordedTenant('reordered');
    const leaves = await queryRows<{ idx: string }>(
      db(),
      sql`select idx from log_leaves where tenant_id = ${tenant.tenantId} and record_id in (${tenant.ids.c1}, ${tenant.ids.c2}) order by idx`,
    );
    const [a, b] = [Number(leaves[0]!.idx), Number(leaves.at(-1)!.idx)];
    await asIntruder(db(), async (tx) => {
      await tx.execute(sql`update log_leaves set idx = -1 where tenant_id = ${tenant.tenantId} and idx = ${a}`);
      await tx.execute(sql`update log_leaves set idx = ${a} where tenant_id = ${tenant.tenantId} and idx = ${b}`);
      await tx.execute(sql`update log_leaves set idx = ${b} where tenant_id = ${tenant.tenantId} and idx = -1`);
    });
    const report = await integrity(tenant);
    // c1's first version and its later update were written by two transactions: each is now apart from its own.
    expect(kinds(report.faults)).toEqual(['HEAD_MISMATCH', 'LEAF_OUT_OF_TRANSACTION', 'NODE_MISMATCH', 'TREE_MISMATCH']);
    const named = report.faults.filter((fault) => fault.kind === 'NODE_MISMATCH').map((fault) => fault.index!);
    expect(named.some((first) => first <= a)).toBe(true);
  });

  it('names a leaf moved to a far position, and still finishes: the walk stops past a bounded gap', async () => {
    const tenant = await recordedTenant('far');
    const [leaf] = await queryRows<{ idx: string }>(
      db(),
      sql`select idx from log_leaves where tenant_id = ${tenant.tenantId} and record_id = ${tenant.ids.c2}`,
    );
    const far = 10 ** 15;
    await tamper(sql`update log_leaves set idx = ${far} where tenant_id = ${tenant.tenantId} and idx = ${Number(leaf!.idx)}`);
    const report = await integrity(tenant);
    expect(report.isIntact).toBe(false);
    const moved = report.faults.find((fault) => fault.kind === 'LEAF_MISSING' && fault.recordId === tenant.ids.c2);
    expect(moved?.message).toContain(String(far));
    // Its old place is a gap of one.
    expect(report.faults).toContainEqual(expect.objectContaining({ kind: 'LEAF_MISSING', index: Number(leaf!.idx) }));
    expect(report.size).toBeLessThan(1000);
  });

  it('catches the newest records deleted after a checkpoint: by the checkpoint left behind, or by one a witness holds', async () => {
    const tenant = await recordedTenant('cut');
    // The test clock stands still, so several checkpoints share a time: the latest is the largest.
    const signed = await one<{ size: string }>(
      db(),
      sql`select size from log_checkpoints where tenant_id = ${tenant.tenantId} order by signed_at desc, size desc limit 1`,
    );
    const more = await ingest(t, tenant.agentToken, [
      { eventId: 'c3', kind: 'COMMAND', command: { shell: 'SYSTEM', line: 'rm -rf /var/log/nginx', status: 'SUCCESS', submittedAt: minutesAgo(t, 5) } },
      { eventId: 'c4', kind: 'COMMAND', command: { shell: 'SYSTEM', line: 'history -c', status: 'SUCCESS', submittedAt: minutesAgo(t, 4) } },
    ]);
    expect(more.errors).toBeUndefined();
    await t.vigil.log.settle(tenant.tenantId, { force: true });
    const witnessed = await one<{ note: string; size: string }>(
      db(),
      sql`select note, size from log_checkpoints where tenant_id = ${tenant.tenantId} order by signed_at desc, size desc limit 1`,
    );
    expect(Number(witnessed.size)).toBeGreaterThan(Number(signed.size));

    await t.vigil.log.whenIdle();
    await truncateLog(db(), tenant.tenantId, Number(signed.size));
    const withCheckpoint = await integrity(tenant);
    expect(kinds(withCheckpoint.faults)).toContain('CHECKPOINT_TRUNCATED');

    // A thorough intruder deletes the later checkpoints too; then only one held outside tells.
    await tamper(sql`delete from log_checkpoints where tenant_id = ${tenant.tenantId} and size > ${signed.size}`);
    expect(await integrity(tenant)).toMatchObject({ isIntact: true });
    const anchored = await integrity(tenant, [witnessed.note]);
    // The log grew again since (each verification is audited), but never back to what was signed.
    expect(anchored.faults).toEqual([
      expect.objectContaining({ kind: 'CHECKPOINT_TRUNCATED', message: expect.stringContaining(`signed ${witnessed.size} leaves`) }),
    ]);
  });

  it('names an altered checkpoint and a deleted one', async () => {
    const tenant = await recordedTenant('checkpoints');
    await ingest(t, tenant.agentToken, [
      { eventId: 'l2', kind: 'SYSTEM_LOG', systemLog: { program: 'cron', level: 'INFO', message: 'tick', loggedAt: minutesAgo(t, 3) } },
    ]);
    await t.vigil.log.settle(tenant.tenantId, { force: true });
    await ingest(t, tenant.agentToken, [
      { eventId: 'l3', kind: 'SYSTEM_LOG', systemLog: { program: 'cron', level: 'INFO', message: 'tock', loggedAt: minutesAgo(t, 2) } },
    ]);
    await t.vigil.log.settle(tenant.tenantId, { force: true });
    const rows = await queryRows<{ id: string; note: string }>(
      db(),
      sql`select id, note from log_checkpoints where tenant_id = ${tenant.tenantId} order by signed_at, size`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(3);
    const middle = rows[rows.length - 2]!;
    await tamper(sql`delete from log_checkpoints where tenant_id = ${tenant.tenantId} and id = ${middle.id}::uuid`);
    const last = rows.at(-1)!;
    const lines = last.note.split('\n');
    lines[1] = String(Number(lines[1]) + 5);
    await tamper(sql`update log_checkpoints set note = ${lines.join('\n')} where tenant_id = ${tenant.tenantId} and id = ${last.id}::uuid`);
    const report = await integrity(tenant);
    expect(kinds(report.faults)).toEqual(['CHECKPOINT_BAD_SIGNATURE']);
    await tamper(sql`update log_checkpoints set note = ${last.note} where tenant_id = ${tenant.tenantId} and id = ${last.id}::uuid`);
    const relinked = await integrity(tenant);
    expect(relinked.faults).toEqual([expect.objectContaining({ kind: 'CHECKPOINT_BROKEN_LINK' })]);
  });

  it('names leaf text dropped without a retention statement', async () => {
    const tenant = await recordedTenant('pruned');
    await tamper(sql`update log_leaves set leaf = null where tenant_id = ${tenant.tenantId} and record_id = ${tenant.ids.g1}`);
    const report = await integrity(tenant);
    expect(report.faults).toEqual([expect.objectContaining({ kind: 'LEAF_PRUNED_UNEXPLAINED', recordKind: 'sudo_authorization', recordId: tenant.ids.g1 })]);
  });

  it('reports every fault at once, not only the first', async () => {
    const tenant = await recordedTenant('many');
    await tamper(sql`update commands set line = 'true' where tenant_id = ${tenant.tenantId}`);
    await tamper(sql`delete from system_logs where tenant_id = ${tenant.tenantId}`);
    await tamper(sql`update audit_entries set actor_email = 'nobody@example.test' where tenant_id = ${tenant.tenantId} and action = 'events.ingested'`);
    const report = await integrity(tenant);
    const modified = report.faults.filter((fault) => fault.kind === 'RECORD_MODIFIED');
    expect(modified.map((fault) => fault.recordId)).toEqual(expect.arrayContaining([tenant.ids.c1, tenant.ids.c2]));
    expect(modified.some((fault) => fault.recordKind === 'audit_entry')).toBe(true);
    expect(report.faults).toContainEqual(expect.objectContaining({ kind: 'RECORD_MISSING', recordKind: 'system_log', recordId: tenant.ids.l1 }));
    expect(report.faultCount).toBe(report.faults.length);
    expect(report.faultCount).toBeGreaterThanOrEqual(5);
  });
});

describe('the functions that render rows as leaves', () => {
  const definitionOf = (name: string) => {
    const definition = leafFunctionDefinitions().find((text) => text.startsWith(`CREATE OR REPLACE FUNCTION ${name}(`));
    if (!definition) throw new Error(`no definition of ${name}`);
    return definition;
  };
  const restore = (name: string) => db().execute(sql.raw(definitionOf(name)));

  it('are the ones Vigil defines in a freshly migrated database', async () => {
    const faults = new FaultList(100);
    await checkLeafFunctions(db(), faults);
    expect(faults.faults).toEqual([]);
  });

  it('names a leaf function replaced to answer with the logged text, which would otherwise hide a changed record', async () => {
    const tenant = await recordedTenant('masked');
    // The intruder's rendering: each command as its latest leaf says it was, whatever the row holds now.
    await tamper(sql`create or replace function vigil_leaf_commands(n commands) returns text language sql stable parallel safe as $$
      select regexp_replace(l.leaf, '"v":2,"xact":[0-9]+}$', '"v":1}') from log_leaves l
      where l.tenant_id = n.tenant_id and l.kind = 'command' and l.record_id = n.id::text order by l.leaf_id desc limit 1
    $$`);
    try {
      await tamper(sql`update commands set line = 'ls' where tenant_id = ${tenant.tenantId} and id = ${tenant.ids.c2}::uuid`);
      const masked = await integrity(tenant);
      // The changed command itself passes the records check: only the function gives it away.
      expect(masked.faults).toEqual([
        expect.objectContaining({ kind: 'LOG_FUNCTION_MODIFIED', recordKind: 'function', recordId: 'vigil_leaf_commands', index: null }),
      ]);
      expect(masked.faults[0]!.message).toMatch(/differs from Vigil's in its body/);
    } finally {
      await restore('vigil_leaf_commands');
    }
    const restored = await integrity(tenant);
    expect(restored.faults).toEqual([expect.objectContaining({ kind: 'RECORD_MODIFIED', recordKind: 'command', recordId: tenant.ids.c2 })]);
  });

  it('names a second definition in another schema, a function given settings, and a missing one', async () => {
    const tenant = await recordedTenant('shadowed');
    await tamper(sql`create schema vigil_shadow`);
    await tamper(sql`create function vigil_shadow.vigil_leaf_in_transaction(leaf text, xact bigint) returns text language sql immutable as $$ select leaf $$`);
    await tamper(sql`alter function vigil_canonical_json(jsonb) set search_path = vigil_shadow, public`);
    await tamper(sql`drop function vigil_leaf_deleted(text)`);
    try {
      const report = await integrity(tenant);
      expect(report.faults.map((fault) => [fault.kind, fault.recordId])).toEqual([
        ['LOG_FUNCTION_MODIFIED', 'vigil_canonical_json'],
        ['LOG_FUNCTION_MODIFIED', 'vigil_leaf_in_transaction'],
        ['LOG_FUNCTION_MODIFIED', 'vigil_leaf_deleted'],
      ]);
      expect(report.faults.map((fault) => fault.message)).toEqual([
        expect.stringMatching(/differs from Vigil's in its settings/),
        expect.stringMatching(/is defined 2 times/),
        expect.stringMatching(/is missing/),
      ]);
    } finally {
      await db().execute(sql`drop schema vigil_shadow cascade`);
      await db().execute(sql`alter function vigil_canonical_json(jsonb) reset all`);
      await restore('vigil_leaf_deleted');
    }
    expect(await integrity(tenant)).toMatchObject({ isIntact: true, faultCount: 0 });
  });
});
