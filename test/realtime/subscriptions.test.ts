/**
 * GraphQL subscriptions over a real graphql-ws client: commands, recorded events, terminal
 * sessions, approvals, access sessions, audit entries and notifications arrive live, each only to
 * whom the row and field rules allow; a revoked token or a disabled user loses its sockets (4401).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectSubscriber, settle, type Subscriber } from '../support/subscription-client.js';
import { buildRecordsFixture, ingest, minutesAgo, type RecordsFixture, type TestServer } from '../support/records-fixture.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let f: RecordsFixture;
let erin: TestUser; // approvals.decide
let auditor: TestUser; // audit_logs.view

beforeAll(async () => {
  t = await startTestVigil();
  f = await buildRecordsFixture(t);
  erin = await t.createUser(t.admin.tenantId, { email: 'erin@example.test', permissions: ['approvals.decide'] });
  auditor = await t.createUser(t.admin.tenantId, { email: 'auditor@example.test', permissions: ['audit_logs.view'] });
});
afterAll(() => t?.close());

const open: Subscriber[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((subscriber) => subscriber.dispose()));
});

/** A subscriber acting as `who` (a user or a raw token), with `query` subscribed. */
async function subscribe(who: TestUser | string, query: string, variables?: Record<string, unknown>): Promise<Subscriber> {
  const subscriber = await connectSubscriber(t.url, typeof who === 'string' ? who : who.token);
  open.push(subscriber);
  await subscriber.subscribe(query, variables);
  return subscriber;
}

/** The payloads of one subscription field a subscriber received, in order. */
const of = (subscriber: Subscriber, field: string): any[] => subscriber.received.map((data) => data[field]).filter((value) => value !== undefined);

/** Waits until `predicate` holds for what `subscriber` received. */
async function until(subscriber: Subscriber, predicate: (received: Record<string, any>[]) => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate(subscriber.received)) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms; received ${JSON.stringify(subscriber.received).slice(0, 600)}`);
    await settle(20);
  }
}

/** Resolves to the close code, or 'open' if the socket is still open after `ms`. */
const closeCodeWithin = async (subscriber: Subscriber, ms: number) =>
  Promise.race([subscriber.closed.then((closed) => closed.code), settle(ms).then(() => 'open' as const)]);

let serial = 0;
const nextId = (prefix: string) => `${prefix}-${++serial}`;

async function ingestOk(server: TestServer, events: Record<string, unknown>[]): Promise<void> {
  const response = await ingest(t, server.agentToken, events);
  expect(response.errors).toBeUndefined();
  expect(response.data!.ingestEvents.accepted).toBe(events.length);
}

const command = (eventId: string, fields: Record<string, unknown>) => ({
  eventId,
  kind: 'COMMAND',
  command: { shell: 'SYSTEM', line: `echo ${eventId}`, submittedAt: minutesAgo(t, 10), startedAt: minutesAgo(t, 9), ...fields },
});
const commandUpdate = (eventId: string, commandEventId: string, status: string, fields: Record<string, unknown> = {}) => ({
  eventId,
  kind: 'COMMAND_UPDATE',
  commandUpdate: { commandEventId, status, reportedAt: minutesAgo(t, 1), ...fields },
});
const sessionStarted = (eventId: string, user: TestUser) => ({
  eventId,
  kind: 'TERMINAL_SESSION_STARTED',
  terminalSessionStarted: {
    userId: user.id,
    username: user.email.split('@')[0],
    source: 'WEB_TERMINAL',
    remoteIp: '198.51.100.7',
    browser: 'Firefox',
    startedAt: minutesAgo(t, 20),
  },
});
const sessionEnded = (eventId: string, sessionEventId: string) => ({
  eventId,
  kind: 'TERMINAL_SESSION_ENDED',
  terminalSessionEnded: { sessionEventId, endedAt: minutesAgo(t, 2) },
});
const transfer = (eventId: string, user: TestUser) => ({
  eventId,
  kind: 'FILE_TRANSFER',
  fileTransfer: {
    userId: user.id,
    username: 'u',
    direction: 'UPLOAD',
    objectName: 'a.csv',
    path: '/tmp/a.csv',
    status: 'SUCCESS',
    occurredAt: minutesAgo(t, 3),
  },
});
const systemLog = (eventId: string, message: string) => ({
  eventId,
  kind: 'SYSTEM_LOG',
  systemLog: { program: 'sshd', level: 'WARNING', message, loggedAt: minutesAgo(t, 3) },
});

const COMMAND_CHANGED = `subscription($filter: CommandSubscriptionFilter) {
  commandChanged(filter: $filter) { change command { eventId status result line operator { email } server { name } } }
}`;
const SESSION_CHANGED = `subscription($filter: TerminalSessionSubscriptionFilter) {
  terminalSessionChanged(filter: $filter) { change terminalSession { eventId isActive endedAt remoteIp user { email } commands { nodes { eventId status result } } } }
}`;
const EVENT_RECORDED = `subscription($filter: RecordedEventFilter) {
  eventRecorded(filter: $filter) { kind change command { eventId } fileTransfer { eventId } systemLog { eventId message } terminalSession { eventId } }
}`;

describe('commandChanged', () => {
  it("delivers a command's status changes live to its operator and admins, and to nobody else", async () => {
    const alice = await subscribe(f.alice, COMMAND_CHANGED);
    const bob = await subscribe(f.bob, COMMAND_CHANGED);
    const admin = await subscribe(f.admin, COMMAND_CHANGED);
    const carol = await subscribe(f.carol, COMMAND_CHANGED); // session_recordings.view: not whole-tenant for commands
    await carol.subscribe(SESSION_CHANGED);
    const otherAdmin = await subscribe(f.other.admin, COMMAND_CHANGED);

    const session = nextId('ts');
    const cmd = nextId('cmd');
    await ingestOk(f.web, [sessionStarted(session, f.alice), command(cmd, { terminalSessionEventId: session, status: 'RUNNING', result: 'partial output' })]);
    await alice.waitFor(1);
    await ingestOk(f.web, [commandUpdate(nextId('upd'), cmd, 'SUCCESS', { exitCode: 0, result: 'secret output' }), sessionEnded(nextId('end'), session)]);

    await admin.waitFor(2);
    await alice.waitFor(2);
    const expected = (change: string, status: string, result: string) => ({
      change,
      command: { eventId: cmd, status, result, line: `echo ${cmd}`, operator: { email: f.alice.email }, server: { name: 'web-01' } },
    });
    expect(of(alice, 'commandChanged')).toEqual([expected('CREATED', 'RUNNING', 'partial output'), expected('UPDATED', 'SUCCESS', 'secret output')]);
    expect(of(admin, 'commandChanged')).toEqual(of(alice, 'commandChanged'));

    // carol sees alice's session and its command lines, but never the command's output.
    await until(carol, (received) => received.some((data) => data.terminalSessionChanged?.change === 'ENDED'));
    await settle();
    expect(bob.received).toEqual([]);
    expect(otherAdmin.received).toEqual([]);
    expect(of(carol, 'commandChanged')).toEqual([]);
    const sessions = of(carol, 'terminalSessionChanged');
    expect(sessions.map((change) => change.change)).toEqual(['CREATED', 'ENDED']);
    for (const change of sessions) {
      expect(change.terminalSession).toMatchObject({ eventId: session, user: { email: f.alice.email }, remoteIp: null });
      expect(change.terminalSession.commands.nodes).toEqual([{ eventId: cmd, status: expect.any(String), result: null }]);
    }
    expect(sessions[1].terminalSession.commands.nodes[0].status).toBe('SUCCESS');
    expect(carol.errors).toEqual([]);
  });

  it('filters by server and status: only changes that leave a matching command in a matching status', async () => {
    const filtered = await subscribe(f.admin, COMMAND_CHANGED, { filter: { serverId: f.db.id, status: ['FAILED'] } });
    const all = await subscribe(f.admin, COMMAND_CHANGED);
    const [webFailed, dbOk, dbFailed, dbRunning] = ['web-fail', 'db-ok', 'db-fail', 'db-run'].map(nextId);
    await ingestOk(f.web, [command(webFailed!, { userId: f.alice.id, status: 'FAILED', exitCode: 1 })]);
    await ingestOk(f.db, [
      command(dbOk!, { userId: f.bob.id, status: 'SUCCESS', exitCode: 0 }),
      command(dbFailed!, { userId: f.bob.id, status: 'FAILED', exitCode: 2 }),
      command(dbRunning!, { userId: f.alice.id, status: 'RUNNING' }),
    ]);
    // Rows are read at delivery: let the CREATED changes go out before the update lands.
    await all.waitFor(4);
    await ingestOk(f.db, [commandUpdate(nextId('upd'), dbRunning!, 'FAILED', { exitCode: 137 })]);

    await all.waitFor(5);
    await settle();
    expect(of(filtered, 'commandChanged').map((change) => [change.change, change.command.eventId, change.command.status])).toEqual([
      ['CREATED', dbFailed, 'FAILED'],
      ['UPDATED', dbRunning, 'FAILED'],
    ]);
  });
});

describe('operations refused at subscribe', () => {
  it('answers a syntax error and an unknown field with their errors each time, and the socket keeps serving the valid text', async () => {
    const subscriber = await subscribe(f.admin, 'subscription { commandChanged { change command { eventId } } }');
    const broken = 'subscription { commandChanged { change command { eventId } }';
    const unknown = 'subscription { commandChanged { change command { eventId noSuchField } } }';
    for (const query of [broken, unknown, broken, unknown]) await subscriber.subscribe(query);
    expect(subscriber.errors.map((error) => error.message)).toEqual([
      expect.stringMatching(/^Syntax Error/),
      expect.stringContaining('Cannot query field "noSuchField"'),
      expect.stringMatching(/^Syntax Error/),
      expect.stringContaining('Cannot query field "noSuchField"'),
    ]);
    // The same valid text on a second socket: both get the command.
    const second = await subscribe(f.alice, 'subscription { commandChanged { change command { eventId } } }');
    const cmd = nextId('cmd');
    await ingestOk(f.web, [command(cmd, { userId: f.alice.id, status: 'RUNNING' })]);
    await subscriber.waitFor(1);
    await second.waitFor(1);
    for (const each of [subscriber, second]) expect(of(each, 'commandChanged')).toEqual([{ change: 'CREATED', command: { eventId: cmd } }]);
  });
});

describe('eventRecorded and terminalSessionChanged', () => {
  it('delivers system logs to MONITORING_VIEW only, and a regular user their own records', async () => {
    const dave = await subscribe(f.dave, EVENT_RECORDED, { filter: { kinds: ['SYSTEM_LOG'] } });
    const alice = await subscribe(f.alice, EVENT_RECORDED);
    const admin = await subscribe(f.admin, EVENT_RECORDED);
    const [logA, logB, aliceTransfer, bobTransfer] = ['log', 'log', 'ft-alice', 'ft-bob'].map(nextId);
    await ingestOk(f.web, [
      systemLog(logA!, 'Failed password for root'),
      transfer(aliceTransfer!, f.alice),
      systemLog(logB!, 'accepted'),
      transfer(bobTransfer!, f.bob),
    ]);

    await admin.waitFor(4);
    await settle();
    expect(of(dave, 'eventRecorded').map((event) => [event.kind, event.systemLog?.eventId])).toEqual([
      ['SYSTEM_LOG', logA],
      ['SYSTEM_LOG', logB],
    ]);
    expect(of(alice, 'eventRecorded')).toEqual([
      { kind: 'FILE_TRANSFER', change: 'CREATED', command: null, fileTransfer: { eventId: aliceTransfer }, systemLog: null, terminalSession: null },
    ]);
    expect(alice.errors).toEqual([]);
  });

  it('delivers terminal sessions starting and ending, within the filter', async () => {
    const alice = await subscribe(f.alice, SESSION_CHANGED);
    const carol = await subscribe(f.carol, SESSION_CHANGED, { filter: { userId: f.bob.id } });
    const [aliceSession, bobSession] = ['ts-alice', 'ts-bob'].map(nextId);
    await ingestOk(f.db, [sessionStarted(aliceSession!, f.alice), sessionStarted(bobSession!, f.bob)]);
    await ingestOk(f.db, [sessionEnded(nextId('end'), aliceSession!), sessionEnded(nextId('end'), bobSession!)]);

    await alice.waitFor(2);
    await carol.waitFor(2);
    await settle();
    const summary = (subscriber: Subscriber) =>
      of(subscriber, 'terminalSessionChanged').map(({ change, terminalSession }) => [
        change,
        terminalSession.eventId,
        terminalSession.isActive,
        terminalSession.endedAt !== null,
      ]);
    expect(summary(alice)).toEqual([
      ['CREATED', aliceSession, true, false],
      ['ENDED', aliceSession, false, true],
    ]);
    // Her own session: her network details are hers to see.
    expect(of(alice, 'terminalSessionChanged')[0].terminalSession.remoteIp).toBe('198.51.100.7');
    expect(summary(carol)).toEqual([
      ['CREATED', bobSession, true, false],
      ['ENDED', bobSession, false, true],
    ]);
  });
});

describe('approvals and access sessions', () => {
  const APPROVAL_FIELDS = `id status reason requester { email } approvalsStillNeeded`;

  it('tells approvers of a request, the requester of its decision, and both sides of the session', async () => {
    const approver = await subscribe(erin, `subscription { approvalRequested { ${APPROVAL_FIELDS} } }`);
    const admin = await subscribe(f.admin, `subscription { approvalRequested { ${APPROVAL_FIELDS} } }`);
    const alice = await subscribe(f.alice, `subscription { approvalRequested { ${APPROVAL_FIELDS} } }`);
    const bob = await subscribe(f.bob, `subscription { approvalRequested { ${APPROVAL_FIELDS} } }`);
    for (const [subscriber, query] of [
      [admin, `subscription { approvalDecided { ${APPROVAL_FIELDS} } }`],
      [alice, `subscription { approvalDecided { ${APPROVAL_FIELDS} } }`],
      [bob, `subscription { approvalDecided { ${APPROVAL_FIELDS} } }`],
      [admin, `subscription { accessSessionChanged { id status approvalId } }`],
      [alice, `subscription { accessSessionChanged { id status approvalId } }`],
      [bob, `subscription { accessSessionChanged { id status approvalId } }`],
    ] as const)
      await subscriber.subscribe(query);

    const request = await t.gql(`mutation($input: RequestAccessInput!) { requestAccess(input: $input) { id accessSession { id } } }`, f.alice.token, {
      input: { servers: ['web-01'], durationMinutes: 30, reason: 'rotate the certificates' },
    });
    expect(request.errors).toBeUndefined();
    const { id, accessSession } = request.data!.requestAccess;
    await approver.waitFor(1);
    expect(of(approver, 'approvalRequested')).toEqual([
      { id, status: 'PENDING', reason: 'rotate the certificates', requester: { email: f.alice.email }, approvalsStillNeeded: 1 },
    ]);

    const decided = await t.gql(`mutation($id: ID!) { decideApproval(id: $id, decision: APPROVE) { status } }`, erin.token, { id });
    expect(decided.data).toEqual({ decideApproval: { status: 'APPROVED' } });
    await until(admin, (received) => received.some((data) => data.approvalDecided) && received.some((data) => data.accessSessionChanged));
    await until(alice, (received) => received.some((data) => data.approvalDecided) && received.some((data) => data.accessSessionChanged));
    await settle();

    expect(of(admin, 'approvalRequested').map((approval) => approval.id)).toEqual([id]);
    expect(of(alice, 'approvalRequested')).toEqual([]); // nobody decides their own request
    expect(of(alice, 'approvalDecided')).toEqual([expect.objectContaining({ id, status: 'APPROVED', approvalsStillNeeded: 0 })]);
    expect(of(admin, 'approvalDecided').map((approval) => approval.id)).toEqual([id]);
    const session = { id: accessSession.id, status: 'ACTIVE', approvalId: id };
    expect(of(alice, 'accessSessionChanged')).toEqual([session]);
    expect(of(admin, 'accessSessionChanged')).toEqual([session]);
    expect(bob.received).toEqual([]);
    expect(of(approver, 'approvalRequested')).toHaveLength(1);
  });
});

describe('auditEntryAppended', () => {
  const AUDIT = `subscription($filter: AuditSubscriptionFilter) { auditEntryAppended(filter: $filter) { seq action resourceType resourceId actorEmail } }`;
  const CREATE_TOKEN = `mutation($userId: ID!) { createUserToken(input: { name: "audited", userId: $userId }) { apiToken { id } } }`;
  const createToken = async () => {
    const response = await t.gql(CREATE_TOKEN, t.admin.token, { userId: f.bob.id });
    expect(response.errors).toBeUndefined();
    return response.data!.createUserToken.apiToken.id as string;
  };

  it('refuses a subscriber without AUDIT_LOGS_VIEW', async () => {
    const bob = await subscribe(f.bob, AUDIT);
    await until(bob, () => bob.errors.length > 0);
    expect(bob.errors.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    await createToken();
    await settle();
    expect(bob.received).toEqual([]);
  });

  // Deliveries wait for the identity re-check a revocation starts, so not even the entry recording
  // the revocation itself reaches the holder.
  it('delivers entries by action to a holder, and stops once the permission is revoked', async () => {
    const holder = await subscribe(auditor, AUDIT, { filter: { actions: ['token.created', 'user.permissions_changed'] } });
    const admin = await subscribe(f.admin, AUDIT);
    const first = await createToken();
    await ingestOk(f.web, [systemLog(nextId('log'), 'audited ingestion')]);
    await until(admin, (received) => received.some((data) => data.auditEntryAppended.action === 'events.ingested'));
    await settle();
    expect(of(holder, 'auditEntryAppended')).toEqual([
      { seq: expect.any(Number), action: 'token.created', resourceType: 'api_token', resourceId: first, actorEmail: f.admin.email },
    ]);
    const seqs = of(admin, 'auditEntryAppended').map((entry) => entry.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

    const revoked = await t.gql(
      `mutation($userId: ID!) { revokePermissions(userId: $userId, permissions: [AUDIT_LOGS_VIEW]) { permissions } }`,
      t.admin.token,
      {
        userId: auditor.id,
      },
    );
    expect(revoked.data).toEqual({ revokePermissions: { permissions: [] } });
    await until(admin, (received) => received.some((data) => data.auditEntryAppended.action === 'user.permissions_changed'));
    await settle();
    const second = await createToken();
    await until(admin, (received) => received.some((data) => data.auditEntryAppended.resourceId === second));
    await settle();
    expect(of(holder, 'auditEntryAppended').map((entry) => [entry.action, entry.resourceId])).toEqual([['token.created', first]]);
    expect(holder.errors).toEqual([]);
  });
});

describe('notificationReceived', () => {
  it('delivers a targeted notification to its recipient only, and a broadcast to everyone of the tenant', async () => {
    const QUERY = `subscription { notificationReceived { title category severity isBroadcast isRead } }`;
    const alice = await subscribe(f.alice, QUERY);
    const bob = await subscribe(f.bob, QUERY);
    const admin = await subscribe(f.admin, QUERY);
    const otherAdmin = await subscribe(f.other.admin, QUERY);
    const SEND = `mutation($input: SendNotificationInput!) { sendNotification(input: $input) { id isBroadcast } }`;
    const targeted = await t.gql(SEND, t.admin.token, { input: { user: f.alice.email, category: 'SECURITY', severity: 'HIGH', title: 'for alice' } });
    expect(targeted.errors).toBeUndefined();
    expect(targeted.data!.sendNotification.isBroadcast).toBe(false);
    const broadcast = await t.gql(SEND, t.admin.token, { input: { category: 'SYSTEM', title: 'maintenance tonight' } });
    expect(broadcast.data!.sendNotification.isBroadcast).toBe(true);

    await alice.waitFor(2);
    await bob.waitFor(1);
    await admin.waitFor(1);
    await settle();
    const toAll = { title: 'maintenance tonight', category: 'SYSTEM', severity: 'INFO', isBroadcast: true, isRead: false };
    expect(of(alice, 'notificationReceived')).toEqual([
      { title: 'for alice', category: 'SECURITY', severity: 'HIGH', isBroadcast: false, isRead: false },
      toAll,
    ]);
    expect(of(bob, 'notificationReceived')).toEqual([toAll]);
    expect(of(admin, 'notificationReceived')).toEqual([toAll]);
    expect(otherAdmin.received).toEqual([]);
  });
});

describe('identity changes close sockets', () => {
  it('closes a connection without a token with 4401', async () => {
    const anonymous = await connectSubscriber(t.url, '');
    open.push(anonymous);
    expect((await anonymous.closed).code).toBe(4401);
  });

  it("closes a revoked token's socket with 4401; another user's stays open and keeps receiving", async () => {
    const created = await t.gql(`mutation { createUserToken(input: { name: "second" }) { token apiToken { id } } }`, f.alice.token);
    const { token, apiToken } = created.data!.createUserToken;
    const aliceSecond = await subscribe(token, COMMAND_CHANGED);
    const aliceFirst = await subscribe(f.alice, COMMAND_CHANGED);
    const bob = await subscribe(f.bob, COMMAND_CHANGED);

    const revoked = await t.gql(`mutation($id: ID!) { revokeToken(id: $id) { revokedAt } }`, f.alice.token, { id: apiToken.id });
    expect(revoked.data!.revokeToken.revokedAt).not.toBeNull();
    expect(await aliceSecond.closed).toEqual({ code: 4401, reason: expect.any(String) });

    await ingestOk(f.web, [command(nextId('cmd'), { userId: f.bob.id, status: 'SUCCESS' }), command(nextId('cmd'), { userId: f.alice.id, status: 'SUCCESS' })]);
    await bob.waitFor(1);
    await aliceFirst.waitFor(1); // her other token is untouched
    expect(await closeCodeWithin(bob, 200)).toBe('open');
    expect(await closeCodeWithin(aliceFirst, 0)).toBe('open');
  });

  it('closes every socket of a disabled user with 4401, and only theirs', async () => {
    const frank = await t.createUser(t.admin.tenantId, { email: 'frank@example.test' });
    const QUERY = `subscription { notificationReceived { title } }`;
    const first = await subscribe(frank, QUERY);
    const second = await subscribe(frank, COMMAND_CHANGED);
    const bob = await subscribe(f.bob, QUERY);

    const disabled = await t.gql(`mutation($id: ID!) { disableUser(id: $id) { isDisabled } }`, t.admin.token, { id: frank.id });
    expect(disabled.errors).toBeUndefined();
    expect((await first.closed).code).toBe(4401);
    expect((await second.closed).code).toBe(4401);

    await t.gql(`mutation { sendNotification(input: { category: SYSTEM, title: "still here" }) { id } }`, t.admin.token);
    await bob.waitFor(1);
    expect(await closeCodeWithin(bob, 100)).toBe('open');
    // A new connection of the disabled user is refused too.
    const again = await connectSubscriber(t.url, frank.token);
    open.push(again);
    expect((await again.closed).code).toBe(4401);
  });
});
