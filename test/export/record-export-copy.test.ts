/**
 * The record CSVs rendered by PostgreSQL (COPY … TO STDOUT: commands, terminal sessions, file
 * transfers, access sessions) are byte for byte the CSV Vigil renders in JavaScript from the same rows, for every
 * reader (row scope and field rules) and filter. On PostgreSQL the download is the COPY rendering; on PGlite (which has no streamed
 * COPY) the download is the JavaScript one, and the SQL cells are checked there by running the
 * export's SELECT as a query. Also: text the filter carries is written into the COPY statement
 * as literals, so hostile text stays data; a client going away stops the statement.
 */
import { stringify } from 'csv-stringify/sync';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserActor } from '../../server/auth/actor.js';
import { recordScope } from '../../server/auth/scope.js';
import { createAccessSession } from '../../server/records/access-sessions.js';
import { inTransaction } from '../../server/service-context.js';
import { queryRows } from '../../server/db/database.js';
import { csvChunks } from '../../server/export/csv-chunks.js';
import { RECORD_EXPORTS } from '../../server/export/record-exports.js';
import type { RecordExportKind } from '../../server/export/record-kind.js';
import type { Permission } from '../../server/auth/permissions.js';
import { fetchExport, parseCsv } from '../support/export-client.js';
import { buildRecordsFixture, ingest, minutesAgo, type RecordsFixture } from '../support/records-fixture.js';
import { isPostgres } from '../support/test-database.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let f: RecordsFixture;
let erin: TestUser;
const exportNamed = (name: string) => RECORD_EXPORTS.find((kind) => kind.name === name) as RecordExportKind;

/** Values a CSV writer must quote, double, keep or neutralise, as command lines and outputs. */
const LINES: [line: string, result: string | null][] = [
  ['=SUM(A1:A9)', '=1+1'],
  ['+1 and -1', '-rf'],
  ['-rf /tmp/x', '@mention'],
  ['@daily job', '\tindented'],
  ['\tstarts with a tab', '\rstarts with a CR'],
  ['echo "a,b" \'c\'', '"quoted", and, commas'],
  ["printf 'x\\ny'\nsecond line", 'line one\r\nline two\nline three\r'],
  ['C:\\dir\\file \\. \\N', '\\.'],
  ["it's O'Brien's", ''],
  ['ls 🗂 é ß 日本', null],
  ['  leading and trailing spaces  ', ' '],
  ["'); drop table commands; --", "E'\\\\' $1 $$"],
];

const userActor = (user: TestUser, role: 'admin' | 'user', permissions: Permission[]): UserActor => ({
  type: 'user',
  tenantId: user.tenantId,
  userId: user.id,
  email: user.email,
  role,
  permissions: new Set(permissions),
});

/** The export as Vigil renders it in JavaScript, page by page. */
async function javascriptRendering(kind: RecordExportKind, actor: UserActor, filter: object): Promise<string> {
  let text = '';
  for await (const chunk of csvChunks(kind.header, kind.pages(t.vigil.database.db, recordScope(actor, kind.scopeKind), filter, actor))) text += chunk;
  return text;
}

/** The export's SELECT run as a query: the cells PostgreSQL renders, written as csvChunks writes them. */
async function sqlRendering(kind: RecordExportKind, actor: UserActor, filter: object): Promise<string> {
  const select = kind.copySelect!(recordScope(actor, kind.scopeKind), filter, actor);
  const rows = await queryRows<Record<string, string | null>>(t.vigil.database.db, select);
  return stringify([[...kind.header], ...rows.map((row) => kind.header.map((header) => row[header]))], {
    record_delimiter: 'windows',
    quote_record_delimiter: true,
    eof: true,
  });
}

beforeAll(async () => {
  t = await startTestVigil();
  f = await buildRecordsFixture(t);
  erin = await t.createUser(t.admin.tenantId, { email: 'erin@example.test', permissions: ['session_recordings.view', 'audit_logs.export'] });
  const granted = await t.gql(`mutation($id: ID!) { grantPermissions(userId: $id, permissions: [AUDIT_LOGS_EXPORT]) { id } }`, t.admin.token, {
    id: f.alice.id,
  });
  expect(granted.errors).toBeUndefined();
  const sessions = await ingest(t, f.web.agentToken, [
    {
      eventId: 'ts-alice',
      kind: 'TERMINAL_SESSION_STARTED',
      terminalSessionStarted: {
        userEmail: 'alice@example.test',
        username: 'alice',
        groupname: '=admins',
        browser: 'Firefox "140", on Linux',
        remoteIp: '2001:db8::7',
        source: 'WEB_TERMINAL',
        startedAt: minutesAgo(t, 90),
        accessSessionId: f.aliceAccess.id,
      },
    },
    {
      eventId: 'ts-bob',
      kind: 'TERMINAL_SESSION_STARTED',
      terminalSessionStarted: { userEmail: 'bob@example.test', username: 'bob', remoteIp: '198.51.100.8', source: 'SHELL_CLI', startedAt: minutesAgo(t, 89) },
    },
    { eventId: 'ts-bob-end', kind: 'TERMINAL_SESSION_ENDED', terminalSessionEnded: { sessionEventId: 'ts-bob', endedAt: minutesAgo(t, 5) } },
    {
      eventId: 'ts-nobody',
      kind: 'TERMINAL_SESSION_STARTED',
      terminalSessionStarted: { username: '-root', source: 'SHELL_CLI', startedAt: minutesAgo(t, 87) },
    },
    ...LINES.map(([line, result], index) => ({
      eventId: `ft-${index}`,
      kind: 'FILE_TRANSFER',
      fileTransfer: {
        userEmail: `${['alice', 'bob', 'erin'][index % 3]}@example.test`,
        username: index % 2 === 0 ? 'deploy' : '@ops',
        groupname: index % 3 === 0 ? null : 'staff, "web"',
        direction: index % 2 === 0 ? 'UPLOAD' : 'DOWNLOAD',
        objectName: line,
        path: `/srv/${index}/${line}`,
        sizeBytes: index === 3 ? null : index * 1_000_003,
        remoteIp: index % 3 === 0 ? '203.0.113.9' : index % 3 === 1 ? '2001:db8::1' : null,
        status: index % 2 === 0 ? 'SUCCESS' : 'FAILED',
        error: index % 2 === 0 ? null : result,
        occurredAt: minutesAgo(t, 70 - index - 0.001 * index),
        ...(index % 3 === 0 ? { accessSessionId: f.aliceAccess.id } : {}),
      },
    })),
  ]);
  expect(sessions.errors).toBeUndefined();
  const people = ['alice', 'bob', 'erin'] as const;
  const commands = LINES.map(([line, result], index) => {
    const person = people[index % 3]!;
    const submitted = 80 - index - 0.001 * index;
    return {
      eventId: `copy-${index}`,
      kind: 'COMMAND',
      command: {
        shell: index % 4 === 0 ? 'INTERNAL' : 'SYSTEM',
        line,
        userEmail: `${person}@example.test`,
        ...(person === 'erin' ? {} : { terminalSessionEventId: `ts-${person}` }),
        status: index % 3 === 0 ? 'FAILED' : index % 3 === 1 ? 'SUCCESS' : 'RUNNING',
        submittedAt: minutesAgo(t, submitted),
        // One started "before" it was submitted (clocks differ): a delay of 0, never negative.
        startedAt: index === 5 ? minutesAgo(t, submitted + 0.01) : index === 7 ? null : minutesAgo(t, submitted - 0.0123 * index),
        finishedAt: index % 3 === 2 ? null : minutesAgo(t, submitted - 0.5 - 0.000_07 * index),
        exitCode: index % 3 === 0 ? -index : index % 3 === 1 ? 0 : null,
        result,
        workingDirectory: index % 2 === 0 ? '/srv/app, "current"' : null,
      },
    };
  });
  const reported = await ingest(t, f.web.agentToken, commands);
  expect(reported.errors).toBeUndefined();
  // Access sessions with labels (an integer-like key, quotes, a line break, a formula), several
  // servers (one of them unknown), and one ended by the admin.
  const labelled = await inTransaction(t.systemContext(t.admin.tenantId), (tx) =>
    createAccessSession(tx, {
      requesterId: f.bob.id,
      approverId: t.admin.id,
      reason: '=cmd|"/c calc"!A1, then "quotes"',
      status: 'active',
      serverIds: [f.db.id, f.web.id, '01a24e00-0000-7000-8000-0000000000ff'],
      serverLabels: { env: 'prod', '10': 'ten', b: 'say "hi"\n', é: '=1', '2': 'two' },
      isSudoAllowed: false,
      requestedAt: new Date(t.clock.now().getTime() - 3_600_000),
      startsAt: new Date(t.clock.now().getTime() - 3_500_000),
      expiresAt: new Date(t.clock.now().getTime() + 3_600_000),
    }),
  );
  const ended = await inTransaction(t.systemContext(t.admin.tenantId), (tx) =>
    createAccessSession(tx, {
      requesterId: erin.id,
      reason: 'read logs',
      status: 'active',
      serverIds: [],
      requestedAt: new Date(t.clock.now().getTime() - 1_800_000),
    }),
  );
  await t.vigil.database.db.execute(
    sql`update access_sessions set status = 'ended', ended_at = ${new Date(t.clock.now().getTime() - 60_000).toISOString()}::timestamptz,
        ended_by_id = ${t.admin.id}, end_reason = '-by admin' where tenant_id = ${t.admin.tenantId} and id = ${ended.id}`,
  );
  expect(labelled.id).toBeTruthy();
  const onDb = await ingest(t, f.db.agentToken, [
    { eventId: 'copy-internal', kind: 'COMMAND', command: { shell: 'INTERNAL', line: '=internal', status: 'SUCCESS', submittedAt: minutesAgo(t, 10) } },
  ]);
  expect(onDb.errors).toBeUndefined();
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('the record CSVs rendered by PostgreSQL', () => {
  const readers = () =>
    [
      ['admin', t.admin, userActor(t.admin, 'admin', [])],
      ['alice', f.alice, userActor(f.alice, 'user', ['audit_logs.export'])],
      ['erin', erin, userActor(erin, 'user', ['session_recordings.view', 'audit_logs.export'])],
    ] as const;
  const hostile = "'); drop table commands; --";
  const filters = (): Record<string, [query: string, filter: object][]> => ({
    commands: [
      ['', {}],
      ['status=FAILED,RUNNING', { status: ['failed', 'running'] }],
      [`search=${encodeURIComponent("O'Brien")}`, { search: "O'Brien" }],
      [`search=${encodeURIComponent('\\dir\\')}`, { search: '\\dir\\' }],
      [`search=${encodeURIComponent(hostile)}`, { search: hostile }],
      [`userId=${f.bob.id}`, { userId: f.bob.id }],
    ],
    'terminal-sessions': [
      ['', {}],
      ['isActive=true', { isActive: true }],
      [`username=${encodeURIComponent(hostile)}`, { username: hostile }],
      [`accessSessionId=${f.aliceAccess.id}`, { accessSessionId: f.aliceAccess.id }],
    ],
    'access-sessions': [
      ['', {}],
      ['status=ACTIVE', { status: ['active'] }],
      [`userId=${f.bob.id}`, { userId: f.bob.id }],
      [`serverId=${f.db.id}`, { serverId: f.db.id }],
    ],
    'file-transfers': [
      ['', {}],
      ['direction=DOWNLOAD&status=FAILED', { direction: 'download', status: 'failed' }],
      [`search=${encodeURIComponent("O'Brien")}`, { search: "O'Brien" }],
      [`search=${encodeURIComponent(hostile)}`, { search: hostile }],
      [`userId=${f.alice.id}`, { userId: f.alice.id }],
    ],
  });

  it('is byte for byte the JavaScript rendering, for each kind, reader and filter', async () => {
    for (const [name, cases] of Object.entries(filters())) {
      const kind = exportNamed(name);
      for (const [reader, user, actor] of readers()) {
        for (const [query, filter] of cases) {
          const path = `/export/${name}.csv?${query}`;
          const expected = await javascriptRendering(kind, actor, filter);
          expect(parseCsv(expected).length, `${reader} ${path} has rows`).toBeGreaterThanOrEqual(query === '' ? 1 : 0);
          const response = await fetchExport(t, path, user.token);
          expect(response.status, `${reader} ${path}`).toBe(200);
          expect(response.text, `${reader} ${path}`).toBe(expected);
          expect(await sqlRendering(kind, actor, filter), `${reader} ${path} (SQL cells)`).toBe(expected);
        }
      }
    }
  });

  it('holds what the fixture put in: every tricky value, the field rules and the clamped delay', async () => {
    const rows = parseCsv((await fetchExport(t, '/export/commands.csv', t.admin.token)).text);
    expect(rows.filter((row) => /^copy-\d+$/.test(row.event_id ?? '')).map((row) => row.line)).toEqual(
      LINES.map(([line]) => (/^[=+\-@\t\r]/.test(line) ? `'${line}` : line)).reverse(),
    );
    expect(rows.find((row) => row.event_id === 'copy-5')!.delay_seconds).toBe('0');
    expect(rows.find((row) => row.event_id === 'copy-7')).toMatchObject({ delay_seconds: '', started_at: '' });
    // A hostile search is text to look for, not SQL: it finds its one command and the table is still there.
    const hostile = parseCsv((await fetchExport(t, `/export/commands.csv?search=${encodeURIComponent("'); drop table commands; --")}`, t.admin.token)).text);
    expect(hostile.map((row) => row.event_id)).toEqual(['copy-11']);
    // alice sees her own commands, their output, her own terminal session; never bob's.
    const alices = parseCsv((await fetchExport(t, '/export/commands.csv', f.alice.token)).text);
    expect(new Set(alices.map((row) => row.operator_email))).toEqual(new Set(['alice@example.test']));
    expect(alices.find((row) => row.event_id === 'copy-0')).toMatchObject({ result: "'=1+1", access_session_id: f.aliceAccess.id });
    expect(alices.find((row) => row.event_id === 'copy-0')!.terminal_session_id).not.toBe('');
    // Network details: an admin sees every address as recorded (no /32 or /128 added), erin (who
    // sees every session) none of others'.
    const sessions = parseCsv((await fetchExport(t, '/export/terminal-sessions.csv', t.admin.token)).text);
    expect(sessions.map((row) => [row.username, row.remote_ip, row.is_active, row.duration_seconds])).toEqual([
      ["'-root", '', 'true', ''],
      ['bob', '198.51.100.8', 'false', '5040'],
      ['alice', '2001:db8::7', 'true', ''],
    ]);
    const transfers = parseCsv((await fetchExport(t, '/export/file-transfers.csv', t.admin.token)).text);
    expect(new Set(transfers.map((row) => row.remote_ip))).toEqual(new Set(['203.0.113.9', '2001:db8::1', '']));
    expect(transfers.find((row) => row.event_id === 'ft-0')).toMatchObject({
      object_name: "'=SUM(A1:A9)",
      size_bytes: '0',
      access_session_id: f.aliceAccess.id,
    });
    const sessionsWithServers = parseCsv((await fetchExport(t, '/export/access-sessions.csv', t.admin.token)).text);
    expect(sessionsWithServers.find((row) => row.requester_email === 'bob@example.test')).toMatchObject({
      server_names: 'db-01, web-01, 01a24e00-0000-7000-8000-0000000000ff',
      server_labels: '{"2":"two","10":"ten","b":"say \\"hi\\"\\n","é":"=1","env":"prod"}',
      is_sudo_allowed: 'false',
    });
    expect(sessionsWithServers.find((row) => row.requester_email === 'erin@example.test')).toMatchObject({
      server_ids: '',
      server_names: '',
      end_reason: "'-by admin",
      ended_by_email: t.admin.email,
    });
    const erins = parseCsv((await fetchExport(t, '/export/terminal-sessions.csv', erin.token)).text);
    expect(erins.map((row) => [row.remote_ip, row.browser])).toEqual([
      ['', ''],
      ['', ''],
      ['', ''],
    ]);
  });

  it.skipIf(!isPostgres)(
    'ends the statement and its connection when the client goes away, or when the export is done',
    async () => {
      const db = t.vigil.database.db;
      // ~18 MB of CSV: more than the sockets buffer, so PostgreSQL is still writing when the client leaves.
      await db.execute(sql`
      insert into commands (tenant_id, id, event_id, server_id, shell, line, status, submitted_at, last_update_at)
      select ${t.admin.tenantId}, gen_random_uuid(), 'bulk-' || n, ${f.web.id}, 'system', repeat('x', 300) || n, 'success',
             now() - n * interval '1 millisecond', now()
      from generate_series(1, 40000) as n`);
      const copyBackends = () =>
        queryRows<{ state: string }>(db, sql`select state from pg_stat_activity where application_name like '%:copy' and datname = current_database()`);
      const noCopyBackendLeft = async () => {
        const deadline = Date.now() + 10_000;
        while ((await copyBackends()).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        return copyBackends();
      };

      const controller = new AbortController();
      const response = await fetch(`${t.vigil.baseUrl}/export/commands.csv`, {
        headers: { authorization: `Bearer ${t.admin.token}` },
        signal: controller.signal,
      });
      const first = await response.body!.getReader().read();
      expect(first.done).toBe(false);
      expect(await copyBackends()).toHaveLength(1);
      controller.abort();
      expect(await noCopyBackendLeft()).toEqual([]);

      // The pool still answers, and a whole export reads every row and leaves no connection behind.
      const whole = await fetchExport(t, '/export/commands.csv?search=xxxx', t.admin.token);
      expect(parseCsv(whole.text)).toHaveLength(40_000);
      expect(await noCopyBackendLeft()).toEqual([]);
    },
    60_000,
  );
});
