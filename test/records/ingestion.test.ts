/**
 * An agent's batch of 1,000 mixed events: written once, re-sent without duplicates, and found
 * again by every list and filter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../support/graphql-client.js';
import { buildRecordsFixture, ingest, minutesAgo, type RecordsFixture } from '../support/records-fixture.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let f: RecordsFixture;

interface Expected {
  sessions: { eventId: string; user: 'alice' | 'bob'; source: string; ended: boolean; inAccess: boolean }[];
  commands: { eventId: string; user: 'alice' | 'bob' | null; status: string; shell: string; line: string; session: string | null; submittedAt: string }[];
  transfers: { eventId: string; user: 'alice' | 'bob'; direction: string; status: string }[];
  logs: { eventId: string; level: string; program: string; message: string }[];
  grants: { eventId: string; user: 'alice' | 'bob'; grantedVia: string }[];
}

/** 20 sessions + 10 ends + 600 commands + 50 updates + 100 transfers + 200 logs + 20 grants = 1,000. */
function buildBatch(): { events: Record<string, unknown>[]; expected: Expected } {
  const events: Record<string, unknown>[] = [];
  const expected: Expected = { sessions: [], commands: [], transfers: [], logs: [], grants: [] };
  const person = (index: number) => (index % 2 === 0 ? 'alice' : 'bob');
  const statuses = ['SUCCESS', 'FAILED', 'RUNNING', 'SCHEDULED'];

  for (let s = 0; s < 20; s++) {
    const user = person(s);
    const source = s % 3 === 0 ? 'SHELL_CLI' : 'WEB_TERMINAL';
    const inAccess = user === 'alice' && s < 10;
    events.push({
      eventId: `ts-${s}`,
      kind: 'TERMINAL_SESSION_STARTED',
      terminalSessionStarted: {
        userEmail: `${user}@example.test`,
        username: user,
        groupname: 'staff',
        browser: 'Firefox 140',
        remoteIp: `198.51.100.${s + 1}`,
        source,
        startedAt: minutesAgo(t, 900 - 25 * s),
        accessSessionId: inAccess ? f.aliceAccess.id : null,
      },
    });
    expected.sessions.push({ eventId: `ts-${s}`, user, source, ended: s < 10, inAccess });
  }
  for (let s = 0; s < 10; s++) {
    events.push({
      eventId: `ts-${s}-end`,
      kind: 'TERMINAL_SESSION_ENDED',
      terminalSessionEnded: { sessionEventId: `ts-${s}`, endedAt: minutesAgo(t, 400 - s) },
    });
  }
  for (let c = 0; c < 500; c++) {
    const s = Math.floor(c / 25);
    const status = statuses[c % 4]!;
    const submittedAt = minutesAgo(t, 895 - c);
    const line = `tail -n ${c} /var/log/app${c % 10}.log`;
    events.push({
      eventId: `cmd-${c}`,
      kind: 'COMMAND',
      command: {
        shell: 'SYSTEM',
        line,
        terminalSessionEventId: `ts-${s}`,
        status,
        submittedAt,
        startedAt: status === 'SCHEDULED' ? null : minutesAgo(t, 895 - c - 0.5),
        finishedAt: status === 'SUCCESS' || status === 'FAILED' ? minutesAgo(t, 895 - c - 0.75) : null,
        exitCode: status === 'FAILED' ? 1 : status === 'SUCCESS' ? 0 : null,
        result: status === 'FAILED' ? 'No such file' : 'ok',
      },
    });
    expected.commands.push({ eventId: `cmd-${c}`, user: person(s), status, shell: 'system', line, session: `ts-${s}`, submittedAt });
  }
  for (let c = 500; c < 600; c++) {
    const submittedAt = minutesAgo(t, 895 - c);
    events.push({ eventId: `cmd-${c}`, kind: 'COMMAND', command: { shell: 'INTERNAL', line: 'apt-get update', status: 'SUCCESS', submittedAt } });
    expected.commands.push({ eventId: `cmd-${c}`, user: null, status: 'SUCCESS', shell: 'internal', line: 'apt-get update', session: null, submittedAt });
  }
  // The first 50 RUNNING commands finish.
  const running = expected.commands.filter((command) => command.status === 'RUNNING').slice(0, 50);
  for (const command of running) {
    events.push({
      eventId: `${command.eventId}-done`,
      kind: 'COMMAND_UPDATE',
      commandUpdate: { commandEventId: command.eventId, status: 'SUCCESS', reportedAt: minutesAgo(t, 1), exitCode: 0 },
    });
    command.status = 'SUCCESS';
  }
  for (let i = 0; i < 100; i++) {
    const user = person(i);
    const direction = i % 3 === 0 ? 'DOWNLOAD' : 'UPLOAD';
    const status = i % 5 === 0 ? 'FAILED' : 'SUCCESS';
    events.push({
      eventId: `ft-${i}`,
      kind: 'FILE_TRANSFER',
      fileTransfer: {
        userEmail: `${user}@example.test`,
        username: user,
        direction,
        objectName: `report-${i}.csv`,
        path: `/srv/reports/report-${i}.csv`,
        sizeBytes: 1024 * i,
        status,
        error: status === 'FAILED' ? 'disk full' : null,
        occurredAt: minutesAgo(t, 300 - i),
      },
    });
    expected.transfers.push({ eventId: `ft-${i}`, user, direction, status });
  }
  const levels = ['INFO', 'WARNING', 'ERROR', 'DEBUG'];
  const programs = ['sshd', 'nginx', 'kernel'];
  for (let i = 0; i < 200; i++) {
    const message = i % 7 === 0 ? `Failed password for root from 203.0.113.${i}` : `accepted connection ${i}`;
    events.push({
      eventId: `log-${i}`,
      kind: 'SYSTEM_LOG',
      systemLog: { program: programs[i % 3], level: levels[i % 4], pid: 1000 + i, message, loggedAt: minutesAgo(t, 250 - i) },
    });
    expected.logs.push({ eventId: `log-${i}`, level: levels[i % 4]!, program: programs[i % 3]!, message });
  }
  for (let i = 0; i < 20; i++) {
    const user = person(i);
    const grantedVia = i % 2 === 0 ? 'POLICY' : 'ADMIN';
    events.push({
      eventId: `sudo-${i}`,
      kind: 'SUDO_AUTHORIZATION',
      sudoAuthorization: { userEmail: `${user}@example.test`, command: `systemctl restart app${i}`, grantedVia, grantedAt: minutesAgo(t, 100 - i) },
    });
    expected.grants.push({ eventId: `sudo-${i}`, user, grantedVia });
  }
  return { events, expected };
}

let expected: Expected;
let firstResponse: any;
let secondResponse: any;

beforeAll(async () => {
  t = await startTestVigil();
  f = await buildRecordsFixture(t);
  const batch = buildBatch();
  expected = batch.expected;
  expect(batch.events).toHaveLength(1000);
  firstResponse = await ingest(t, f.web.agentToken, batch.events);
  secondResponse = await ingest(t, f.web.agentToken, batch.events);
}, 120_000);
afterAll(async () => t?.close());

/** Every eventId a list returns for `filter`, paging through it 500 at a time. */
async function eventIdsOf(list: string, filter: Record<string, unknown> = {}): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  do {
    const response: any = await t.gql(
      `query($filter: ${filterType(list)}, $after: String) { ${list}(first: 500, after: $after, filter: $filter) { nodes { eventId } pageInfo { hasNextPage endCursor } } }`,
      t.admin.token,
      { filter, after },
    );
    expect(response.errors).toBeUndefined();
    ids.push(...response.data[list].nodes.map((node: { eventId: string }) => node.eventId));
    after = response.data[list].pageInfo.hasNextPage ? response.data[list].pageInfo.endCursor : null;
  } while (after);
  return ids;
}

function filterType(list: string): string {
  return {
    commands: 'CommandFilterInput',
    terminalSessions: 'TerminalSessionFilterInput',
    fileTransfers: 'FileTransferFilterInput',
    systemLogs: 'SystemLogFilterInput',
    sudoAuthorizations: 'SudoAuthorizationFilterInput',
  }[list]!;
}

const sorted = (values: string[]) => [...values].sort();
const ids = <T extends { eventId: string }>(rows: T[]) => sorted(rows.map((row) => row.eventId));

describe('ingesting a batch of 1,000 mixed events', () => {
  it('accepts every event once', () => {
    expect(firstResponse.errors).toBeUndefined();
    expect(firstResponse.data.ingestEvents.accepted).toBe(1000);
    expect(firstResponse.data.ingestEvents.duplicates).toBe(0);
    expect(firstResponse.data.ingestEvents.events.map((event: { index: number }) => event.index)).toEqual([...Array(1000).keys()]);
  });

  it('treats the re-sent batch as duplicates, pointing at the same records', () => {
    expect(secondResponse.errors).toBeUndefined();
    expect(secondResponse.data.ingestEvents).toMatchObject({ accepted: 0, duplicates: 1000 });
    const firstIds = firstResponse.data.ingestEvents.events.map((event: { recordId: string }) => event.recordId);
    expect(secondResponse.data.ingestEvents.events.map((event: { recordId: string }) => event.recordId)).toEqual(firstIds);
  });

  it('stores each record once', async () => {
    expect(sorted(await eventIdsOf('commands'))).toEqual(ids(expected.commands));
    expect(sorted(await eventIdsOf('terminalSessions'))).toEqual(ids(expected.sessions));
    expect(sorted(await eventIdsOf('fileTransfers'))).toEqual(ids(expected.transfers));
    expect(sorted(await eventIdsOf('systemLogs'))).toEqual(ids(expected.logs));
    expect(sorted(await eventIdsOf('sudoAuthorizations'))).toEqual(ids(expected.grants));
  });

  it('lists newest first', async () => {
    const newestFirst = [...expected.commands].sort((a, b) => b.submittedAt.localeCompare(a.submittedAt)).map((command) => command.eventId);
    expect(await eventIdsOf('commands')).toEqual(newestFirst);
  });
});

describe('filters', () => {
  it('filters commands by user, server, status, shell, terminal and access session, search and date range', async () => {
    const userIds = { alice: f.alice.id, bob: f.bob.id };
    for (const user of ['alice', 'bob'] as const) {
      expect(sorted(await eventIdsOf('commands', { userId: userIds[user] }))).toEqual(ids(expected.commands.filter((c) => c.user === user)));
    }
    expect(await eventIdsOf('commands', { serverId: f.db.id })).toEqual([]);
    expect(sorted(await eventIdsOf('commands', { serverId: f.web.id }))).toEqual(ids(expected.commands));
    for (const status of ['SUCCESS', 'FAILED', 'RUNNING', 'SCHEDULED']) {
      expect(sorted(await eventIdsOf('commands', { status: [status] }))).toEqual(ids(expected.commands.filter((c) => c.status === status)));
    }
    expect(sorted(await eventIdsOf('commands', { status: ['FAILED', 'SCHEDULED'] }))).toEqual(
      ids(expected.commands.filter((c) => c.status === 'FAILED' || c.status === 'SCHEDULED')),
    );
    expect(sorted(await eventIdsOf('commands', { shell: 'INTERNAL' }))).toEqual(ids(expected.commands.filter((c) => c.shell === 'internal')));
    expect(sorted(await eventIdsOf('commands', { search: 'APP7.LOG' }))).toEqual(ids(expected.commands.filter((c) => c.line.includes('app7.log'))));
    expect(sorted(await eventIdsOf('commands', { accessSessionId: f.aliceAccess.id }))).toEqual(
      ids(expected.commands.filter((c) => c.session !== null && expected.sessions.find((s) => s.eventId === c.session)!.inAccess)),
    );
    const from = minutesAgo(t, 600);
    const to = minutesAgo(t, 500);
    expect(sorted(await eventIdsOf('commands', { from, to }))).toEqual(ids(expected.commands.filter((c) => c.submittedAt >= from && c.submittedAt < to)));

    const session = await t.gql<any>('{ terminalSessions(first: 1, filter: { username: "alice" }) { nodes { id eventId } } }', t.admin.token);
    const { id: sessionId, eventId: sessionEventId } = session.data!.terminalSessions.nodes[0];
    expect(sorted(await eventIdsOf('commands', { terminalSessionId: sessionId }))).toEqual(ids(expected.commands.filter((c) => c.session === sessionEventId)));
  });

  it('filters terminal sessions by user, source, activity and access session', async () => {
    expect(sorted(await eventIdsOf('terminalSessions', { userId: f.bob.id }))).toEqual(ids(expected.sessions.filter((s) => s.user === 'bob')));
    expect(sorted(await eventIdsOf('terminalSessions', { source: 'SHELL_CLI' }))).toEqual(ids(expected.sessions.filter((s) => s.source === 'SHELL_CLI')));
    expect(sorted(await eventIdsOf('terminalSessions', { isActive: true }))).toEqual(ids(expected.sessions.filter((s) => !s.ended)));
    expect(sorted(await eventIdsOf('terminalSessions', { isActive: false }))).toEqual(ids(expected.sessions.filter((s) => s.ended)));
    expect(sorted(await eventIdsOf('terminalSessions', { accessSessionId: f.aliceAccess.id }))).toEqual(ids(expected.sessions.filter((s) => s.inAccess)));
  });

  it('filters file transfers by user, direction, status and search', async () => {
    expect(sorted(await eventIdsOf('fileTransfers', { userId: f.alice.id }))).toEqual(ids(expected.transfers.filter((x) => x.user === 'alice')));
    expect(sorted(await eventIdsOf('fileTransfers', { direction: 'DOWNLOAD' }))).toEqual(ids(expected.transfers.filter((x) => x.direction === 'DOWNLOAD')));
    expect(sorted(await eventIdsOf('fileTransfers', { status: 'FAILED' }))).toEqual(ids(expected.transfers.filter((x) => x.status === 'FAILED')));
    expect(await eventIdsOf('fileTransfers', { search: 'report-42.csv' })).toEqual(['ft-42']);
  });

  it('filters system logs by level, minimum level, program and message', async () => {
    expect(sorted(await eventIdsOf('systemLogs', { level: ['ERROR'] }))).toEqual(ids(expected.logs.filter((l) => l.level === 'ERROR')));
    expect(sorted(await eventIdsOf('systemLogs', { minLevel: 'WARNING' }))).toEqual(
      ids(expected.logs.filter((l) => l.level === 'WARNING' || l.level === 'ERROR')),
    );
    expect(sorted(await eventIdsOf('systemLogs', { program: 'sshd' }))).toEqual(ids(expected.logs.filter((l) => l.program === 'sshd')));
    expect(sorted(await eventIdsOf('systemLogs', { search: 'failed password' }))).toEqual(
      ids(expected.logs.filter((l) => l.message.startsWith('Failed password'))),
    );
  });

  it('filters sudo authorizations by user and how they were granted', async () => {
    expect(sorted(await eventIdsOf('sudoAuthorizations', { userId: f.bob.id }))).toEqual(ids(expected.grants.filter((g) => g.user === 'bob')));
    expect(sorted(await eventIdsOf('sudoAuthorizations', { grantedVia: 'POLICY' }))).toEqual(ids(expected.grants.filter((g) => g.grantedVia === 'POLICY')));
  });
});

describe('what a record tells', () => {
  it('traces a command typed in an access session back to the request, the approver and the person', async () => {
    const response = await t.gql<any>(
      `{ commands(first: 1, filter: { accessSessionId: "${f.aliceAccess.id}", status: [FAILED] }) { nodes {
          line status exitCode result delaySeconds elapsedSeconds approvalId operator { email } server { name }
          terminalSession { eventId username source }
          accessSession { reason requester { email } approver { email } servers { name } }
      } } }`,
      t.admin.token,
    );
    expect(response.errors).toBeUndefined();
    const command = response.data!.commands.nodes[0];
    expect(command).toMatchObject({
      status: 'FAILED',
      exitCode: 1,
      result: 'No such file',
      delaySeconds: 30,
      elapsedSeconds: 15,
      approvalId: f.aliceAccess.approvalId,
      operator: { email: 'alice@example.test' },
      server: { name: 'web-01' },
      terminalSession: { username: 'alice' },
      accessSession: {
        reason: 'deploy hotfix',
        requester: { email: 'alice@example.test' },
        approver: { email: 'admin@localhost' },
        servers: [{ name: 'web-01' }],
      },
    });
  });

  it("gives a terminal session's record of commands and its duration", async () => {
    const response = await t.gql<any>(
      '{ terminalSessions(filter: { isActive: false, username: "bob" }, first: 1) { nodes { eventId durationSeconds isActive commands(first: 100) { nodes { eventId } } } } }',
      t.admin.token,
    );
    const session = response.data!.terminalSessions.nodes[0];
    const index = Number(session.eventId.slice(3));
    expect(session.isActive).toBe(false);
    expect(session.durationSeconds).toBe((900 - 25 * index - (400 - index)) * 60);
    expect(sorted(session.commands.nodes.map((node: { eventId: string }) => node.eventId))).toEqual(
      ids(expected.commands.filter((c) => c.session === session.eventId)),
    );
  });
});

describe('rejected batches', () => {
  it('writes nothing when one event is bad, and names its index and field', async () => {
    const events = [
      { eventId: 'new-log-1', kind: 'SYSTEM_LOG', systemLog: { program: 'cron', level: 'INFO', message: 'ok', loggedAt: minutesAgo(t, 1) } },
      { eventId: 'new-cmd-1', kind: 'COMMAND', command: { shell: 'SYSTEM', line: 'uptime', submittedAt: minutesAgo(t, 1), userEmail: 'alice@example.test' } },
      { eventId: 'new-cmd-2', kind: 'COMMAND', command: { shell: 'SYSTEM', line: '   ', submittedAt: minutesAgo(t, 1) } },
    ];
    const response = await ingest(t, f.web.agentToken, events);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.extensions.field).toBe('events.2.command.line');
    expect(await eventIdsOf('systemLogs', { program: 'cron' })).toEqual([]);
    expect(await eventIdsOf('commands', { search: 'uptime' })).toEqual([]);
  });

  it('names the failing reference, the missing payload, the future timestamp and the oversized batch', async () => {
    const cases: [Record<string, unknown>[], string][] = [
      [
        [{ eventId: 'x1', kind: 'COMMAND', command: { shell: 'SYSTEM', line: 'id', submittedAt: minutesAgo(t, 1), userEmail: 'nobody@example.test' } }],
        'events.0.command.userEmail',
      ],
      [[{ eventId: 'x2', kind: 'COMMAND', systemLog: { program: 'a', level: 'INFO', message: 'b', loggedAt: minutesAgo(t, 1) } }], 'events.0.systemLog'],
      [
        [{ eventId: 'x3', kind: 'SYSTEM_LOG', systemLog: { program: 'a', level: 'INFO', message: 'b', loggedAt: minutesAgo(t, -60) } }],
        'events.0.systemLog.loggedAt',
      ],
      [
        [{ eventId: 'x4', kind: 'TERMINAL_SESSION_ENDED', terminalSessionEnded: { sessionEventId: 'no-such-session', endedAt: minutesAgo(t, 1) } }],
        'events.0.terminalSessionEnded.sessionEventId',
      ],
      [
        [{ eventId: 'has space', kind: 'SYSTEM_LOG', systemLog: { program: 'a', level: 'INFO', message: 'b', loggedAt: minutesAgo(t, 1) } }],
        'events.0.eventId',
      ],
      [
        Array.from({ length: 1001 }, (_, i) => ({
          eventId: `many-${i}`,
          kind: 'SYSTEM_LOG',
          systemLog: { program: 'a', level: 'INFO', message: 'b', loggedAt: minutesAgo(t, 1) },
        })),
        'events',
      ],
    ];
    for (const [events, field] of cases) {
      const response = await ingest(t, f.web.agentToken, events);
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors![0]!.extensions.field).toBe(field);
    }
    expect(await eventIdsOf('systemLogs', { program: 'a' })).toEqual([]);
  });

  it('refuses a finished command going back to Running, and keeps it finished', async () => {
    const done = expected.commands.find((c) => c.status === 'SUCCESS' && c.shell === 'system')!;
    const response = await ingest(t, f.web.agentToken, [
      {
        eventId: `${done.eventId}-again`,
        kind: 'COMMAND_UPDATE',
        commandUpdate: { commandEventId: done.eventId, status: 'RUNNING', reportedAt: minutesAgo(t, 0) },
      },
    ]);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.extensions.field).toBe('events.0.commandUpdate.status');
    expect(response.errors![0]!.message).toContain('a SUCCESS command cannot become RUNNING');
    expect(await eventIdsOf('commands', { search: done.line, status: ['SUCCESS'] })).toContain(done.eventId);
  });

  it('refuses reads and writes from the wrong kind of token', async () => {
    expect(
      errorCodes(
        await ingest(t, f.alice.token, [
          { eventId: 'y', kind: 'SYSTEM_LOG', systemLog: { program: 'a', level: 'INFO', message: 'b', loggedAt: minutesAgo(t, 1) } },
        ]),
      ),
    ).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql('{ commands { nodes { id } } }', f.web.agentToken))).toEqual(['FORBIDDEN']);
  });

  it("keeps agents to their own server: another server's agent cannot update this server's commands", async () => {
    const running = expected.commands.find((c) => c.status === 'RUNNING')!;
    const response = await ingest(t, f.db.agentToken, [
      { eventId: 'foreign-update', kind: 'COMMAND_UPDATE', commandUpdate: { commandEventId: running.eventId, status: 'FAILED', reportedAt: minutesAgo(t, 0) } },
    ]);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.extensions.field).toBe('events.0.commandUpdate.commandEventId');
  });
});
