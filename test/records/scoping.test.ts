/**
 * Who sees which audit records: every list, detail and nested field of the records, asked by a
 * regular user (alice), another regular user (bob), carol (SESSION_RECORDINGS_VIEW), dave
 * (MONITORING_VIEW), the tenant's admin, the admin of another tenant and an agent token. Each
 * answer is compared with the exact set of rows the rules of server/auth/scope.ts allow.
 *
 * Rows are named (ts-alice, cmd-bob-1, access-alice …) and every id an answer carries is mapped
 * back to its name, so a leak shows up as a name that should not be there.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activityLog } from '../../server/db/tables/index.js';
import { createAccessSession } from '../../server/records/access-sessions.js';
import { inTransaction } from '../../server/service-context.js';
import { errorCodes, type GraphQLResponse } from '../support/graphql-client.js';
import { buildRecordsFixture, ingest, minutesAgo, type RecordsFixture } from '../support/records-fixture.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

type ActorName = 'admin' | 'alice' | 'bob' | 'carol' | 'dave' | 'otherAdmin';
const ACTORS: readonly ActorName[] = ['admin', 'alice', 'bob', 'carol', 'dave', 'otherAdmin'];
const ADMINS: readonly ActorName[] = ['admin', 'otherAdmin'];
const EMAIL: Record<ActorName, string> = {
  admin: 'admin@localhost',
  alice: 'alice@example.test',
  bob: 'bob@example.test',
  carol: 'carol@example.test',
  dave: 'dave@example.test',
  otherAdmin: 'admin@other.test',
};

// ---------------------------------------------------------------------------------------------
// The known records. Tenant `default` on web-01; tenant `other` on other-01.
// ---------------------------------------------------------------------------------------------

interface TerminalSessionFacts {
  owner: ActorName;
  server: string;
  remoteIp: string;
  browser: string;
  access: string;
  commands: string[];
}
const TERMINAL_SESSIONS: Record<string, TerminalSessionFacts> = {
  'ts-alice': {
    owner: 'alice',
    server: 'web-01',
    remoteIp: '203.0.113.7',
    browser: 'Firefox',
    access: 'access-alice',
    commands: ['cmd-alice-1', 'cmd-alice-2'],
  },
  'ts-bob': { owner: 'bob', server: 'web-01', remoteIp: '198.51.100.9', browser: 'Chrome', access: 'access-bob', commands: ['cmd-bob-1', 'cmd-bob-2'] },
  'ts-other': { owner: 'otherAdmin', server: 'other-01', remoteIp: '192.0.2.44', browser: 'Safari', access: 'access-other', commands: [] },
};

interface CommandFacts {
  owner: ActorName | null;
  server: string;
  line: string;
  result: string;
  /** Whose API token submitted it. */
  token: ActorName | null;
  terminalSession: string | null;
  access: string | null;
}
const COMMANDS: Record<string, CommandFacts> = {
  'cmd-alice-1': {
    owner: 'alice',
    server: 'web-01',
    line: 'git pull --ff-only',
    result: 'Already up to date.',
    token: 'alice',
    terminalSession: 'ts-alice',
    access: 'access-alice',
  },
  'cmd-alice-2': {
    owner: 'alice',
    server: 'web-01',
    line: 'systemctl restart app',
    result: 'alice: restarted',
    token: null,
    terminalSession: 'ts-alice',
    access: 'access-alice',
  },
  'cmd-bob-1': {
    owner: 'bob',
    server: 'web-01',
    line: 'cat /etc/app/secrets.env',
    result: 'API_KEY=bob-secret',
    token: 'bob',
    terminalSession: 'ts-bob',
    access: 'access-bob',
  },
  'cmd-bob-2': {
    owner: 'bob',
    server: 'web-01',
    line: 'tail -n 50 /var/log/app.log',
    result: 'bob: 50 lines',
    token: null,
    terminalSession: 'ts-bob',
    access: 'access-bob',
  },
  'cmd-internal': { owner: null, server: 'web-01', line: 'apt-get update', result: 'internal: 12 packages', token: null, terminalSession: null, access: null },
  'cmd-admin': { owner: 'admin', server: 'web-01', line: 'uptime', result: 'admin: up 3 days', token: null, terminalSession: null, access: null },
  'cmd-other': { owner: 'otherAdmin', server: 'other-01', line: 'df -h', result: 'other: 40% used', token: null, terminalSession: null, access: null },
};

interface FileTransferFacts {
  owner: ActorName;
  server: string;
  remoteIp: string;
  access: string;
}
const FILE_TRANSFERS: Record<string, FileTransferFacts> = {
  'ft-alice': { owner: 'alice', server: 'web-01', remoteIp: '203.0.113.7', access: 'access-alice' },
  'ft-bob': { owner: 'bob', server: 'web-01', remoteIp: '198.51.100.9', access: 'access-bob' },
  'ft-other': { owner: 'otherAdmin', server: 'other-01', remoteIp: '192.0.2.44', access: 'access-other' },
};

const SUDO_AUTHORIZATIONS: Record<string, { owner: ActorName; server: string; access: string }> = {
  'sudo-alice': { owner: 'alice', server: 'web-01', access: 'access-alice' },
  'sudo-bob': { owner: 'bob', server: 'web-01', access: 'access-bob' },
  'sudo-other': { owner: 'otherAdmin', server: 'other-01', access: 'access-other' },
};

const SYSTEM_LOGS = ['log-1', 'log-2', 'log-other'];

interface AccessSessionFacts {
  owner: ActorName;
  approver: ActorName;
  servers: string[];
  terminalSessions: string[];
  commands: string[];
  fileTransfers: string[];
  sudoAuthorizations: string[];
}
const ACCESS_SESSIONS: Record<string, AccessSessionFacts> = {
  'access-alice': {
    owner: 'alice',
    approver: 'admin',
    servers: ['web-01'],
    terminalSessions: ['ts-alice'],
    commands: ['cmd-alice-1', 'cmd-alice-2'],
    fileTransfers: ['ft-alice'],
    sudoAuthorizations: ['sudo-alice'],
  },
  'access-bob': {
    owner: 'bob',
    approver: 'admin',
    servers: ['web-01'],
    terminalSessions: ['ts-bob'],
    commands: ['cmd-bob-1', 'cmd-bob-2'],
    fileTransfers: ['ft-bob'],
    sudoAuthorizations: ['sudo-bob'],
  },
  'access-other': {
    owner: 'otherAdmin',
    approver: 'otherAdmin',
    servers: ['other-01'],
    terminalSessions: ['ts-other'],
    commands: [],
    fileTransfers: ['ft-other'],
    sudoAuthorizations: ['sudo-other'],
  },
};

// ---------------------------------------------------------------------------------------------
// The rules, as tables: actor → the exact rows each list gives them, or the error it answers.
// ---------------------------------------------------------------------------------------------

type Expected = readonly string[] | 'FORBIDDEN';

interface RecordKind {
  /** The list query and the detail query. */
  list: string;
  detail: string;
  /** Every row of this kind, in both tenants. */
  all: readonly string[];
  visible: Record<ActorName, Expected>;
}

const KINDS: Record<string, RecordKind> = {
  commands: {
    list: 'commands',
    detail: 'command',
    all: Object.keys(COMMANDS),
    visible: {
      admin: ['cmd-admin', 'cmd-alice-1', 'cmd-alice-2', 'cmd-bob-1', 'cmd-bob-2', 'cmd-internal'],
      alice: ['cmd-alice-1', 'cmd-alice-2'],
      bob: ['cmd-bob-1', 'cmd-bob-2'],
      carol: [],
      dave: [],
      otherAdmin: ['cmd-other'],
    },
  },
  terminalSessions: {
    list: 'terminalSessions',
    detail: 'terminalSession',
    all: Object.keys(TERMINAL_SESSIONS),
    visible: {
      admin: ['ts-alice', 'ts-bob'],
      alice: ['ts-alice'],
      bob: ['ts-bob'],
      carol: ['ts-alice', 'ts-bob'],
      dave: [],
      otherAdmin: ['ts-other'],
    },
  },
  fileTransfers: {
    list: 'fileTransfers',
    detail: 'fileTransfer',
    all: Object.keys(FILE_TRANSFERS),
    visible: { admin: ['ft-alice', 'ft-bob'], alice: ['ft-alice'], bob: ['ft-bob'], carol: [], dave: [], otherAdmin: ['ft-other'] },
  },
  sudoAuthorizations: {
    list: 'sudoAuthorizations',
    detail: 'sudoAuthorization',
    all: Object.keys(SUDO_AUTHORIZATIONS),
    visible: { admin: ['sudo-alice', 'sudo-bob'], alice: ['sudo-alice'], bob: ['sudo-bob'], carol: [], dave: [], otherAdmin: ['sudo-other'] },
  },
  accessSessions: {
    list: 'accessSessions',
    detail: 'accessSession',
    all: Object.keys(ACCESS_SESSIONS),
    visible: {
      admin: ['access-alice', 'access-bob'],
      alice: ['access-alice'],
      bob: ['access-bob'],
      carol: [],
      dave: [],
      otherAdmin: ['access-other'],
    },
  },
  systemLogs: {
    list: 'systemLogs',
    detail: 'systemLog',
    all: SYSTEM_LOGS,
    visible: { admin: ['log-1', 'log-2'], alice: 'FORBIDDEN', bob: 'FORBIDDEN', carol: 'FORBIDDEN', dave: ['log-1', 'log-2'], otherAdmin: ['log-other'] },
  },
};

/** `viewer { … }`: one's own rows, whatever one's role or permissions. */
const VIEWER: Record<ActorName, Record<'commands' | 'terminalSessions' | 'fileTransfers' | 'sudoAuthorizations' | 'accessSessions', string[]>> = {
  admin: { commands: ['cmd-admin'], terminalSessions: [], fileTransfers: [], sudoAuthorizations: [], accessSessions: [] },
  alice: {
    commands: ['cmd-alice-1', 'cmd-alice-2'],
    terminalSessions: ['ts-alice'],
    fileTransfers: ['ft-alice'],
    sudoAuthorizations: ['sudo-alice'],
    accessSessions: ['access-alice'],
  },
  bob: {
    commands: ['cmd-bob-1', 'cmd-bob-2'],
    terminalSessions: ['ts-bob'],
    fileTransfers: ['ft-bob'],
    sudoAuthorizations: ['sudo-bob'],
    accessSessions: ['access-bob'],
  },
  carol: { commands: [], terminalSessions: [], fileTransfers: [], sudoAuthorizations: [], accessSessions: [] },
  dave: { commands: [], terminalSessions: [], fileTransfers: [], sudoAuthorizations: [], accessSessions: [] },
  otherAdmin: {
    commands: ['cmd-other'],
    terminalSessions: ['ts-other'],
    fileTransfers: ['ft-other'],
    sudoAuthorizations: ['sudo-other'],
    accessSessions: ['access-other'],
  },
};

/** Field rule: remoteIp, browser, result and operatorToken show to admins and the row's owner only. */
const seesPrivateFields = (actor: ActorName, owner: ActorName | null) => ADMINS.includes(actor) || actor === owner;

const visibleTo = (kind: string, actor: ActorName): readonly string[] => {
  const expected = KINDS[kind]!.visible[actor];
  return expected === 'FORBIDDEN' ? [] : expected;
};

// ---------------------------------------------------------------------------------------------
// Set-up
// ---------------------------------------------------------------------------------------------

let t: TestVigil;
let fixture: RecordsFixture;
let tokens: Record<ActorName, string>;
/** Row name → id, and back. */
const idOf = new Map<string, string>();
const nameOf = new Map<string, string>();
const name = (id: string) => nameOf.get(id) ?? `unknown row ${id}`;
const id = (rowName: string) => {
  const found = idOf.get(rowName);
  if (!found) throw new Error(`no row named ${rowName}`);
  return found;
};
const remember = (rowName: string, rowId: string) => {
  idOf.set(rowName, rowId);
  nameOf.set(rowId, rowName);
};
/** The id of the registerServer activity entry in each tenant. */
let defaultActivityId: string;
let otherActivityId: string;

async function tokenIdOf(token: string): Promise<string> {
  const response = await t.gql<any>('{ apiTokens { nodes { id } } }', token);
  expect(response.errors).toBeUndefined();
  expect(response.data!.apiTokens.nodes).toHaveLength(1);
  return response.data!.apiTokens.nodes[0].id;
}

async function ingestAll(agentToken: string, events: Record<string, unknown>[]) {
  const response = await ingest(t, agentToken, events);
  expect(response.errors).toBeUndefined();
  expect(response.data!.ingestEvents.accepted).toBe(events.length);
  for (const event of response.data!.ingestEvents.events) remember(event.eventId, event.recordId);
}

async function registerServerAsAdmin(token: string, serverName: string): Promise<void> {
  const response = await t.gql<any>('mutation($in: RegisterServerInput!) { registerServer(input: $in) { id } }', token, {
    in: { name: serverName, hostname: `${serverName}.example.test` },
  });
  expect(response.errors).toBeUndefined();
}

/** The activity-log rows of a tenant, read from the table itself (the oracle for activityLog). */
async function activityRowsOf(tenantId: string) {
  return t.vigil.database.db.select().from(activityLog).where(eq(activityLog.tenantId, tenantId));
}

beforeAll(async () => {
  // Reads every nested list whole, pages of 500 in pages of 500: far over the default cost limit on purpose.
  t = await startTestVigil({ env: { VIGIL_GRAPHQL_MAX_COST: '10000000' } });
  fixture = await buildRecordsFixture(t);
  tokens = {
    admin: t.admin.token,
    alice: fixture.alice.token,
    bob: fixture.bob.token,
    carol: fixture.carol.token,
    dave: fixture.dave.token,
    otherAdmin: fixture.other.admin.token,
  };
  remember('access-alice', fixture.aliceAccess.id);
  const bobAccess = await inTransaction(t.systemContext(t.admin.tenantId), (tx) =>
    createAccessSession(tx, {
      requesterId: fixture.bob.id,
      approverId: t.admin.id,
      approvalId: '01a21c00-0000-7000-8000-00000000b001',
      reason: 'read logs',
      status: 'active',
      serverIds: [fixture.web.id],
      requestedAt: new Date(t.clock.now().getTime() - 31 * 86_400_000),
      // In force whenever the events below happened: agents place events only in such sessions.
      startsAt: new Date(t.clock.now().getTime() - 30 * 86_400_000),
      expiresAt: new Date(t.clock.now().getTime() + 30 * 86_400_000),
    }),
  );
  remember('access-bob', bobAccess.id);
  const otherAccess = await inTransaction(t.systemContext(fixture.other.tenantId), (tx) =>
    createAccessSession(tx, {
      requesterId: fixture.other.admin.id,
      approverId: fixture.other.admin.id,
      reason: 'disk check',
      status: 'active',
      serverIds: [fixture.other.server.id],
      requestedAt: new Date(t.clock.now().getTime() - 31 * 86_400_000),
      // In force whenever the events below happened: agents place events only in such sessions.
      startsAt: new Date(t.clock.now().getTime() - 30 * 86_400_000),
      expiresAt: new Date(t.clock.now().getTime() + 30 * 86_400_000),
    }),
  );
  remember('access-other', otherAccess.id);

  remember('token-alice', await tokenIdOf(fixture.alice.token));
  remember('token-bob', await tokenIdOf(fixture.bob.token));

  const sessionEvent = (eventId: string, minutes: number, source: string) => {
    const facts = TERMINAL_SESSIONS[eventId]!;
    return {
      eventId,
      kind: 'TERMINAL_SESSION_STARTED',
      terminalSessionStarted: {
        userEmail: EMAIL[facts.owner],
        username: facts.owner.toLowerCase(),
        source,
        startedAt: minutesAgo(t, minutes),
        remoteIp: facts.remoteIp,
        browser: facts.browser,
        accessSessionId: id(facts.access),
      },
    };
  };
  const commandEvent = (eventId: string, minutes: number, extra: Record<string, unknown> = {}) => {
    const facts = COMMANDS[eventId]!;
    const typedIn = facts.terminalSession ? { terminalSessionEventId: facts.terminalSession } : {};
    const submittedBy = facts.token ? { operatorTokenId: id(`token-${facts.token}`) } : {};
    return {
      eventId,
      kind: 'COMMAND',
      command: {
        shell: 'SYSTEM',
        line: facts.line,
        status: 'SUCCESS',
        submittedAt: minutesAgo(t, minutes),
        result: facts.result,
        ...typedIn,
        ...submittedBy,
        ...extra,
      },
    };
  };
  const transferEvent = (eventId: string, minutes: number) => {
    const facts = FILE_TRANSFERS[eventId]!;
    return {
      eventId,
      kind: 'FILE_TRANSFER',
      fileTransfer: {
        userEmail: EMAIL[facts.owner],
        username: facts.owner.toLowerCase(),
        direction: 'UPLOAD',
        objectName: `${eventId}.tar.gz`,
        path: `/tmp/${eventId}.tar.gz`,
        sizeBytes: 1024,
        status: 'SUCCESS',
        occurredAt: minutesAgo(t, minutes),
        remoteIp: facts.remoteIp,
        accessSessionId: id(facts.access),
      },
    };
  };
  const sudoEvent = (eventId: string, minutes: number, grantedByUserId: string) => {
    const facts = SUDO_AUTHORIZATIONS[eventId]!;
    return {
      eventId,
      kind: 'SUDO_AUTHORIZATION',
      sudoAuthorization: {
        userEmail: EMAIL[facts.owner],
        command: '/usr/bin/systemctl restart app',
        grantedVia: 'ADMIN',
        grantedByUserId,
        grantedAt: minutesAgo(t, minutes),
        accessSessionId: id(facts.access),
      },
    };
  };
  const logEvent = (eventId: string, minutes: number) => ({
    eventId,
    kind: 'SYSTEM_LOG',
    systemLog: { program: 'sshd', level: 'INFO', pid: 4242, message: `${eventId}: accepted publickey`, loggedAt: minutesAgo(t, minutes) },
  });

  await ingestAll(fixture.web.agentToken, [
    sessionEvent('ts-alice', 50, 'WEB_TERMINAL'),
    sessionEvent('ts-bob', 45, 'SHELL_CLI'),
    commandEvent('cmd-alice-1', 49),
    commandEvent('cmd-alice-2', 48),
    commandEvent('cmd-bob-1', 44),
    commandEvent('cmd-bob-2', 43),
    commandEvent('cmd-internal', 40, { shell: 'INTERNAL' }),
    commandEvent('cmd-admin', 39, { userEmail: EMAIL.admin }),
    transferEvent('ft-alice', 47),
    transferEvent('ft-bob', 42),
    sudoEvent('sudo-alice', 46, t.admin.id),
    sudoEvent('sudo-bob', 41, t.admin.id),
    logEvent('log-1', 30),
    logEvent('log-2', 29),
  ]);
  await ingestAll(fixture.other.server.agentToken, [
    sessionEvent('ts-other', 35, 'SHELL_CLI'),
    commandEvent('cmd-other', 34, { userEmail: EMAIL.otherAdmin }),
    transferEvent('ft-other', 33),
    sudoEvent('sudo-other', 32, fixture.other.admin.id),
    logEvent('log-other', 31),
  ]);

  // Admin mutations, so each tenant's activity log holds an entry we know.
  await registerServerAsAdmin(t.admin.token, 'scoping-01');
  await registerServerAsAdmin(fixture.other.admin.token, 'scoping-other-01');
  const registered = async (tenantId: string, serverName: string) => {
    const rows = (await activityRowsOf(tenantId)).filter((row) => row.action === 'server.registered' && row.details.name === serverName);
    expect(rows).toHaveLength(1);
    return rows[0]!.id;
  };
  defaultActivityId = await registered(t.admin.tenantId, 'scoping-01');
  otherActivityId = await registered(fixture.other.tenantId, 'scoping-other-01');
});
afterAll(async () => t?.close());

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const sorted = (names: readonly string[]) => [...names].sort();
const namesOf = (connection: { nodes: { id: string }[] }) => sorted(connection.nodes.map((node) => name(node.id)));

/** The error codes of a refused answer, or the sorted names of the rows it lists. */
function outcome(response: GraphQLResponse<any>, field: string): string[] | string {
  if (response.errors) return errorCodes(response).join(',');
  return namesOf(response.data![field]);
}
const expectedOutcome = (expected: Expected) => (expected === 'FORBIDDEN' ? 'FORBIDDEN' : sorted(expected));
const describeExpected = (expected: Expected) =>
  expected === 'FORBIDDEN' ? 'FORBIDDEN' : expected.length === 0 ? 'an empty list' : `exactly ${expected.join(', ')}`;

async function list(field: string, token: string, filter?: Record<string, unknown>, filterType?: string) {
  if (!filter) return t.gql<any>(`{ ${field}(first: 500) { nodes { id } } }`, token);
  return t.gql<any>(`query($filter: ${filterType}!) { ${field}(first: 500, filter: $filter) { nodes { id } } }`, token, { filter });
}

/** FOUND (with the right row), or the error code the detail query answers. */
async function detail(field: string, token: string, rowName: string): Promise<string> {
  const response = await t.gql<any>(`query($id: ID!) { ${field}(id: $id) { id } }`, token, { id: id(rowName) });
  if (response.errors) return errorCodes(response).join(',');
  return response.data![field].id === id(rowName) ? 'FOUND' : `WRONG ROW ${name(response.data![field].id)}`;
}

// ---------------------------------------------------------------------------------------------
// Lists
// ---------------------------------------------------------------------------------------------

describe('record lists', () => {
  for (const [kind, rules] of Object.entries(KINDS)) {
    describe(kind, () => {
      for (const actor of ACTORS) {
        it(`gives ${actor} ${describeExpected(rules.visible[actor])}`, async () => {
          expect(outcome(await list(rules.list, tokens[actor]), rules.list)).toEqual(expectedOutcome(rules.visible[actor]));
        });
      }
    });
  }

  it("gives each tenant's admin exactly that tenant's activity log, and everyone else FORBIDDEN", async () => {
    const query = '{ activityLog(first: 500) { nodes { id action } } }';
    const ownIds = async (tenantId: string) => sorted((await activityRowsOf(tenantId)).map((row) => row.id));
    const admin = await t.gql<any>(query, tokens.admin);
    expect(admin.errors).toBeUndefined();
    expect(sorted(admin.data!.activityLog.nodes.map((node: { id: string }) => node.id))).toEqual(await ownIds(t.admin.tenantId));
    expect(admin.data!.activityLog.nodes.map((node: { id: string }) => node.id)).toContain(defaultActivityId);
    const other = await t.gql<any>(query, tokens.otherAdmin);
    expect(other.errors).toBeUndefined();
    expect(sorted(other.data!.activityLog.nodes.map((node: { id: string }) => node.id))).toEqual(await ownIds(fixture.other.tenantId));
    expect(other.data!.activityLog.nodes.map((node: { id: string }) => node.id)).toContain(otherActivityId);
    for (const actor of ['alice', 'bob', 'carol', 'dave'] as const) {
      const response = await t.gql(query, tokens[actor]);
      expect({ actor, codes: errorCodes(response), data: response.data }).toEqual({ actor, codes: ['FORBIDDEN'], data: null });
    }
  });

  it('refuses the activity log to regular users however they filter it', async () => {
    const filters = [
      { userId: fixture.alice.id },
      { userEmail: 'alice@example.test' },
      { action: ['server.registered'] },
      { result: 200 },
      { ipAddress: '127.0.0.1' },
      { from: minutesAgo(t, 600), to: minutesAgo(t, -600) },
    ];
    for (const actor of ['alice', 'bob', 'carol', 'dave'] as const) {
      for (const filter of filters) {
        const response = await list('activityLog', tokens[actor], filter, 'ActivityFilterInput');
        expect({ actor, filter, codes: errorCodes(response) }).toEqual({ actor, filter, codes: ['FORBIDDEN'] });
      }
    }
  });

  it('refuses every record list, and viewer, to an agent token with FORBIDDEN', async () => {
    for (const field of [...Object.values(KINDS).map((kind) => kind.list), 'activityLog']) {
      const response = await list(field, fixture.web.agentToken);
      expect({ field, codes: errorCodes(response) }).toEqual({ field, codes: ['FORBIDDEN'] });
    }
    const viewer = await t.gql('{ viewer { commands { nodes { id } } } }', fixture.web.agentToken);
    expect(errorCodes(viewer)).toEqual(['FORBIDDEN']);
  });
});

// ---------------------------------------------------------------------------------------------
// Detail queries
// ---------------------------------------------------------------------------------------------

describe('detail queries', () => {
  for (const rules of Object.values(KINDS)) {
    describe(`${rules.detail}(id)`, () => {
      for (const actor of ACTORS) {
        const visible = rules.visible[actor];
        const summary = visible === 'FORBIDDEN' ? 'FORBIDDEN for every row' : `${visible.join(', ') || 'no row'}, and NOT_FOUND for the rest`;
        it(`finds for ${actor} ${summary}`, async () => {
          const got: Record<string, string> = {};
          const want: Record<string, string> = {};
          for (const row of rules.all) {
            got[row] = await detail(rules.detail, tokens[actor], row);
            want[row] = visible === 'FORBIDDEN' ? 'FORBIDDEN' : visible.includes(row) ? 'FOUND' : 'NOT_FOUND';
          }
          expect(got).toEqual(want);
        });
      }
      it('answers FORBIDDEN to an agent token', async () => {
        expect(await detail(rules.detail, fixture.web.agentToken, rules.all[0]!)).toBe('FORBIDDEN');
      });
    });
  }

  describe('activityEntry(id)', () => {
    const query = 'query($id: ID!) { activityEntry(id: $id) { id action } }';
    const lookUp = async (token: string, entryId: string) => {
      const response = await t.gql<any>(query, token, { id: entryId });
      if (response.errors) return errorCodes(response).join(',');
      return response.data!.activityEntry.id === entryId ? 'FOUND' : 'WRONG ROW';
    };
    it("finds each tenant's entry for that tenant's admin only, NOT_FOUND for the other tenant's admin", async () => {
      expect([await lookUp(tokens.admin, defaultActivityId), await lookUp(tokens.admin, otherActivityId)]).toEqual(['FOUND', 'NOT_FOUND']);
      expect([await lookUp(tokens.otherAdmin, otherActivityId), await lookUp(tokens.otherAdmin, defaultActivityId)]).toEqual(['FOUND', 'NOT_FOUND']);
    });
    it('answers FORBIDDEN to regular users, holders of permissions and agent tokens', async () => {
      for (const token of [tokens.alice, tokens.bob, tokens.carol, tokens.dave, fixture.web.agentToken]) {
        expect(await lookUp(token, defaultActivityId)).toBe('FORBIDDEN');
      }
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Field rules: remoteIp, browser, result, operatorToken
// ---------------------------------------------------------------------------------------------

describe('owner-or-admin fields', () => {
  const expectedCommandFields = (actor: ActorName, command: string) => {
    const facts = COMMANDS[command]!;
    const sees = seesPrivateFields(actor, facts.owner);
    return {
      id: command,
      line: facts.line,
      result: sees ? facts.result : null,
      operatorToken: sees && facts.token ? { id: `token-${facts.token}` } : null,
    };
  };
  const namedCommand = (node: { id: string; line: string; result: string | null; operatorToken: { id: string } | null }) => ({
    ...node,
    id: name(node.id),
    operatorToken: node.operatorToken && { id: name(node.operatorToken.id) },
  });

  for (const actor of ACTORS) {
    it(`shows ${actor} remoteIp, browser, command results and tokens of terminal sessions only where ${actor} is admin or owner`, async () => {
      const response = await t.gql<any>(
        '{ terminalSessions(first: 500) { nodes { id remoteIp browser commands(first: 500) { nodes { id line result operatorToken { id } } } } } }',
        tokens[actor],
      );
      expect(response.errors).toBeUndefined();
      const got = sortById(
        response.data!.terminalSessions.nodes.map((node: any) => ({
          id: name(node.id),
          remoteIp: node.remoteIp,
          browser: node.browser,
          commands: sortById(node.commands.nodes.map(namedCommand)),
        })),
      );
      const want = sortById(
        visibleTo('terminalSessions', actor).map((session) => {
          const facts = TERMINAL_SESSIONS[session]!;
          const sees = seesPrivateFields(actor, facts.owner);
          return {
            id: session,
            remoteIp: sees ? facts.remoteIp : null,
            browser: sees ? facts.browser : null,
            commands: sortById(facts.commands.map((command) => expectedCommandFields(actor, command))),
          };
        }),
      );
      expect(got).toEqual(want);
    });

    it(`shows ${actor} Command.result and operatorToken only on commands ${actor} owns or as admin`, async () => {
      const response = await t.gql<any>('{ commands(first: 500) { nodes { id line result operatorToken { id } } } }', tokens[actor]);
      expect(response.errors).toBeUndefined();
      expect(sortById(response.data!.commands.nodes.map(namedCommand))).toEqual(
        sortById(visibleTo('commands', actor).map((command) => expectedCommandFields(actor, command))),
      );
    });

    it(`shows ${actor} FileTransfer.remoteIp only on transfers ${actor} owns or as admin`, async () => {
      const response = await t.gql<any>('{ fileTransfers(first: 500) { nodes { id remoteIp } } }', tokens[actor]);
      expect(response.errors).toBeUndefined();
      expect(sortById(response.data!.fileTransfers.nodes.map((node: any) => ({ id: name(node.id), remoteIp: node.remoteIp })))).toEqual(
        sortById(
          visibleTo('fileTransfers', actor).map((transfer) => {
            const facts = FILE_TRANSFERS[transfer]!;
            return { id: transfer, remoteIp: seesPrivateFields(actor, facts.owner) ? facts.remoteIp : null };
          }),
        ),
      );
    });
  }

  it("lets carol read bob's terminal session and its command lines, but not its remoteIp, browser or results", async () => {
    const response = await t.gql<any>(
      'query($id: ID!) { terminalSession(id: $id) { user { email } username remoteIp browser commands { nodes { line result operatorToken { id } } } } }',
      tokens.carol,
      { id: id('ts-bob') },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.terminalSession).toEqual({
      user: { email: 'bob@example.test' },
      username: 'bob',
      remoteIp: null,
      browser: null,
      commands: {
        nodes: [
          { line: 'tail -n 50 /var/log/app.log', result: null, operatorToken: null },
          { line: 'cat /etc/app/secrets.env', result: null, operatorToken: null },
        ],
      },
    });
  });

  it("shows bob and the admin bob's own remoteIp, browser, results and token on the detail queries", async () => {
    for (const actor of ['bob', 'admin'] as const) {
      const session = await t.gql<any>('query($id: ID!) { terminalSession(id: $id) { remoteIp browser } }', tokens[actor], { id: id('ts-bob') });
      expect(session.data!.terminalSession).toEqual({ remoteIp: '198.51.100.9', browser: 'Chrome' });
      const command = await t.gql<any>('query($id: ID!) { command(id: $id) { result operatorToken { id } } }', tokens[actor], { id: id('cmd-bob-1') });
      expect(command.data!.command).toEqual({ result: 'API_KEY=bob-secret', operatorToken: { id: id('token-bob') } });
      const transfer = await t.gql<any>('query($id: ID!) { fileTransfer(id: $id) { remoteIp } }', tokens[actor], { id: id('ft-bob') });
      expect(transfer.data!.fileTransfer).toEqual({ remoteIp: '198.51.100.9' });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Nested fields
// ---------------------------------------------------------------------------------------------

describe('nested fields', () => {
  const personEmail = (person: { email: string } | null) => person?.email ?? null;
  const nameOrNull = (row: { id: string } | null) => (row ? name(row.id) : null);

  for (const actor of ACTORS) {
    const commands = visibleTo('commands', actor);
    if (commands.length > 0) {
      it(`resolves server, operator, terminalSession and accessSession of the commands ${actor} sees`, async () => {
        const response = await t.gql<any>(
          '{ commands(first: 500) { nodes { id server { name } operator { email } terminalSession { id } accessSession { id } } } }',
          tokens[actor],
        );
        expect(response.errors).toBeUndefined();
        const got = response.data!.commands.nodes.map((node: any) => ({
          id: name(node.id),
          server: node.server.name,
          operator: personEmail(node.operator),
          terminalSession: nameOrNull(node.terminalSession),
          accessSession: nameOrNull(node.accessSession),
        }));
        const want = commands.map((command) => {
          const facts = COMMANDS[command]!;
          return {
            id: command,
            server: facts.server,
            operator: facts.owner && EMAIL[facts.owner],
            terminalSession: facts.terminalSession,
            accessSession: facts.access,
          };
        });
        expect(sortById(got)).toEqual(sortById(want));
      });
    }

    const accessSessions = visibleTo('accessSessions', actor);
    if (accessSessions.length > 0) {
      it(`lists every child of the access sessions ${actor} sees: terminal sessions, commands, file transfers, sudo grants`, async () => {
        const response = await t.gql<any>(
          `{ accessSessions(first: 500) { nodes { id requester { email } approver { email } servers { name }
              terminalSessions { nodes { id } } commands { nodes { id } } fileTransfers { nodes { id } } sudoAuthorizations { nodes { id } } } } }`,
          tokens[actor],
        );
        expect(response.errors).toBeUndefined();
        const got = response.data!.accessSessions.nodes.map((node: any) => ({
          id: name(node.id),
          requester: node.requester.email,
          approver: personEmail(node.approver),
          servers: node.servers.map((server: { name: string }) => server.name),
          terminalSessions: namesOf(node.terminalSessions),
          commands: namesOf(node.commands),
          fileTransfers: namesOf(node.fileTransfers),
          sudoAuthorizations: namesOf(node.sudoAuthorizations),
        }));
        const want = accessSessions.map((session) => {
          const facts = ACCESS_SESSIONS[session]!;
          return {
            id: session,
            requester: EMAIL[facts.owner],
            approver: EMAIL[facts.approver],
            servers: facts.servers,
            terminalSessions: sorted(facts.terminalSessions),
            commands: sorted(facts.commands),
            fileTransfers: sorted(facts.fileTransfers),
            sudoAuthorizations: sorted(facts.sudoAuthorizations),
          };
        });
        expect(sortById(got)).toEqual(sortById(want));
      });
    }
  }

  for (const actor of ['admin', 'alice', 'bob', 'otherAdmin'] as const) {
    it(`resolves server, user and accessSession of the terminal sessions ${actor} sees`, async () => {
      const response = await t.gql<any>('{ terminalSessions(first: 500) { nodes { id server { name } user { email } accessSession { id } } } }', tokens[actor]);
      expect(response.errors).toBeUndefined();
      const got = response.data!.terminalSessions.nodes.map((node: any) => ({
        id: name(node.id),
        server: node.server.name,
        user: personEmail(node.user),
        accessSession: nameOrNull(node.accessSession),
      }));
      const want = visibleTo('terminalSessions', actor).map((session) => {
        const facts = TERMINAL_SESSIONS[session]!;
        return { id: session, server: facts.server, user: EMAIL[facts.owner], accessSession: facts.access };
      });
      expect(sortById(got)).toEqual(sortById(want));
    });
  }

  it("pages carol through bob's session's commands with a cursor and meets exactly its two commands", async () => {
    const page = (after: string | null) =>
      t.gql<any>(
        'query($id: ID!, $after: String) { terminalSession(id: $id) { commands(first: 1, after: $after) { nodes { id result } pageInfo { hasNextPage endCursor } } } }',
        tokens.carol,
        { id: id('ts-bob'), after },
      );
    const first = await page(null);
    expect(first.errors).toBeUndefined();
    const second = await page(first.data!.terminalSession.commands.pageInfo.endCursor);
    expect(second.errors).toBeUndefined();
    const nodes = [...first.data!.terminalSession.commands.nodes, ...second.data!.terminalSession.commands.nodes];
    expect(nodes.map((node: { id: string; result: string | null }) => ({ id: name(node.id), result: node.result }))).toEqual([
      { id: 'cmd-bob-2', result: null },
      { id: 'cmd-bob-1', result: null },
    ]);
    expect(second.data!.terminalSession.commands.pageInfo.hasNextPage).toBe(false);
  });

  // carol holds session_recordings.view: other people's terminal sessions, not their access sessions
  // (accessSession(id) answers her NOT_FOUND), file transfers or sudo grants.
  it('gives carol no access session of others through TerminalSession.accessSession or Command.accessSession', async () => {
    const response = await t.gql<any>(
      '{ terminalSessions(first: 500) { nodes { id accessSession { id } commands { nodes { id accessSession { id } } } } } }',
      tokens.carol,
    );
    expect(response.errors).toBeUndefined();
    const reached = response.data!.terminalSessions.nodes.flatMap((node: any) => [
      node.accessSession,
      ...node.commands.nodes.map((command: any) => command.accessSession),
    ]);
    expect(reached.filter(Boolean).map((session: { id: string }) => name(session.id))).toEqual([]);
    for (const session of ['access-alice', 'access-bob']) expect(await detail('accessSession', tokens.carol, session)).toBe('NOT_FOUND');
  });

  it("gives carol no file transfer or sudo grant of others through a terminal session's access session", async () => {
    const response = await t.gql<any>(
      `{ terminalSessions(first: 500) { nodes { accessSession {
          fileTransfers { nodes { id remoteIp } } sudoAuthorizations { nodes { id } } } } } }`,
      tokens.carol,
    );
    expect(response.errors).toBeUndefined();
    const reached = response.data!.terminalSessions.nodes.flatMap((node: any) =>
      node.accessSession ? [...node.accessSession.fileTransfers.nodes, ...node.accessSession.sudoAuthorizations.nodes] : [],
    );
    expect(reached.map((row: { id: string }) => name(row.id))).toEqual([]);
  });
});

function sortById<T extends { id: string }>(rows: T[]): T[] {
  return [...rows].sort((a, b) => a.id.localeCompare(b.id));
}

// ---------------------------------------------------------------------------------------------
// viewer and filters
// ---------------------------------------------------------------------------------------------

describe('viewer', () => {
  for (const actor of ACTORS) {
    const own = VIEWER[actor];
    const summary = Object.values(own).flat().join(', ') || 'nothing';
    it(`gives ${actor} only ${actor}'s own rows (${summary}), whatever the role`, async () => {
      const response = await t.gql<any>(
        `{ viewer { user { email } commands(first: 500) { nodes { id } } terminalSessions(first: 500) { nodes { id } }
            fileTransfers(first: 500) { nodes { id } } sudoAuthorizations(first: 500) { nodes { id } } accessSessions(first: 500) { nodes { id } } } }`,
        tokens[actor],
      );
      expect(response.errors).toBeUndefined();
      const viewer = response.data!.viewer;
      expect({
        user: viewer.user.email,
        commands: namesOf(viewer.commands),
        terminalSessions: namesOf(viewer.terminalSessions),
        fileTransfers: namesOf(viewer.fileTransfers),
        sudoAuthorizations: namesOf(viewer.sudoAuthorizations),
        accessSessions: namesOf(viewer.accessSessions),
      }).toEqual({
        user: EMAIL[actor],
        commands: sorted(own.commands),
        terminalSessions: sorted(own.terminalSessions),
        fileTransfers: sorted(own.fileTransfers),
        sudoAuthorizations: sorted(own.sudoAuthorizations),
        accessSessions: sorted(own.accessSessions),
      });
    });
  }
});

describe('filters never widen the scope', () => {
  const cases: { actor: ActorName; field: string; filterType: string; filter: () => Record<string, unknown>; expected: string[]; what: string }[] = [
    {
      actor: 'alice',
      field: 'commands',
      filterType: 'CommandFilterInput',
      filter: () => ({ userId: fixture.bob.id }),
      expected: [],
      what: "bob's commands by userId",
    },
    {
      actor: 'alice',
      field: 'commands',
      filterType: 'CommandFilterInput',
      filter: () => ({ terminalSessionId: id('ts-bob') }),
      expected: [],
      what: "the commands of bob's terminal session",
    },
    {
      actor: 'alice',
      field: 'commands',
      filterType: 'CommandFilterInput',
      filter: () => ({ accessSessionId: id('access-bob') }),
      expected: [],
      what: "the commands of bob's access session",
    },
    {
      actor: 'alice',
      field: 'commands',
      filterType: 'CommandFilterInput',
      filter: () => ({ search: 'secrets' }),
      expected: [],
      what: "bob's command by searching its line",
    },
    {
      actor: 'alice',
      field: 'terminalSessions',
      filterType: 'TerminalSessionFilterInput',
      filter: () => ({ userId: fixture.bob.id }),
      expected: [],
      what: "bob's terminal sessions",
    },
    {
      actor: 'alice',
      field: 'fileTransfers',
      filterType: 'FileTransferFilterInput',
      filter: () => ({ userId: fixture.bob.id }),
      expected: [],
      what: "bob's file transfers",
    },
    {
      actor: 'alice',
      field: 'sudoAuthorizations',
      filterType: 'SudoAuthorizationFilterInput',
      filter: () => ({ userId: fixture.bob.id }),
      expected: [],
      what: "bob's sudo grants",
    },
    {
      actor: 'alice',
      field: 'accessSessions',
      filterType: 'AccessSessionFilterInput',
      filter: () => ({ userId: fixture.bob.id }),
      expected: [],
      what: "bob's access sessions",
    },
    {
      actor: 'carol',
      field: 'commands',
      filterType: 'CommandFilterInput',
      filter: () => ({ userId: fixture.bob.id }),
      expected: [],
      what: "bob's commands (her permission covers terminal sessions only)",
    },
    {
      actor: 'otherAdmin',
      field: 'commands',
      filterType: 'CommandFilterInput',
      filter: () => ({ userId: fixture.alice.id }),
      expected: [],
      what: "another tenant's user's commands",
    },
    {
      actor: 'otherAdmin',
      field: 'terminalSessions',
      filterType: 'TerminalSessionFilterInput',
      filter: () => ({ serverId: fixture.web.id }),
      expected: [],
      what: "another tenant's server's terminal sessions",
    },
    {
      actor: 'otherAdmin',
      field: 'systemLogs',
      filterType: 'SystemLogFilterInput',
      filter: () => ({ serverId: fixture.web.id }),
      expected: [],
      what: "another tenant's server's system logs",
    },
    // Controls: the same filters do match for those allowed to see the rows.
    {
      actor: 'admin',
      field: 'commands',
      filterType: 'CommandFilterInput',
      filter: () => ({ userId: fixture.bob.id }),
      expected: ['cmd-bob-1', 'cmd-bob-2'],
      what: "bob's commands by userId",
    },
    {
      actor: 'carol',
      field: 'terminalSessions',
      filterType: 'TerminalSessionFilterInput',
      filter: () => ({ userId: fixture.bob.id }),
      expected: ['ts-bob'],
      what: "bob's terminal sessions",
    },
    {
      actor: 'dave',
      field: 'systemLogs',
      filterType: 'SystemLogFilterInput',
      filter: () => ({ serverId: fixture.web.id }),
      expected: ['log-1', 'log-2'],
      what: "web-01's system logs",
    },
  ];
  for (const { actor, field, filterType, filter, expected, what } of cases) {
    it(`gives ${actor} ${describeExpected(expected)} when asking ${field} for ${what}`, async () => {
      expect(outcome(await list(field, tokens[actor], filter(), filterType), field)).toEqual(sorted(expected));
    });
  }

  it("gives alice nothing of bob's through viewer filters either", async () => {
    const response = await t.gql<any>(
      'query($bob: ID!) { viewer { commands(filter: { userId: $bob }) { nodes { id } } terminalSessions(filter: { userId: $bob }) { nodes { id } } } }',
      tokens.alice,
      { bob: fixture.bob.id },
    );
    expect(response.errors).toBeUndefined();
    expect([namesOf(response.data!.viewer.commands), namesOf(response.data!.viewer.terminalSessions)]).toEqual([[], []]);
  });
});
