/**
 * GET /export/<records>.csv: the same rows as the GraphQL lists, filtered the same way, within the
 * same scope and field rules, for holders of AUDIT_LOGS_EXPORT.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportError, fetchExport, parseCsv } from '../support/export-client.js';
import { buildRecordsFixture, ingest, minutesAgo, type RecordsFixture } from '../support/records-fixture.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let f: RecordsFixture;
/** Regular user with SESSION_RECORDINGS_VIEW and AUDIT_LOGS_EXPORT. */
let erin: TestUser;

/** [eventId, operator, status, line, result] */
const COMMANDS = [
  ['c-a1', 'alice', 'SUCCESS', 'systemctl restart nginx', 'ok'],
  ['c-a2', 'alice', 'FAILED', 'cat /etc/shadow', 'Permission denied'],
  ['c-a3', 'alice', 'RUNNING', 'tail -f /var/log/syslog', null],
  ['c-b1', 'bob', 'SUCCESS', '=HYPERLINK("http://x")', 'secret output'],
  ['c-b2', 'bob', 'FAILED', 'rm -rf /tmp/cache', 'busy'],
] as const;

const COMMANDS_QUERY = `query($filter: CommandFilterInput) { commands(first: 500, filter: $filter) { nodes { id eventId } } }`;

async function graphqlCommandIds(token: string, filter: Record<string, unknown> = {}): Promise<string[]> {
  const response = await t.gql(COMMANDS_QUERY, token, { filter });
  expect(response.errors).toBeUndefined();
  return response.data!.commands.nodes.map((node: { id: string }) => node.id);
}

beforeAll(async () => {
  t = await startTestVigil();
  f = await buildRecordsFixture(t);
  erin = await t.createUser(t.admin.tenantId, { email: 'erin@example.test', permissions: ['session_recordings.view', 'audit_logs.export'] });
  const events: Record<string, unknown>[] = [
    {
      eventId: 'ts-alice',
      kind: 'TERMINAL_SESSION_STARTED',
      terminalSessionStarted: {
        userEmail: 'alice@example.test',
        username: 'alice',
        source: 'WEB_TERMINAL',
        remoteIp: '198.51.100.7',
        browser: 'Firefox 140',
        startedAt: minutesAgo(t, 60),
        accessSessionId: f.aliceAccess.id,
      },
    },
    {
      eventId: 'ts-bob',
      kind: 'TERMINAL_SESSION_STARTED',
      terminalSessionStarted: { userEmail: 'bob@example.test', username: 'bob', source: 'SHELL_CLI', remoteIp: '198.51.100.8', startedAt: minutesAgo(t, 59) },
    },
    ...COMMANDS.map(([eventId, user, status, line, result], index) => ({
      eventId,
      kind: 'COMMAND',
      command: {
        shell: 'SYSTEM',
        line,
        terminalSessionEventId: `ts-${user}`,
        status,
        submittedAt: minutesAgo(t, 50 - index),
        startedAt: minutesAgo(t, 50 - index - 0.5),
        finishedAt: status === 'RUNNING' ? null : minutesAgo(t, 50 - index - 0.75),
        exitCode: status === 'FAILED' ? 1 : status === 'SUCCESS' ? 0 : null,
        result,
      },
    })),
    { eventId: 'c-internal', kind: 'COMMAND', command: { shell: 'INTERNAL', line: 'apt-get update', status: 'SUCCESS', submittedAt: minutesAgo(t, 40) } },
  ];
  const response = await ingest(t, f.web.agentToken, events);
  expect(response.errors).toBeUndefined();
  const granted = await t.gql(`mutation($id: ID!) { grantPermissions(userId: $id, permissions: [AUDIT_LOGS_EXPORT]) { id } }`, t.admin.token, {
    id: f.alice.id,
  });
  expect(granted.errors).toBeUndefined();
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('the commands CSV', () => {
  it('gives an admin every command of the tenant, newest first, as the commands query does', async () => {
    const response = await fetchExport(t, '/export/commands.csv', t.admin.token);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="vigil-commands-default-\d{8}-\d{6}\.csv"$/);
    const rows = parseCsv(response.text);
    expect(rows.map((row) => row.id)).toEqual(await graphqlCommandIds(t.admin.token));
    expect(rows.map((row) => row.event_id)).toEqual(['c-internal', 'c-b2', 'c-b1', 'c-a3', 'c-a2', 'c-a1']);
    expect(rows.find((row) => row.event_id === 'c-a2')).toMatchObject({
      status: 'failed',
      exit_code: '1',
      line: 'cat /etc/shadow',
      result: 'Permission denied',
      server_id: f.web.id,
      server_name: 'web-01',
      operator_id: f.alice.id,
      operator_email: 'alice@example.test',
      access_session_id: f.aliceAccess.id,
      shell: 'system',
      source: 'web_terminal',
      elapsed_seconds: '15',
      delay_seconds: '30',
    });
    expect(rows.find((row) => row.event_id === 'c-internal')).toMatchObject({ operator_id: '', operator_email: '', terminal_session_id: '' });
  });

  it('gives a regular user with AUDIT_LOGS_EXPORT only the commands they ran', async () => {
    const response = await fetchExport(t, '/export/commands.csv', f.alice.token);
    expect(response.status).toBe(200);
    const rows = parseCsv(response.text);
    expect(rows.map((row) => row.event_id)).toEqual(['c-a3', 'c-a2', 'c-a1']);
    expect(rows.map((row) => row.id)).toEqual(await graphqlCommandIds(f.alice.token));
    expect(rows.map((row) => row.result)).toEqual(['', 'Permission denied', 'ok']);
    const others = await fetchExport(t, `/export/commands.csv?userId=${f.bob.id}`, f.alice.token);
    expect(parseCsv(others.text)).toEqual([]);
  });

  it('honours the filters of the commands query', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['status=FAILED', { status: ['FAILED'] }],
      ['status=failed,running', { status: ['FAILED', 'RUNNING'] }],
      ['status=SUCCESS&status=RUNNING', { status: ['SUCCESS', 'RUNNING'] }],
      [`userId=${f.bob.id}&status=FAILED`, { userId: f.bob.id, status: ['FAILED'] }],
      ['shell=INTERNAL', { shell: 'INTERNAL' }],
      ['search=nginx', { search: 'nginx' }],
      [`from=${encodeURIComponent(minutesAgo(t, 48))}&to=${encodeURIComponent(minutesAgo(t, 46))}`, { from: minutesAgo(t, 48), to: minutesAgo(t, 46) }],
      [`serverId=${f.db.id}`, { serverId: f.db.id }],
      [`accessSessionId=${f.aliceAccess.id}`, { accessSessionId: f.aliceAccess.id }],
    ];
    for (const [query, filter] of cases) {
      const response = await fetchExport(t, `/export/commands.csv?${query}`, t.admin.token);
      expect(response.status, query).toBe(200);
      expect(
        parseCsv(response.text).map((row) => row.id),
        query,
      ).toEqual(await graphqlCommandIds(t.admin.token, filter));
    }
    const failed = parseCsv((await fetchExport(t, '/export/commands.csv?status=FAILED', t.admin.token)).text);
    expect(failed.map((row) => row.event_id)).toEqual(['c-b2', 'c-a2']);
  });

  it('neutralises a command line a spreadsheet would run as a formula', async () => {
    const rows = parseCsv((await fetchExport(t, '/export/commands.csv', t.admin.token)).text);
    expect(rows.find((row) => row.event_id === 'c-b1')!.line).toBe(`'=HYPERLINK("http://x")`);
  });

  it('refuses bad filter values with 400 naming the parameter', async () => {
    for (const [query, field] of [
      ['status=DONE', 'status'],
      ['serverId=web-01', 'serverId'],
      ['isActive=true', 'isActive'],
    ]) {
      const response = await fetchExport(t, `/export/commands.csv?${query}`, t.admin.token);
      expect(response.status, query).toBe(400);
      expect(exportError(response), query).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
  });

  it('records the export in the audit log', async () => {
    await fetchExport(t, '/export/commands.csv?status=FAILED', f.alice.token);
    const log = await t.gql(`{ auditLog(first: 1, filter: { action: ["records.exported"] }) { nodes { actorId resourceType after } } }`, t.admin.token);
    expect(log.data!.auditLog.nodes).toEqual([{ actorId: f.alice.id, resourceType: 'commands', after: { format: 'csv', filter: { status: ['failed'] } } }]);
  });
});

describe('who may export records', () => {
  it('refuses users without AUDIT_LOGS_EXPORT (403) and requests without a token (401)', async () => {
    for (const kind of ['commands', 'terminal-sessions', 'file-transfers', 'access-sessions']) {
      const response = await fetchExport(t, `/export/${kind}.csv`, f.bob.token);
      expect(response.status, kind).toBe(403);
      expect(exportError(response).code).toBe('FORBIDDEN');
      expect((await fetchExport(t, `/export/${kind}.csv`)).status, kind).toBe(401);
    }
    expect((await fetchExport(t, '/export/commands.csv', f.web.agentToken)).status).toBe(403);
  });

  it('keeps the activity log to admins, as the API does', async () => {
    const refused = await fetchExport(t, '/export/activity-log.csv', f.alice.token);
    expect(refused.status).toBe(403);
    expect(exportError(refused)).toMatchObject({ code: 'FORBIDDEN', requiredRole: 'admin' });
    const response = await fetchExport(t, '/export/activity-log.csv?action=user.created', t.admin.token);
    expect(response.status).toBe(200);
    const rows = parseCsv(response.text);
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((row) => row.action))).toEqual(new Set(['user.created']));
  });

  it("shows a recordings viewer every terminal session, but not others' network details or access sessions", async () => {
    const response = await fetchExport(t, '/export/terminal-sessions.csv', erin.token);
    expect(response.status).toBe(200);
    const rows = parseCsv(response.text);
    expect(rows.map((row) => row.user_email)).toEqual(['bob@example.test', 'alice@example.test']);
    expect(rows.map((row) => [row.remote_ip, row.browser, row.access_session_id])).toEqual([
      ['', '', ''],
      ['', '', ''],
    ]);
    const admin = parseCsv((await fetchExport(t, '/export/terminal-sessions.csv?isActive=true&source=WEB_TERMINAL', t.admin.token)).text);
    expect(admin.map((row) => [row.user_email, row.remote_ip, row.browser, row.access_session_id, row.server_name])).toEqual([
      ['alice@example.test', '198.51.100.7', 'Firefox 140', f.aliceAccess.id, 'web-01'],
    ]);
    const commands = await fetchExport(t, '/export/commands.csv', erin.token);
    expect(parseCsv(commands.text)).toEqual([]);
  });

  it('exports access sessions with the people and servers they name', async () => {
    const rows = parseCsv((await fetchExport(t, '/export/access-sessions.csv', f.alice.token)).text);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: f.aliceAccess.id,
      status: 'active',
      reason: 'deploy hotfix',
      requester_email: 'alice@example.test',
      approver_email: t.admin.email,
      server_ids: f.web.id,
      server_names: 'web-01',
      is_sudo_allowed: 'true',
    });
    expect(parseCsv((await fetchExport(t, '/export/access-sessions.csv?status=PENDING', t.admin.token)).text)).toEqual([]);
  });
});
