/**
 * Custom roles scoped by server labels. Tenant `default` has three servers: prod-db (env=prod,
 * team=db), prod-web (env=prod, team=web) and dev-01 (env=dev), and bob's records on each (an
 * access session, a terminal session with its recording, a command, a file transfer, a sudo
 * authorization, a system log). An auditor role {records.view, session_recordings.view,
 * monitoring.view, audit_logs.export} scoped to env=prod,team=db is assigned to the group
 * `auditors`, of which audrey is a member; she also ran one command of her own on dev-01.
 *
 * Audrey must see exactly prod-db's rows plus her own in every path that shows others' records.
 * The paths are enumerated from the schema and the export catalogue: a list field, export or
 * subscription added later fails the first test until a case here covers it or the exclusion
 * list says why it needs none.
 */
import { getNamedType, isObjectType, type GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../server/clock.js';
import { RECORD_EXPORTS } from '../../server/export/record-exports.js';
import { createAccessSession } from '../../server/records/access-sessions.js';
import { inTransaction } from '../../server/service-context.js';
import { buildVigilSchema } from '../../schema/build-schema.js';
import { bindSlackWorkspace } from '../support/chat-binding.js';
import { fetchExport, parseCsv } from '../support/export-client.js';
import { postToSlackEndpoint, slashCommand, startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { errorCodes } from '../support/graphql-client.js';
import { castLines, getRecordingPath, putChunk, putDesktopChunk } from '../support/recording-agent.js';
import { addServer, ingest, minutesAgo, type TestServer } from '../support/records-fixture.js';
import { connectSubscriber, settle } from '../support/subscription-client.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

const SECRET = 'slack-signing-secret-for-tests-0123456789';
const TEAM = 'T1';
const AUDREY_SLACK = 'UAUDREY';

type ServerName = 'prod-db' | 'prod-web' | 'dev-01';
const SERVERS: readonly ServerName[] = ['prod-db', 'prod-web', 'dev-01'];
const LABELS: Record<ServerName, { key: string; value: string }[]> = {
  'prod-db': [
    { key: 'env', value: 'prod' },
    { key: 'team', value: 'db' },
  ],
  'prod-web': [
    { key: 'env', value: 'prod' },
    { key: 'team', value: 'web' },
  ],
  'dev-01': [{ key: 'env', value: 'dev' }],
};

let t: TestVigil;
let slack: FakeSlack;
let base: string;
let tenantId: string;
let bob: TestUser;
let audrey: TestUser;
let dana: TestUser;
const servers = {} as Record<ServerName, TestServer>;
/** Bob's access session on each server. */
const accessSessions = {} as Record<ServerName, string>;
let auditorRoleId: string;
let otherTenant: { tenantId: string; admin: TestUser; server: TestServer };

const gqlOk = async (query: string, token: string, variables?: Record<string, unknown>): Promise<any> => {
  const response = await t.gql<any>(query, token, variables);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data;
};
const sorted = <T>(values: readonly T[]) => [...values].sort();
/** What audrey should see of bob's rows: prod-db's (and her own, where she has rows). */
const ON_PROD_DB = ['prod-db'];

// ---------------------------------------------------------------------------------------------
// Every path that lists records, by name: the ones this file covers, and the ones that need no case.
// ---------------------------------------------------------------------------------------------

const COVERED_QUERIES = [
  'accessSessions',
  'terminalSessions',
  'commands',
  'fileTransfers',
  'sudoAuthorizations',
  'systemLogs',
  'approvals',
  'approvalsToReview',
  'terminalRecordings',
  'searchTerminalRecordings',
  'desktopRecordings',
  'eventStream',
  'timeline',
];
/** Connections that are not records of servers, or not others' records, with why. */
const EXCLUDED_QUERIES: Record<string, string> = {
  activityLog: 'admins only, whatever roles one holds (governance)',
  auditLog: 'needs audit_logs.view, which a role scoped by labels cannot hold',
  agentDirectives: 'admins only',
  alerts: 'needs monitoring.view held tenant-wide',
  alertRules: 'settings: admins only',
  apiTokens: 'one’s own tokens, or admins',
  approvalPolicies: 'settings: admins only',
  sudoChecks: 'admins only',
  notifications: 'one’s own notifications',
  notificationChannels: 'settings: admins only',
  onCallIntegrations: 'settings: admins only',
  servers: 'the servers themselves, not records on them',
  users: 'admins only',
  webhookSubscriptions: 'settings: needs monitoring.view held tenant-wide',
  webhookDeliveries: 'settings: needs monitoring.view held tenant-wide',
  logLeaves: 'needs audit_logs.view',
  logCheckpoints: 'needs audit_logs.view',
  accessReviews: 'admins and named reviewers (access reviews), not records of servers',
  cases: 'needs cases.manage, which a role scoped by labels cannot hold',
  reportRuns: 'admins only (review digests)',
  reportSchedules: 'settings: admins only',
  retentionPolicies: 'settings: admins only',
};
const COVERED_SUBSCRIPTIONS = ['eventRecorded', 'commandChanged', 'terminalSessionChanged', 'accessSessionChanged', 'eventStream'];
const EXCLUDED_SUBSCRIPTIONS: Record<string, string> = {
  approvalRequested: 'reviewRefusal decides, as decideApproval does: covered by the approval eligibility cases',
  approvalDecided: 'canSeeApproval decides, as the approval query does',
  auditEntryAppended: 'needs audit_logs.view',
  directives: 'agents only',
  notificationReceived: 'one’s own notifications',
  recordingEvents: 'one recording, by the same rule as its download (covered)',
};
const COVERED_EXPORTS = ['commands', 'terminal-sessions', 'file-transfers', 'access-sessions', 'approvals'];
const EXCLUDED_EXPORTS: Record<string, string> = {
  'activity-log': 'admins only',
};

function connectionFields(schema: GraphQLSchema): string[] {
  const query = schema.getQueryType()!;
  return Object.values(query.getFields())
    .filter((field) => {
      const type = getNamedType(field.type);
      return isObjectType(type) && (type.name.endsWith('Connection') || type.name === 'EventStreamPage');
    })
    .map((field) => field.name);
}

// ---------------------------------------------------------------------------------------------

async function recordsOn(server: ServerName): Promise<void> {
  const agent = servers[server].agentToken;
  const session = accessSessions[server];
  const reported = await ingest(t, agent, [
    {
      eventId: `ts-${server}`,
      kind: 'TERMINAL_SESSION_STARTED',
      terminalSessionStarted: { userEmail: bob.email, username: 'bob', source: 'WEB_TERMINAL', startedAt: minutesAgo(t, 50), accessSessionId: session },
    },
    {
      eventId: `cmd-${server}`,
      kind: 'COMMAND',
      command: {
        shell: 'SYSTEM',
        line: `echo ${server}`,
        userEmail: bob.email,
        terminalSessionEventId: `ts-${server}`,
        status: 'SUCCESS',
        submittedAt: minutesAgo(t, 40),
      },
    },
    {
      eventId: `ft-${server}`,
      kind: 'FILE_TRANSFER',
      fileTransfer: {
        userEmail: bob.email,
        username: 'bob',
        direction: 'UPLOAD',
        objectName: server,
        path: `/tmp/${server}`,
        status: 'SUCCESS',
        occurredAt: minutesAgo(t, 30),
        accessSessionId: session,
      },
    },
    {
      eventId: `sudo-${server}`,
      kind: 'SUDO_AUTHORIZATION',
      sudoAuthorization: {
        userEmail: bob.email,
        command: `/usr/bin/systemctl restart ${server}`,
        grantedVia: 'ADMIN',
        grantedByUserId: t.admin.id,
        grantedAt: minutesAgo(t, 35),
        accessSessionId: session,
      },
    },
    {
      eventId: `log-${server}`,
      kind: 'SYSTEM_LOG',
      systemLog: { program: 'sshd', level: 'INFO', pid: 42, message: `log on ${server}`, loggedAt: minutesAgo(t, 20) },
    },
  ]);
  expect(reported.errors, JSON.stringify(reported.errors)).toBeUndefined();
  const chunk = await putChunk(t, agent, `ts-${server}`, 0, castLines([[0.5, 'o', `hello from ${server}\r\n`]], { version: 2, width: 80, height: 24 }));
  expect(chunk.status).toBe(201);
  // A desktop session too (chunk 0 of a WebM starts with the EBML magic).
  const video = Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), Buffer.alloc(500, 7)]);
  const desktop = await putDesktopChunk(t, agent, `desk-${server}`, 0, video, {
    frames: 30,
    until: 1,
    protocol: 'rdp',
    width: 1280,
    height: 720,
    userEmail: bob.email,
    username: 'bob',
    final: true,
  });
  expect(desktop.status).toBe(201);
}

beforeAll(async () => {
  slack = await startFakeSlack();
  t = await startTestVigil({ env: { SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: 'xoxb-test', SLACK_API_URL: slack.apiUrl } });
  base = t.url.replace(/\/graphql$/, '');
  tenantId = t.admin.tenantId;
  bob = await t.createUser(tenantId, { email: 'bob@example.test' });
  audrey = await t.createUser(tenantId, { email: 'audrey@example.test', groups: ['auditors'] });
  dana = await t.createUser(tenantId, { email: 'dana@example.test', groups: ['dba'] });
  for (const name of SERVERS) servers[name] = await addServer(t, tenantId, name, LABELS[name]);
  for (const name of SERVERS) {
    const session = await inTransaction(t.systemContext(tenantId), (tx) =>
      createAccessSession(tx, {
        requesterId: bob.id,
        approverId: t.admin.id,
        approvalId: null,
        reason: `work on ${name}`,
        status: 'active',
        serverIds: [servers[name].id],
        isSudoAllowed: true,
        requestedAt: new Date(t.clock.now().getTime() - 2 * 86_400_000),
        startsAt: new Date(t.clock.now().getTime() - 86_400_000),
        expiresAt: new Date(t.clock.now().getTime() + 86_400_000),
      }),
    );
    accessSessions[name] = session.id;
  }
  for (const name of SERVERS) await recordsOn(name);
  // Audrey's own command, on a server outside her role's reach.
  const own = await ingest(t, servers['dev-01'].agentToken, [
    {
      eventId: 'cmd-audrey',
      kind: 'COMMAND',
      command: { shell: 'SYSTEM', line: 'echo audrey-own', userEmail: audrey.email, status: 'SUCCESS', submittedAt: minutesAgo(t, 10) },
    },
  ]);
  expect(own.errors).toBeUndefined();

  // Another tenant with a server of the very same labels, and a command on it.
  const other = await t.createTenant('other');
  const otherServer = await addServer(t, other.tenantId, 'prod-db', LABELS['prod-db']);
  otherTenant = { ...other, server: otherServer };
  const foreign = await ingest(t, otherServer.agentToken, [
    {
      eventId: 'cmd-other',
      kind: 'COMMAND',
      command: { shell: 'SYSTEM', line: 'echo other-tenant', userEmail: other.admin.email, status: 'SUCCESS', submittedAt: minutesAgo(t, 10) },
    },
  ]);
  expect(foreign.errors).toBeUndefined();

  const created = await gqlOk(
    `mutation { createRole(input: { name: "auditor", description: "reads the database team's prod servers",
      permissions: [RECORDS_VIEW, SESSION_RECORDINGS_VIEW, MONITORING_VIEW, AUDIT_LOGS_EXPORT],
      serverSelectors: [{ labels: [{ key: "env", value: "prod" }, { key: "team", value: "db" }] }] }) { id builtIn } }`,
    t.admin.token,
  );
  auditorRoleId = created.createRole.id;
  await gqlOk('mutation($role: ID!) { assignRole(roleId: $role, group: "auditors") { id } }', t.admin.token, { role: auditorRoleId });
  const approver = await gqlOk(
    `mutation { createRole(input: { name: "db approver", permissions: [APPROVALS_DECIDE],
      serverSelectors: [{ labels: [{ key: "team", value: "db" }] }] }) { id } }`,
    t.admin.token,
  );
  await gqlOk('mutation($role: ID!, $user: ID!) { assignRole(roleId: $role, userId: $user) { id } }', t.admin.token, {
    role: approver.createRole.id,
    user: dana.id,
  });

  await bindSlackWorkspace(t, { slack, base, secret: SECRET }, TEAM);
  slack.users.set(AUDREY_SLACK, { email: audrey.email, isEmailConfirmed: true });
}, 180_000);

afterAll(async () => {
  await t?.close();
  await slack?.close();
});

describe('the paths a label-scoped auditor could read records through', () => {
  it('are each covered here or excluded with a reason: list fields, exports and subscriptions', async () => {
    const schema = await buildVigilSchema();
    const lists = connectionFields(schema);
    const unaccounted = lists.filter((field) => !COVERED_QUERIES.includes(field) && !(field in EXCLUDED_QUERIES));
    expect(unaccounted, 'a Query list field no case here covers: add a case, or an exclusion saying why').toEqual([]);
    for (const field of COVERED_QUERIES) expect(lists).toContain(field);

    const subscriptions = Object.keys(schema.getSubscriptionType()!.getFields());
    expect(subscriptions.filter((field) => !COVERED_SUBSCRIPTIONS.includes(field) && !(field in EXCLUDED_SUBSCRIPTIONS))).toEqual([]);

    const exports = RECORD_EXPORTS.map((kind) => kind.name);
    expect(exports.filter((name) => !COVERED_EXPORTS.includes(name) && !(name in EXCLUDED_EXPORTS))).toEqual([]);
  });
});

describe('an auditor holding a role scoped to env=prod,team=db through a group', () => {
  const LISTS: Record<string, { query: string; servers: (data: any) => string[] }> = {
    accessSessions: {
      query: '{ accessSessions(first: 100) { nodes { reason servers { name } } } }',
      servers: (data) => data.accessSessions.nodes.flatMap((node: any) => node.servers.map((server: any) => server.name)),
    },
    terminalSessions: {
      query: '{ terminalSessions(first: 100) { nodes { server { name } } } }',
      servers: (data) => data.terminalSessions.nodes.map((node: any) => node.server.name),
    },
    commands: {
      query: '{ commands(first: 100) { nodes { line server { name } } } }',
      servers: (data) => data.commands.nodes.map((node: any) => node.server.name),
    },
    fileTransfers: {
      query: '{ fileTransfers(first: 100) { nodes { server { name } } } }',
      servers: (data) => data.fileTransfers.nodes.map((node: any) => node.server.name),
    },
    sudoAuthorizations: {
      query: '{ sudoAuthorizations(first: 100) { nodes { server { name } } } }',
      servers: (data) => data.sudoAuthorizations.nodes.map((node: any) => node.server.name),
    },
    systemLogs: {
      query: '{ systemLogs(first: 100) { nodes { server { name } } } }',
      servers: (data) => data.systemLogs.nodes.map((node: any) => node.server.name),
    },
    terminalRecordings: {
      query: '{ terminalRecordings(first: 100) { nodes { server { name } } } }',
      servers: (data) => data.terminalRecordings.nodes.map((node: any) => node.server.name),
    },
    desktopRecordings: {
      query: '{ desktopRecordings(first: 100) { nodes { server { name } } } }',
      servers: (data) => data.desktopRecordings.nodes.map((node: any) => node.server.name),
    },
    searchTerminalRecordings: {
      query: '{ searchTerminalRecordings(text: "hello", first: 100) { nodes { recording { server { name } } } } }',
      servers: (data) => data.searchTerminalRecordings.nodes.map((node: any) => node.recording.server.name),
    },
  };

  it('lists exactly prod-db’s rows of others, and her own, in every record list; an admin sees all three servers', async () => {
    for (const [name, list] of Object.entries(LISTS)) {
      const seen = list.servers(await gqlOk(list.query, audrey.token));
      const expected = name === 'commands' ? ['dev-01', ...ON_PROD_DB] : ON_PROD_DB;
      expect(sorted(seen), name).toEqual(sorted(expected));
      expect(sorted([...new Set(list.servers(await gqlOk(list.query, t.admin.token)))]), `${name} as admin`).toEqual(sorted(SERVERS));
    }
    const commands = await gqlOk('{ commands(first: 100) { nodes { line } } }', audrey.token);
    expect(sorted(commands.commands.nodes.map((node: any) => node.line))).toEqual(['echo audrey-own', 'echo prod-db']);
    // Bob, a regular user, sees his own rows on every server; nobody else's.
    const bobs = await gqlOk(LISTS.commands!.query, bob.token);
    expect(sorted(LISTS.commands!.servers(bobs))).toEqual(sorted(SERVERS));
  });

  it('reaches a command’s terminal session, access session and server when they are on prod-db, and nothing of prod-web’s', async () => {
    const data = await gqlOk(
      '{ commands(first: 100) { nodes { line server { name } terminalSession { server { name } } accessSession { reason } } } }',
      audrey.token,
    );
    const prodDb = data.commands.nodes.find((node: any) => node.line === 'echo prod-db');
    expect(prodDb).toEqual({
      line: 'echo prod-db',
      server: { name: 'prod-db' },
      terminalSession: { server: { name: 'prod-db' } },
      accessSession: { reason: 'work on prod-db' },
    });
    // Owner-or-admin fields stay hidden from a reader who is neither.
    const result = await gqlOk('{ commands(first: 100) { nodes { line result } } }', audrey.token);
    expect(result.commands.nodes.find((node: any) => node.line === 'echo prod-db').result).toBeNull();
  });

  it('finds nothing by id on prod-web: one-row lookups answer NOT_FOUND (or null)', async () => {
    const ids = await gqlOk(
      '{ commands(first: 100) { nodes { id server { name } } } terminalSessions(first: 100) { nodes { id server { name } } } accessSessions(first: 100) { nodes { id reason } } systemLogs(first: 100) { nodes { id server { name } } } }',
      t.admin.token,
    );
    const on = (nodes: any[]) => nodes.find((node) => node.server?.name === 'prod-web' || node.reason === 'work on prod-web').id;
    for (const [field, nodes] of [
      ['command', ids.commands.nodes],
      ['terminalSession', ids.terminalSessions.nodes],
      ['accessSession', ids.accessSessions.nodes],
      ['systemLog', ids.systemLogs.nodes],
    ] as const) {
      const response = await t.gql<any>(`query($id: ID!) { ${field}(id: $id) { id } }`, audrey.token, { id: on(nodes) });
      expect(response.data?.[field] ?? null, field).toBeNull();
      expect(errorCodes(response), field).toEqual(['NOT_FOUND']);
      const matching = ids[`${field}s`].nodes.find((node: any) => node.server?.name === 'prod-db' || node.reason === 'work on prod-db').id;
      expect((await gqlOk(`query($id: ID!) { ${field}(id: $id) { id } }`, audrey.token, { id: matching }))[field].id).toBe(matching);
    }
  });

  it('downloads prod-db’s recording, and is refused prod-web’s', async () => {
    const recordings = await gqlOk('{ terminalRecordings(first: 100) { nodes { id server { name } } } }', t.admin.token);
    const of = (server: ServerName) => recordings.terminalRecordings.nodes.find((node: any) => node.server.name === server).id;
    const allowed = await getRecordingPath(t, `/recordings/${of('prod-db')}.cast`, audrey.token);
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('hello from prod-db');
    expect((await getRecordingPath(t, `/recordings/${of('prod-web')}.cast`, audrey.token)).status).toBe(403);
    const desktops = await gqlOk('{ desktopRecordings(first: 100) { nodes { id server { name } } } }', t.admin.token);
    const desktopOf = (server: ServerName) => desktops.desktopRecordings.nodes.find((node: any) => node.server.name === server).id;
    expect((await getRecordingPath(t, `/recordings/desktop/${desktopOf('prod-db')}.webm`, audrey.token)).status).toBe(200);
    expect((await getRecordingPath(t, `/recordings/desktop/${desktopOf('prod-web')}.webm`, audrey.token)).status).toBe(403);
  });

  it('exports, as CSV, only the rows she may read; the verifiable log’s JSONL needs audit_logs.view, which she lacks', async () => {
    const serverColumn = (rows: Record<string, string>[]) => sorted(rows.map((row) => row.server_name ?? ''));
    const commands = await fetchExport(t, '/export/commands.csv', audrey.token);
    expect(commands.status).toBe(200);
    expect(serverColumn(parseCsv(commands.text))).toEqual(['dev-01', 'prod-db']);
    const sessions = await fetchExport(t, '/export/terminal-sessions.csv', audrey.token);
    expect(serverColumn(parseCsv(sessions.text))).toEqual(ON_PROD_DB);
    const transfers = await fetchExport(t, '/export/file-transfers.csv', audrey.token);
    expect(serverColumn(parseCsv(transfers.text))).toEqual(ON_PROD_DB);
    const access = await fetchExport(t, '/export/access-sessions.csv', audrey.token);
    expect(parseCsv(access.text).map((row) => row.reason)).toEqual(['work on prod-db']);
    const approvals = await fetchExport(t, '/export/approvals.csv', audrey.token);
    expect(approvals.status).toBe(200);
    expect((await fetchExport(t, '/export/log.jsonl', audrey.token)).status).toBe(403);
    expect((await fetchExport(t, '/export/audit.jsonl', audrey.token)).status).toBe(403);
    // Bob (no export permission at all) is refused.
    expect((await fetchExport(t, '/export/commands.csv', bob.token)).status).toBe(403);
  });

  it('reads the event stream, the timeline and the statistics of prod-db’s records and her own only', async () => {
    const kinds =
      '["command", "terminal_session", "file_transfer", "sudo_authorization", "system_log", "access_session", "terminal_recording", "recording_chunk", "desktop_recording", "desktop_recording_chunk"]';
    const stream = await gqlOk(`{ eventStream(first: 1000, filter: { kinds: ${kinds} }) { nodes { kind serverId record } } }`, audrey.token);
    const serverOf = (node: any) => node.serverId ?? node.record.server_ids?.[0] ?? node.record.recording_id;
    const names = new Map(SERVERS.map((name) => [servers[name].id, name]));
    const placed = stream.eventStream.nodes.filter((node: any) => !node.kind.endsWith('recording_chunk')).map((node: any) => names.get(serverOf(node)));
    expect(new Set(placed)).toEqual(new Set(['prod-db', 'dev-01']));
    expect(stream.eventStream.nodes.filter((node: any) => names.get(serverOf(node)) === 'dev-01').map((node: any) => node.record.line)).toEqual([
      'echo audrey-own',
    ]);
    const kindsSeen = new Set(stream.eventStream.nodes.map((node: any) => node.kind));
    for (const kind of JSON.parse(kinds)) expect(kindsSeen, kind).toContain(kind);
    // Chunks are where their recording is: prod-db's one of each kind (an admin reads three).
    for (const kind of ['recording_chunk', 'desktop_recording_chunk']) {
      expect(
        stream.eventStream.nodes.filter((node: any) => node.kind === kind),
        kind,
      ).toHaveLength(1);
    }
    const timeline = await gqlOk('{ timeline(first: 1000, filter: { kinds: ["command"] }) { nodes { record } } }', audrey.token);
    expect(sorted(timeline.timeline.nodes.map((node: any) => node.record.line))).toEqual(['echo audrey-own', 'echo prod-db']);
    const statistics = await gqlOk('query($since: DateTimeISO) { eventStatistics(since: $since) { byServer { serverId count } } }', audrey.token, {
      since: minutesAgo(t, 24 * 60),
    });
    // Statistics count what the stream shows (commands without a start count in no window, for anyone):
    // prod-db's events, as many as an admin counts there, and no other server.
    const everything = await gqlOk('query($since: DateTimeISO) { eventStatistics(since: $since) { byServer { serverId count } } }', t.admin.token, {
      since: minutesAgo(t, 24 * 60),
    });
    expect(sorted(everything.eventStatistics.byServer.map((row: any) => names.get(row.serverId)))).toEqual(sorted(SERVERS));
    const prodDb = everything.eventStatistics.byServer.find((row: any) => names.get(row.serverId) === 'prod-db');
    expect(statistics.eventStatistics.byServer).toEqual([prodDb]);
  });

  it('receives over graphql-ws what prod-db’s agent reports, never what prod-web’s does', async () => {
    const subscriber = await connectSubscriber(t.url, audrey.token);
    try {
      await subscriber.subscribe('subscription { eventRecorded { kind command { line } } }');
      await subscriber.subscribe('subscription { commandChanged { command { line } } }');
      await subscriber.subscribe('subscription { eventStream(filter: { kinds: ["command"] }) { record } }');
      const report = async (server: ServerName, line: string) => {
        const reported = await ingest(t, servers[server].agentToken, [
          {
            eventId: `live-${server}`,
            kind: 'COMMAND',
            command: { shell: 'SYSTEM', line, userEmail: bob.email, status: 'SUCCESS', submittedAt: minutesAgo(t, 1) },
          },
        ]);
        expect(reported.errors, JSON.stringify(reported.errors)).toBeUndefined();
      };
      // Catch the stream subscription up past what is on record already.
      await settle(500);
      const before = subscriber.received.length;
      await report('prod-web', 'echo live-prod-web');
      await report('prod-db', 'echo live-prod-db');
      await t.vigil.log.settle(tenantId, { force: true });
      await subscriber.waitFor(before + 3, 10_000);
      await settle(500);
      const texts = JSON.stringify(subscriber.received.slice(before));
      expect(texts).toContain('live-prod-db');
      expect(texts).not.toContain('live-prod-web');
      expect(JSON.stringify(subscriber.received)).not.toContain('echo prod-web');
    } finally {
      await subscriber.dispose();
    }
  });

  it('gets, as her Slack user, /audit commands of prod-db and her own (a bot path over signed HTTP)', async () => {
    const response = await postToSlackEndpoint(base, slashCommand('/audit', 'commands', { teamId: TEAM, userId: AUDREY_SLACK }, slack.responseUrl), {
      secret: SECRET,
    });
    expect(response.status).toBe(200);
    const text = JSON.stringify(response.body);
    expect(text).toContain('echo prod-db');
    expect(text).toContain('echo audrey-own');
    expect(text).not.toContain('echo prod-web');
    expect(text).not.toContain('echo dev-01');
  });

  it('never reaches the other tenant’s server of identical labels', async () => {
    const data = await gqlOk('{ commands(first: 100) { nodes { line } } systemLogs(first: 100) { nodes { message } } }', audrey.token);
    expect(JSON.stringify(data)).not.toContain('other-tenant');
    const foreign = await t.gql<any>('query($id: ID!) { server(id: $id) { id } }', audrey.token, { id: otherTenant.server.id });
    expect(foreign.data?.server ?? null).toBeNull();
    const roles = await gqlOk('{ roles { name } }', otherTenant.admin.token);
    expect(roles.roles.map((role: any) => role.name)).toEqual(['ADMIN', 'USER']);
  });
});

describe('approvals decided by a role scoped to team=db', () => {
  it('lets dana approve a request for prod-db, and refuses her one for prod-web with FORBIDDEN', async () => {
    const ask = async (server: ServerName) =>
      (
        await gqlOk('mutation($server: String!) { requestAccess(input: { servers: [$server], durationMinutes: 30, reason: "check" }) { id } }', bob.token, {
          server,
        })
      ).requestAccess.id as string;
    const forDb = await ask('prod-db');
    const forWeb = await ask('prod-web');
    // She is told of the request she may decide, not of the other (the bell; the bots' audience is the same query).
    const told = await gqlOk('{ notifications(first: 50) { nodes { resourceId } } }', dana.token);
    expect(told.notifications.nodes.map((node: any) => node.resourceId)).toEqual([forDb]);
    const toReview = await gqlOk('{ approvalsToReview(first: 50) { nodes { id viewerCanDecide } } }', dana.token);
    expect(toReview.approvalsToReview.nodes).toEqual([{ id: forDb, viewerCanDecide: true }]);
    const decide = (id: string) => t.gql<any>('mutation($id: ID!) { decideApproval(id: $id, decision: APPROVE) { status } }', dana.token, { id });
    const web = await decide(forWeb);
    expect(errorCodes(web)).toEqual(['FORBIDDEN']);
    const db = await decide(forDb);
    expect(db.errors).toBeUndefined();
    expect(db.data.decideApproval.status).toBe('APPROVED');
    // Audrey reads approvals of prod-db (records.view), and not prod-web's.
    const seen = await gqlOk('{ approvals(first: 50) { nodes { id } } }', audrey.token);
    const ids = seen.approvals.nodes.map((node: any) => node.id);
    expect(ids).toContain(forDb);
    expect(ids).not.toContain(forWeb);
    expect(errorCodes(await t.gql('query($id: ID!) { approval(id: $id) { id } }', audrey.token, { id: forWeb }))).toEqual(['NOT_FOUND']);
  });
});

describe('managing roles', () => {
  it('lists the built-in roles beside the custom ones and shows a user’s roles through groups', async () => {
    const roles = await gqlOk('{ roles { name builtIn serverSelectors { labels { key value } } } }', t.admin.token);
    expect(roles.roles.map((role: any) => [role.name, role.builtIn])).toEqual([
      ['ADMIN', true],
      ['USER', true],
      ['auditor', false],
      ['db approver', false],
    ]);
    expect(roles.roles[2].serverSelectors).toEqual([
      {
        labels: [
          { key: 'env', value: 'prod' },
          { key: 'team', value: 'db' },
        ],
      },
    ]);
    const mine = await gqlOk('{ me { roles { roleId group isActive } } }', audrey.token);
    expect(mine.me.roles).toEqual([{ roleId: auditorRoleId, group: 'auditors', isActive: true }]);
    expect(errorCodes(await t.gql('{ roles { name } }', audrey.token))).toEqual(['FORBIDDEN']);
  });

  it('refuses bad input naming the field: an unknown permission, a bad selector, a permission not about servers in a scoped role', async () => {
    const create = (input: string) => t.gql<any>(`mutation { createRole(input: ${input}) { id } }`, t.admin.token);
    // An unknown permission is not a value of the Permission enum: GraphQL refuses it before anything runs.
    const unknown = await create('{ name: "x", permissions: [NOPE] }');
    expect(unknown.errors?.[0]?.message).toContain('NOPE');
    const badKey = await create('{ name: "x", permissions: [RECORDS_VIEW], serverSelectors: [{ labels: [{ key: "env prod", value: "x" }] }] }');
    expect(errorCodes(badKey)).toEqual(['BAD_USER_INPUT']);
    expect(badKey.errors?.[0]?.extensions.field).toBe('input.serverSelectors.0.labels.0.key');
    const unbound = await create('{ name: "x", permissions: [AUDIT_LOGS_VIEW], serverSelectors: [{ labels: [{ key: "env", value: "prod" }] }] }');
    expect(errorCodes(unbound)).toEqual(['BAD_USER_INPUT']);
    expect(unbound.errors?.[0]?.extensions.field).toBe('input.permissions');
    expect(unbound.errors?.[0]?.message).toContain('audit_logs.view');
    const duplicate = await create('{ name: "Auditor", permissions: [RECORDS_VIEW] }');
    expect(errorCodes(duplicate)).toEqual(['CONFLICT']);
    const held = await t.gql<any>('mutation($id: ID!) { deleteRole(id: $id) { id } }', t.admin.token, { id: auditorRoleId });
    expect(errorCodes(held)).toEqual(['CONFLICT']);
  });
});

describe('revocation', () => {
  it('takes effect on the next request: unassigned, the auditor sees her own rows again; an expired assignment counts for nothing', async () => {
    const lines = async () => sorted((await gqlOk('{ commands(first: 100) { nodes { line } } }', audrey.token)).commands.nodes.map((node: any) => node.line));
    expect(await lines()).toContain('echo prod-db');
    const [assignment] = (await gqlOk('{ me { roles { id } } }', audrey.token)).me.roles;
    const subscriber = await connectSubscriber(t.url, audrey.token);
    try {
      await subscriber.subscribe('subscription { eventRecorded { command { line } } }');
      await gqlOk('mutation($id: ID!) { unassignRole(assignmentId: $id) { id } }', t.admin.token, { id: assignment.id });
      expect(await lines()).toEqual(['echo audrey-own']);
      // The open subscription re-checks who it acts as on the change (identity.changed); no hook says
      // when that is done, so give it a moment before the agents report.
      await settle(500);
      const before = subscriber.received.length;
      const report = async (server: ServerName, eventId: string, line: string, email: string) =>
        expect(
          (
            await ingest(t, servers[server].agentToken, [
              { eventId, kind: 'COMMAND', command: { shell: 'SYSTEM', line, userEmail: email, status: 'SUCCESS', submittedAt: minutesAgo(t, 1) } },
            ])
          ).errors,
        ).toBeUndefined();
      await report('prod-db', 'after-unassign-db', 'echo after-unassign-prod-db', bob.email);
      await report('dev-01', 'after-unassign-own', 'echo after-unassign-own', audrey.email);
      await subscriber.waitFor(before + 1, 10_000);
      await settle(300);
      expect(subscriber.received.slice(before).map((message) => message.eventRecorded.command.line)).toEqual(['echo after-unassign-own']);
    } finally {
      await subscriber.dispose();
    }
    expect(errorCodes(await t.gql('{ systemLogs(first: 5) { nodes { id } } }', audrey.token))).toEqual(['FORBIDDEN']);

    const clock = t.clock as ManualClock;
    const expiresAt = new Date(clock.now().getTime() + 60 * 60_000).toISOString();
    await gqlOk('mutation($role: ID!, $user: ID!, $at: DateTimeISO) { assignRole(roleId: $role, userId: $user, expiresAt: $at) { id } }', t.admin.token, {
      role: auditorRoleId,
      user: audrey.id,
      at: expiresAt,
    });
    expect(await lines()).toContain('echo prod-db');
    clock.advance(61 * 60_000);
    expect(await lines()).toEqual(['echo after-unassign-own', 'echo audrey-own']);
  });

  it('narrows an open subscription when the assignment expires, with no change to announce it', async () => {
    const clock = t.clock as ManualClock;
    await gqlOk('mutation($role: ID!, $user: ID!, $at: DateTimeISO) { assignRole(roleId: $role, userId: $user, expiresAt: $at) { id } }', t.admin.token, {
      role: auditorRoleId,
      user: audrey.id,
      at: new Date(clock.now().getTime() + 2_000).toISOString(),
    });
    const subscriber = await connectSubscriber(t.url, audrey.token);
    try {
      await subscriber.subscribe('subscription { eventRecorded { command { line } } }');
      // The socket's timer fires two seconds on, when Vigil's clock (moved here) says the role is gone.
      clock.advance(3_000);
      await settle(2_500);
      const before = subscriber.received.length;
      for (const [server, eventId, line, email] of [
        ['prod-db', 'after-expiry-db', 'echo after-expiry-prod-db', bob.email],
        ['dev-01', 'after-expiry-own', 'echo after-expiry-own', audrey.email],
      ] as const) {
        const { errors } = await ingest(t, servers[server].agentToken, [
          { eventId, kind: 'COMMAND', command: { shell: 'SYSTEM', line, userEmail: email, status: 'SUCCESS', submittedAt: minutesAgo(t, 1) } },
        ]);
        expect(errors).toBeUndefined();
      }
      await subscriber.waitFor(before + 1, 10_000);
      await settle(300);
      expect(subscriber.received.slice(before).map((message) => message.eventRecorded.command.line)).toEqual(['echo after-expiry-own']);
    } finally {
      await subscriber.dispose();
    }
  });
});
