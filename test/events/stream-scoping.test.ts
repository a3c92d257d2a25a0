/**
 * Who reads which events of the stream: the rows and fields the queries show each person, and
 * nothing of another tenant; agent tokens nothing at all. Refusals carry the API's codes, naming
 * the argument at fault.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumeEvents, readEvents, type EventLine } from '../support/event-stream-client.js';
import { buildRecordsFixture, ingest, minutesAgo, type RecordsFixture } from '../support/records-fixture.js';
import { connectSubscriber, settle } from '../support/subscription-client.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let f: RecordsFixture;

/** Kinds whose rows are a person's own, and the column naming them (status changes: their command's). */
const OWNER_COLUMN: Record<string, string> = {
  access_session: 'requester_id',
  terminal_session: 'user_id',
  command: 'operator_user_id',
  file_transfer: 'user_id',
  sudo_authorization: 'user_id',
  approval: 'requester_id',
  terminal_recording: 'user_id',
};
const NEVER_TO_REGULAR_USERS = ['audit_entry', 'activity', 'system_log', 'sudo_check', 'user', 'api_token', 'server', 'approval_policy', 'log_statement'];

beforeAll(async () => {
  t = await startTestVigil();
  f = await buildRecordsFixture(t);
  const started = (eventId: string, email: string, ip: string) => ({
    eventId,
    kind: 'TERMINAL_SESSION_STARTED',
    terminalSessionStarted: {
      source: 'WEB_TERMINAL',
      startedAt: minutesAgo(t, 30),
      userEmail: email,
      username: email.split('@')[0],
      remoteIp: ip,
      browser: 'Firefox 140',
    },
  });
  const command = (eventId: string, session: string, line: string, status: string) => ({
    eventId,
    kind: 'COMMAND',
    command: { shell: 'SYSTEM', line, status, terminalSessionEventId: session, submittedAt: minutesAgo(t, 25), result: `output of ${line}` },
  });
  const transfer = (eventId: string, email: string) => ({
    eventId,
    kind: 'FILE_TRANSFER',
    fileTransfer: {
      direction: 'DOWNLOAD',
      objectName: 'dump.sql',
      path: '/tmp/dump.sql',
      status: 'SUCCESS',
      occurredAt: minutesAgo(t, 20),
      userEmail: email,
      username: 'x',
      remoteIp: '192.0.2.7',
    },
  });
  const response = await ingest(t, f.web.agentToken, [
    started('s-alice', 'alice@example.test', '198.51.100.1'),
    started('s-bob', 'bob@example.test', '198.51.100.2'),
    command('c-alice', 's-alice', 'make deploy', 'RUNNING'),
    command('c-bob', 's-bob', 'cat /etc/shadow', 'RUNNING'),
    transfer('t-alice', 'alice@example.test'),
    transfer('t-bob', 'bob@example.test'),
    { eventId: 'l-1', kind: 'SYSTEM_LOG', systemLog: { level: 'WARNING', loggedAt: minutesAgo(t, 15), message: 'disk 91%', program: 'monitor' } },
    {
      eventId: 'sudo-alice',
      kind: 'SUDO_AUTHORIZATION',
      sudoAuthorization: { command: 'systemctl restart nginx', grantedAt: minutesAgo(t, 14), grantedVia: 'ADMIN', userEmail: 'alice@example.test' },
    },
  ]);
  expect(response.errors).toBeUndefined();
  // A status change of each command: command_status_change leaves, whose owner is their command's operator.
  const updates = await ingest(t, f.web.agentToken, [
    {
      eventId: 'u-alice',
      kind: 'COMMAND_UPDATE',
      commandUpdate: { commandEventId: 'c-alice', status: 'SUCCESS', reportedAt: minutesAgo(t, 10), finishedAt: minutesAgo(t, 10), exitCode: 0 },
    },
    {
      eventId: 'u-bob',
      kind: 'COMMAND_UPDATE',
      commandUpdate: { commandEventId: 'c-bob', status: 'FAILED', reportedAt: minutesAgo(t, 10), finishedAt: minutesAgo(t, 10), exitCode: 1 },
    },
  ]);
  expect(updates.errors).toBeUndefined();
  const other = await ingest(t, f.other.server.agentToken, [
    { eventId: 'l-other', kind: 'SYSTEM_LOG', systemLog: { level: 'ERROR', loggedAt: minutesAgo(t, 5), message: 'other tenant', program: 'monitor' } },
  ]);
  expect(other.errors).toBeUndefined();
});
afterAll(() => t?.close());

/** Every event the holder of `token` reads from the start (GET /events, to its end). */
async function eventsOf(token: string, query: Record<string, string> = {}): Promise<EventLine[]> {
  const { status, lines } = await readEvents(t, token, query);
  expect(status).toBe(200);
  expect(lines.at(-1)).toEqual({ endCursor: expect.any(String), hasMore: false });
  return lines.filter((line) => typeof line.position === 'number');
}

/** The owner of an event's record, as the admin's whole stream tells it (status changes through their command). */
function ownerIn(all: EventLine[]): (event: EventLine) => string | null {
  const operators = new Map(all.filter((event) => event.kind === 'command').map((event) => [event.recordId, event.record.operator_user_id as string | null]));
  return (event) =>
    event.kind === 'command_status_change' ? (operators.get(event.record.command_id) ?? null) : (event.record[OWNER_COLUMN[event.kind] ?? ''] ?? null);
}

describe('the event stream, by reader', () => {
  it('shows a regular user exactly their own rows of the kinds that have owners, and nothing else', async () => {
    const all = await eventsOf(t.admin.token);
    const owner = ownerIn(all);
    const alices = await eventsOf(f.alice.token);
    const expected = all.filter((event) => (event.kind in OWNER_COLUMN || event.kind === 'command_status_change') && owner(event) === f.alice.id);
    expect(alices.map((event) => event.position)).toEqual(expected.map((event) => event.position));
    expect(new Set(alices.map((event) => event.kind))).toEqual(
      new Set(['access_session', 'terminal_session', 'command', 'command_status_change', 'file_transfer', 'sudo_authorization']),
    );
    expect(alices.filter((event) => NEVER_TO_REGULAR_USERS.includes(event.kind))).toEqual([]);
    // Her own rows whole, as the queries show them to her.
    const session = alices.find((event) => event.kind === 'terminal_session')!;
    expect([session.record.remote_ip, session.record.browser]).toEqual(['198.51.100.1', 'Firefox 140']);
    expect(alices.find((event) => event.type === 'command.running')!.record.result).toBe('output of make deploy');

    // Asking for kinds she may not read is no error: nothing, to the end of the log.
    expect(await eventsOf(f.alice.token, { kinds: 'system_log,audit_entry' })).toEqual([]);

    const bobs = await eventsOf(f.bob.token);
    expect(bobs.filter((event) => event.kind === 'command_status_change').map((event) => event.type)).toEqual(['command_status_change.failed']);
    expect(bobs.every((event) => owner(event) === f.bob.id)).toBe(true);
  });

  it('shows SESSION_RECORDINGS_VIEW every terminal session without the network fields of others', async () => {
    const carols = await eventsOf(f.carol.token);
    const sessions = carols.filter((event) => event.kind === 'terminal_session');
    expect(sessions.map((event) => event.record.user_id)).toEqual([f.alice.id, f.bob.id]);
    expect(sessions.map((event) => [event.record.remote_ip, event.record.browser])).toEqual([
      [null, null],
      [null, null],
    ]);
    expect(new Set(carols.map((event) => event.kind))).toEqual(new Set(['terminal_session']));
  });

  it('shows MONITORING_VIEW the system logs, and admins everything of their tenant alone', async () => {
    const daves = await eventsOf(f.dave.token);
    expect(daves.map((event) => event.type)).toEqual(['system_log.warning']);

    const admins = await eventsOf(t.admin.token);
    const others = await eventsOf(f.other.admin.token);
    expect(admins.some((event) => event.kind === 'audit_entry') && admins.some((event) => event.kind === 'user')).toBe(true);
    expect(admins.filter((event) => event.record.tenant_id !== t.admin.tenantId)).toEqual([]);
    expect(others.filter((event) => event.record.tenant_id !== f.other.tenantId)).toEqual([]);
    expect(others.map((event) => event.type)).toContain('system_log.error');
    expect(admins.map((event) => event.type)).not.toContain('system_log.error');
  });

  it('gives a stream token its owner’s events, as the owner reads them', async () => {
    const created = await t.gql(`mutation { createStreamToken(input: { name: "shipper" }) { token } }`, f.alice.token);
    expect(created.errors).toBeUndefined();
    const byStreamToken = await eventsOf(created.data!.createStreamToken.token);
    expect(byStreamToken.map((event) => event.position)).toEqual((await eventsOf(f.alice.token)).map((event) => event.position));
  });

  it('ends a following response as soon as its token is revoked', async () => {
    const created = await t.gql(`mutation { createStreamToken(input: { name: "to revoke" }) { token apiToken { id } } }`, f.alice.token);
    expect(created.errors).toBeUndefined();
    const { token, apiToken } = created.data!.createStreamToken;
    let lines = 0;
    const consuming = consumeEvents(t, token, { follow: '1' }, () => void (lines += 1), 10_000);
    for (let attempt = 0; lines === 0 && attempt < 250; attempt++) await settle(20);
    expect(lines).toBeGreaterThan(0);
    const revoked = await t.gql(`mutation($id: ID!) { revokeToken(id: $id) { revokedAt } }`, f.alice.token, { id: apiToken.id });
    expect(revoked.errors).toBeUndefined();
    // Vigil ends it (well within the 30 s a follower waits unwoken), and it does not come back.
    expect((await consuming).wasStopped).toBe(false);
    expect((await readEvents(t, token)).status).toBe(401);
  });

  it('refuses agent tokens, over GraphQL, WebSocket and HTTP alike', async () => {
    const query = await t.gql(`{ eventStream { endCursor } }`, f.web.agentToken);
    expect(query.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    const http = await readEvents(t, f.web.agentToken);
    expect([http.status, http.consumed.refusal?.errors[0]?.extensions.code]).toEqual([403, 'FORBIDDEN']);
    const subscriber = await connectSubscriber(t.url, f.web.agentToken);
    await subscriber.subscribe(`subscription { eventStream { position } }`);
    await settle(200);
    await subscriber.dispose();
    expect(subscriber.errors.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    const anonymous = await readEvents(t, undefined);
    expect([anonymous.status, anonymous.consumed.refusal?.errors[0]?.extensions.code]).toEqual([401, 'UNAUTHENTICATED']);
  });
});

describe('refusals of the request', () => {
  it('filters by IP address or network, by keyword (both on the record as each reader sees it), by server name or labels and by time', async () => {
    // The admin: Bob's terminal session by its address, both transfers by their network, both sessions by a /24.
    const bobsSession = await eventsOf(t.admin.token, { ip: '198.51.100.2' });
    expect(bobsSession.map((event) => [event.kind, event.record.user_id])).toEqual([['terminal_session', f.bob.id]]);
    const transfers = await eventsOf(t.admin.token, { ip: '192.0.2.0/24', kinds: 'file_transfer' });
    expect(transfers.map((event) => event.record.user_id)).toEqual([f.alice.id, f.bob.id]);
    expect((await eventsOf(t.admin.token, { ip: '198.51.100.0/24', kinds: 'terminal_session' })).length).toBe(2);
    expect(await eventsOf(t.admin.token, { ip: '2001:db8::/32' })).toEqual([]);

    // A keyword, whatever its case, in any text of the record, and in the type.
    const shadow = await eventsOf(t.admin.token, { keyword: 'ETC/SHADOW', kinds: 'command' });
    expect(shadow.map((event) => event.type)).toEqual(['command.running', 'command.failed']);
    expect((await eventsOf(t.admin.token, { keyword: 'system_log.warn' })).map((event) => event.record.message)).toEqual(['disk 91%']);

    // Carol sees terminal sessions without others' network fields: the address she cannot see finds nothing.
    expect(await eventsOf(f.carol.token, { ip: '198.51.100.2' })).toEqual([]);
    expect(await eventsOf(f.carol.token, { keyword: 'firefox' })).toEqual([]);
    // Alice finds her own command by keyword, never Bob's.
    expect((await eventsOf(f.alice.token, { keyword: 'shadow' })).length).toBe(0);
    expect((await eventsOf(f.alice.token, { keyword: 'deploy', kinds: 'command' })).map((event) => event.record.operator_user_id)).toEqual([
      f.alice.id,
      f.alice.id,
    ]);

    // A server by name or by labels, as people name it: both sessions ran on web-01 (env=prod).
    const onWeb = await eventsOf(t.admin.token, { serverName: 'WEB-01', kinds: 'terminal_session' });
    expect(onWeb.map((event) => event.serverId)).toEqual([f.web.id, f.web.id]);
    expect((await eventsOf(t.admin.token, { serverLabels: 'env=prod', kinds: 'command' })).length).toBe(4);
    expect(await eventsOf(t.admin.token, { serverLabels: 'env=prod,team=db', kinds: 'command' })).toEqual([]);
    expect(await eventsOf(t.admin.token, { serverName: 'db-01', kinds: 'command' })).toEqual([]);
    const labelled = await t.gql(
      `{ eventStream(filter: { serverLabels: [{ key: "env", value: "prod" }], kinds: ["terminal_session"] }) { nodes { serverId } } }`,
      t.admin.token,
    );
    expect(labelled.data?.eventStream.nodes).toEqual([{ serverId: f.web.id }, { serverId: f.web.id }]);

    // A time range, on each event's own time: the one system log line, written 15 minutes ago.
    const window = { since: minutesAgo(t, 16), until: minutesAgo(t, 14) };
    expect((await eventsOf(t.admin.token, { ...window, kinds: 'system_log' })).map((event) => event.record.message)).toEqual(['disk 91%']);
    expect(await eventsOf(t.admin.token, { since: minutesAgo(t, 14), kinds: 'system_log' })).toEqual([]);
    const ranged = await t.gql(`query($since: DateTimeISO) { eventStream(filter: { since: $since, kinds: ["command"] }) { nodes { type } } }`, t.admin.token, {
      since: minutesAgo(t, 11),
    });
    expect(ranged.data?.eventStream.nodes).toEqual([{ type: 'command.succeeded' }, { type: 'command.failed' }]);

    // Over GraphQL the same, and bad values are named.
    const query = await t.gql(`{ eventStream(filter: { ip: "198.51.100.2" }) { nodes { kind } } }`, t.admin.token);
    expect(query.data?.eventStream.nodes).toEqual([{ kind: 'terminal_session' }]);
    for (const [filter, field] of [
      ['{ ip: "300.1.1.1" }', 'filter.ip'],
      ['{ ip: "10.0.0.0/33" }', 'filter.ip'],
      ['{ keyword: "  " }', 'filter.keyword'],
      ['{ serverLabels: [{ key: "env", value: "a" }, { key: "env", value: "b" }] }', 'filter.serverLabels'],
    ] as const) {
      const refused = await t.gql(`{ eventStream(filter: ${filter}) { endCursor } }`, t.admin.token);
      expect(refused.errors?.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', field]]);
    }
    for (const [query, field] of [
      [{ ip: 'example.test' }, 'ip'],
      [{ serverLabels: 'prod' }, 'serverLabels'],
      [{ since: 'yesterday' }, 'since'],
      [{ since: minutesAgo(t, 5), until: minutesAgo(t, 6) }, 'until'],
    ] as const) {
      const http = await readEvents(t, t.admin.token, query);
      expect([http.status, http.consumed.refusal?.errors[0]?.extensions]).toEqual([400, expect.objectContaining({ code: 'BAD_USER_INPUT', field })]);
    }
  });

  it('names after for a cursor that is not one, or one past the end of the log', async () => {
    for (const after of ['not-a-cursor', Buffer.from('ev1:99999999').toString('base64url')]) {
      const query = await t.gql(`query($after: String) { eventStream(after: $after) { endCursor } }`, t.admin.token, { after });
      expect(query.errors?.map((error) => [error.extensions?.code, error.extensions?.field])).toEqual([['BAD_USER_INPUT', 'after']]);
      const http = await readEvents(t, t.admin.token, { after });
      expect([http.status, http.consumed.refusal?.errors[0]?.extensions]).toEqual([400, expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'after' })]);
    }
  });

  it('names first, an unknown kind and an unknown parameter', async () => {
    const first = await t.gql(`{ eventStream(first: 5001) { endCursor } }`, t.admin.token);
    expect(first.errors?.map((error) => error.extensions?.field)).toEqual(['first']);
    const kinds = await t.gql(`{ eventStream(filter: { kinds: ["commands"] }) { endCursor } }`, t.admin.token);
    expect(kinds.errors?.map((error) => error.extensions?.field)).toEqual(['filter.kinds']);
    for (const [query, field] of [
      [{ kinds: 'commands' }, 'kinds'],
      [{ follow: 'yes' }, 'follow'],
      [{ from: '2026-01-01' }, 'from'],
    ] as const) {
      const http = await readEvents(t, t.admin.token, query);
      expect([http.status, http.consumed.refusal?.errors[0]?.extensions]).toEqual([400, expect.objectContaining({ code: 'BAD_USER_INPUT', field })]);
    }
  });
});
