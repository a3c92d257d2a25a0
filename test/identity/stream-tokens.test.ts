/**
 * Stream tokens: a machine consumer's credential. It acts as its owner, so it reads what they
 * read, but only through the event stream (and `me`): every other query, mutation and
 * subscription, over HTTP and WebSocket, and every route (exports, recordings, the log) refuses it.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userActorOf } from '../../server/auth/actor.js';
import type { ManualClock } from '../../server/clock.js';
import { queryRows } from '../../server/db/database.js';
import { issuePlaybackTicket } from '../../server/recordings/playback-ticket.js';
import { secretBoxFromKey } from '../../server/secrets/secret-box.js';
import { errorCodes, type GraphQLResponse } from '../support/graphql-client.js';
import { addServer, ingest, minutesAgo } from '../support/records-fixture.js';
import { connectSubscriber, type Subscriber } from '../support/subscription-client.js';
import { startTestVigil, TEST_SECRET_KEY, type TestUser, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let regular: TestUser;
const sockets: Subscriber[] = [];

beforeAll(async () => {
  t = await startTestVigil();
  regular = await t.createUser(t.admin.tenantId, { email: 'rui@example.com' });
});
afterAll(async () => {
  await Promise.all(sockets.map((socket) => socket.dispose()));
  await t?.close();
});

const CREATE =
  'mutation($input: CreateStreamTokenInput!) { createStreamToken(input: $input) { token apiToken { id kind name user { email } server { id } } } }';
const STREAM_ONLY = /^A stream token reads only the event stream/;

async function createStreamToken(token: string, input: Record<string, unknown>): Promise<{ token: string; id: string }> {
  const created = await t.gql<any>(CREATE, token, { input });
  expect(created.errors).toBeUndefined();
  return { token: created.data!.createStreamToken.token, id: created.data!.createStreamToken.apiToken.id };
}

function expectStreamRefusal(response: GraphQLResponse<unknown>, field: string): void {
  expect(response.status).toBe(403);
  expect(errorCodes(response)).toEqual(['FORBIDDEN']);
  expect(response.errors![0]!.message).toMatch(STREAM_ONLY);
  expect(response.errors![0]!.message).toContain(` ${field} `);
  expect(response.errors![0]!.extensions.credential).toBe('stream');
  expect(response.data).toBeUndefined();
}

/** One operation over an open graphql-ws connection: its result, or the errors it was refused with. */
function overWebSocket(socket: Subscriber, query: string): Promise<{ data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] }> {
  return new Promise((resolve) => {
    let result = {};
    socket.client.subscribe(
      { query },
      {
        next: (message) => void (result = message),
        error: (error) => resolve({ errors: Array.isArray(error) ? error : [{ message: String(error) }] }),
        complete: () => resolve(result),
      },
    );
  });
}

async function connect(token: string): Promise<Subscriber> {
  const socket = await connectSubscriber(t.url, token);
  sockets.push(socket);
  return socket;
}

describe('creating stream tokens', () => {
  it('lets a regular user create one for themself: a vigil_stream_ token that acts as them and lists as STREAM', async () => {
    const created = await t.gql<any>(CREATE, regular.token, { input: { name: 'siem shipper' } });
    expect(created.data!.createStreamToken.apiToken).toMatchObject({ kind: 'STREAM', name: 'siem shipper', user: { email: 'rui@example.com' }, server: null });
    const token: string = created.data!.createStreamToken.token;
    expect(token).toMatch(/^vigil_stream_[0-9a-f]{32}_[\w-]{43}$/);

    const me = await t.gql<any>('{ me { email role } __typename }', token);
    expect(me.errors).toBeUndefined();
    expect(me.data).toEqual({ me: { email: 'rui@example.com', role: 'USER' }, __typename: 'Query' });

    const listed = await t.gql<any>('{ apiTokens(filter: { kind: STREAM }) { nodes { kind name user { email } } } }', regular.token);
    expect(listed.data!.apiTokens.nodes).toEqual([{ kind: 'STREAM', name: 'siem shipper', user: { email: 'rui@example.com' } }]);
    const all = await t.gql<any>('{ apiTokens { nodes { kind name } } }', regular.token);
    expect(all.data!.apiTokens.nodes).toEqual(
      expect.arrayContaining([
        { kind: 'STREAM', name: 'siem shipper' },
        { kind: 'USER', name: 'test' },
      ]),
    );
  });

  it('lets an admin create one for another user, and refuses a regular user making one for someone else', async () => {
    const other = await t.createUser(t.admin.tenantId, { email: 'ola@example.com' });
    const forOther = await createStreamToken(t.admin.token, { name: 'ola shipper', userId: other.id });
    expect((await t.gql<any>('{ me { email } }', forOther.token)).data!.me).toEqual({ email: 'ola@example.com' });

    const refused = await t.gql(CREATE, regular.token, { input: { name: 'x', userId: other.id } });
    expect(errorCodes(refused)).toEqual(['FORBIDDEN']);
  });

  it('refuses an expiry in the past, naming the field', async () => {
    const past = await t.gql(CREATE, regular.token, { input: { name: 'old', expiresAt: '2001-01-01T00:00:00Z' } });
    expect(errorCodes(past)).toEqual(['BAD_USER_INPUT']);
    expect(past.errors![0]!.extensions.field).toBe('expiresAt');
  });

  it('records creation and revocation in the audit log and the verifiable log, which stays intact', async () => {
    const { id } = await createStreamToken(regular.token, { name: 'audited' });
    await t.gql('mutation($id: ID!) { revokeToken(id: $id) { id } }', regular.token, { id });
    const log = await t.gql<any>(
      'query($id: String) { auditLog(first: 10, filter: { resourceType: "api_token", resourceId: $id }) { nodes { action actorEmail resourceName before after } } }',
      t.admin.token,
      { id },
    );
    expect(log.errors).toBeUndefined();
    expect(
      log.data!.auditLog.nodes.map((entry: any) => [
        entry.action,
        entry.actorEmail,
        entry.resourceName,
        entry.after.kind,
        entry.after.userId,
        entry.after.revokedAt !== null,
      ]),
    ).toEqual([
      ['token.revoked', 'rui@example.com', 'audited', 'stream', regular.id, true],
      ['token.created', 'rui@example.com', 'audited', 'stream', regular.id, false],
    ]);

    await t.vigil.log.whenIdle();
    const leaves = await queryRows<{ leaf: string }>(
      t.vigil.database.db,
      sql`select leaf from log_leaves where tenant_id = ${t.admin.tenantId} and kind = 'api_token' and record_id = ${id} order by leaf_id`,
    );
    expect(leaves.map((row) => JSON.parse(row.leaf).row.kind)).toEqual(['stream', 'stream']);
    const integrity = await t.gql<any>('{ logIntegrity { isIntact faultCount } }', t.admin.token);
    expect(integrity.data!.logIntegrity).toEqual({ isIntact: true, faultCount: 0 });
  });
});

describe('what a stream token may run over HTTP', () => {
  let adminStream: string;
  beforeAll(async () => {
    adminStream = (await createStreamToken(t.admin.token, { name: 'admin shipper' })).token;
  });

  it("is FORBIDDEN every query but me, even an admin's (with every permission), naming the field", async () => {
    expectStreamRefusal(await t.gql('{ commands { nodes { id } } }', adminStream), 'commands');
    expectStreamRefusal(await t.gql('{ auditLog { nodes { seq } } }', adminStream), 'auditLog');
    expectStreamRefusal(await t.gql('{ apiTokens { nodes { id } } }', adminStream), 'apiTokens');
    expectStreamRefusal(await t.gql('{ viewer { commands { nodes { id } } } }', adminStream), 'viewer');
    // Asked together with `me`, the whole operation is refused before anything runs.
    expectStreamRefusal(await t.gql('{ me { email } users { nodes { id } } }', adminStream), 'users');
  });

  it('finds a field however the operation selects it: through fragments, inline fragments, @skip and aliases', async () => {
    expectStreamRefusal(
      await t.gql('query { me { id } ...F } fragment F on Query { ... on Query { everyone: users { nodes { id } } } }', adminStream),
      'users',
    );
    expectStreamRefusal(await t.gql('query { me { id } commands @skip(if: true) { nodes { id } } }', adminStream), 'commands');
    expectStreamRefusal(await t.gql('query { ... @include(if: false) { auditLog { nodes { seq } } } me { id } }', adminStream), 'auditLog');
  });

  it('is FORBIDDEN every mutation, its own revocation and a new token included, and introspection', async () => {
    expectStreamRefusal(await t.gql('mutation { createUserToken(input: { name: "escalate" }) { token } }', adminStream), 'createUserToken');
    expectStreamRefusal(await t.gql('mutation { createStreamToken(input: { name: "more" }) { token } }', adminStream), 'createStreamToken');
    expectStreamRefusal(await t.gql('mutation($id: ID!) { revokeToken(id: $id) { id } }', adminStream, { id: t.admin.id }), 'revokeToken');
    expectStreamRefusal(await t.gql('mutation { markAllNotificationsRead }', adminStream), 'markAllNotificationsRead');
    expectStreamRefusal(await t.gql('{ __schema { queryType { name } } }', adminStream), '__schema');
    const tokens = await t.gql<any>('{ apiTokens(filter: { userId: "' + t.admin.id + '" }) { nodes { name } } }', t.admin.token);
    expect(tokens.data!.apiTokens.nodes.map((node: { name: string }) => node.name)).not.toContain('escalate');
  });

  it('refuses each operation of a batch on its own', async () => {
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminStream}` },
      body: JSON.stringify([{ query: '{ me { email } }' }, { query: '{ users { nodes { id } } }' }]),
    });
    const [me, users] = (await response.json()) as { data?: unknown; errors?: { extensions: { code: string } }[] }[];
    expect(me).toEqual({ data: { me: { email: 'admin@localhost' } } });
    expect(users!.errors!.map((error) => error.extensions.code)).toEqual(['FORBIDDEN']);
  });
});

describe('what a stream token may run over WebSocket', () => {
  it('answers me and refuses queries, mutations and subscriptions with FORBIDDEN', async () => {
    const { token } = await createStreamToken(t.admin.token, { name: 'ws shipper' });
    const socket = await connect(token);
    expect(await overWebSocket(socket, '{ me { email } }')).toEqual({ data: { me: { email: 'admin@localhost' } } });
    for (const [query, field] of [
      ['{ commands { nodes { id } } }', 'commands'],
      ['{ auditLog { nodes { seq } } }', 'auditLog'],
      ['mutation { createUserToken(input: { name: "escalate" }) { token } }', 'createUserToken'],
      ['subscription { commandChanged { command { id } } }', 'commandChanged'],
      ['subscription { auditEntryAppended { seq } }', 'auditEntryAppended'],
    ] as const) {
      const result = await overWebSocket(socket, query);
      expect(
        result.errors?.map((error) => error.extensions?.code),
        query,
      ).toEqual(['FORBIDDEN']);
      expect(result.errors![0]!.message).toMatch(STREAM_ONLY);
      expect(result.errors![0]!.message).toContain(` ${field} `);
    }
    // The refusals leave the connection open for what the token may do.
    expect(await overWebSocket(socket, '{ me { email } }')).toEqual({ data: { me: { email: 'admin@localhost' } } });
  });

  it("closes a stream token's socket with 4401 once the token is revoked", async () => {
    const { token, id } = await createStreamToken(regular.token, { name: 'revoked live' });
    const socket = await connect(token);
    expect((await overWebSocket(socket, '{ me { email } }')).data).toEqual({ me: { email: 'rui@example.com' } });
    await t.gql('mutation($id: ID!) { revokeToken(id: $id) { id } }', regular.token, { id });
    expect((await socket.closed).code).toBe(4401);
  });
});

describe('reading the event stream', () => {
  const EVENTS = '{ eventStream(first: 5000, filter: { kinds: ["command"] }) { nodes { kind recordId } } }';
  let commandOf: Record<'rui' | 'admin', string>;
  beforeAll(async () => {
    const server = await addServer(t, t.admin.tenantId, 'stream-01');
    const command = (eventId: string, userId: string) => ({
      eventId,
      kind: 'COMMAND',
      command: { shell: 'SYSTEM', line: `echo ${eventId}`, status: 'SUCCESS', exitCode: 0, submittedAt: minutesAgo(t, 1), userId },
    });
    const ingested = await ingest(t, server.agentToken, [command('by-rui', regular.id), command('by-admin', t.admin.id)]);
    expect(ingested.errors).toBeUndefined();
    const [rui, admin] = ingested.data!.ingestEvents.events.map((event: { recordId: string }) => event.recordId);
    commandOf = { rui, admin };
    await t.vigil.log.whenIdle();
  });

  const recordIds = (response: GraphQLResponse<any>) => {
    expect(response.errors).toBeUndefined();
    return response.data!.eventStream.nodes.map((node: { recordId: string }) => node.recordId).sort();
  };

  it("reads eventStream with exactly its owner's scope: a regular user's own records, an admin's whole tenant", async () => {
    const ruiStream = await createStreamToken(regular.token, { name: 'rui reader' });
    const adminStream = await createStreamToken(t.admin.token, { name: 'admin reader' });
    expect(recordIds(await t.gql(EVENTS, ruiStream.token))).toEqual([commandOf.rui]);
    expect(recordIds(await t.gql(EVENTS, ruiStream.token))).toEqual(recordIds(await t.gql(EVENTS, regular.token)));
    expect(recordIds(await t.gql(EVENTS, adminStream.token))).toEqual([commandOf.rui, commandOf.admin].sort());
    expect(recordIds(await t.gql(EVENTS, adminStream.token))).toEqual(recordIds(await t.gql(EVENTS, t.admin.token)));
  });

  it('follows eventStream over WebSocket, replaying from the start', async () => {
    const { token } = await createStreamToken(regular.token, { name: 'rui follower' });
    const socket = await connect(token);
    await socket.subscribe('subscription { eventStream(filter: { kinds: ["command"] }) { kind recordId } }');
    const [first] = await socket.waitFor(1);
    expect(first).toEqual({ eventStream: { kind: 'command', recordId: commandOf.rui } });
    expect(socket.errors).toEqual([]);
  });

  it('reads GET /events, the one route that admits a stream token', async () => {
    const { token } = await createStreamToken(regular.token, { name: 'rui curl' });
    const response = await fetch(`${t.vigil.baseUrl}/events?kinds=command`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    const lines = (await response.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((line) => 'recordId' in line).map((line) => line.recordId)).toEqual([commandOf.rui]);
    expect(lines.at(-1)).toMatchObject({ endCursor: expect.any(String), hasMore: false });
  });
});

describe('routes refuse a stream token', () => {
  let adminStream: string;
  beforeAll(async () => {
    adminStream = (await createStreamToken(t.admin.token, { name: 'route shipper' })).token;
  });

  async function fetchAs(token: string, path: string, init: RequestInit = {}) {
    const response = await fetch(`${t.vigil.baseUrl}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });
    return {
      status: response.status,
      body: (await response.json().catch(() => undefined)) as { errors?: { message: string; extensions: Record<string, unknown> }[] } | undefined,
    };
  }

  it.each([
    ['GET', '/export/commands.csv'],
    ['GET', '/export/audit.jsonl'],
    ['GET', '/export/log.jsonl'],
    ['GET', '/recordings/00000000-0000-4000-8000-000000000000.cast'],
    ['GET', '/recordings/00000000-0000-4000-8000-000000000000'],
    ['PUT', '/recordings/sessions/ts-1/chunks/0'],
    ['GET', '/log/checkpoint'],
    ['GET', '/log/checkpoints'],
  ])("%s %s answers 403 with FORBIDDEN, where the same owner's user token is let in", async (method, path) => {
    const refused = await fetchAs(adminStream, path, { method, ...(method === 'PUT' ? { body: 'x' } : {}) });
    expect(refused.status).toBe(403);
    expect(refused.body!.errors![0]!.extensions).toEqual({ code: 'FORBIDDEN', credential: 'stream' });
    expect(refused.body!.errors![0]!.message).toMatch(STREAM_ONLY);

    const admitted = await fetchAs(t.admin.token, path, { method, ...(method === 'PUT' ? { body: 'x' } : {}) });
    expect(admitted.body?.errors?.[0]?.extensions.credential).toBeUndefined();
  });

  it('never gets a playback ticket (a link that would open a recording)', () => {
    const owner = { id: regular.id, tenantId: t.admin.tenantId, email: regular.email, role: 'user', permissions: [] } as unknown as Parameters<
      typeof userActorOf
    >[0];
    const box = secretBoxFromKey(Buffer.from(TEST_SECRET_KEY, 'base64'));
    const recordingId = '00000000-0000-4000-8000-000000000000';
    expect(() => issuePlaybackTicket(box, userActorOf(owner, { tokenId: recordingId, isStreamOnly: true }), recordingId, t.clock.now())).toThrow(STREAM_ONLY);
    expect(issuePlaybackTicket(box, userActorOf(owner, { tokenId: recordingId }), recordingId, t.clock.now())).toEqual(expect.any(String));
  });
});

describe('when a stream token stops working', () => {
  it('is UNAUTHENTICATED once revoked, by its owner or an admin', async () => {
    const byOwner = await createStreamToken(regular.token, { name: 'owner revokes' });
    const byAdmin = await createStreamToken(regular.token, { name: 'admin revokes' });
    await t.gql('mutation($id: ID!) { revokeToken(id: $id) { id } }', regular.token, { id: byOwner.id });
    const revoked = await t.gql<any>('mutation($id: ID!) { revokeToken(id: $id) { kind revokedAt } }', t.admin.token, { id: byAdmin.id });
    expect(revoked.data!.revokeToken).toMatchObject({ kind: 'STREAM', revokedAt: expect.any(String) });
    for (const { token } of [byOwner, byAdmin]) {
      const refused = await t.gql('{ me { id } }', token);
      expect(refused.status).toBe(401);
      expect(errorCodes(refused)).toEqual(['UNAUTHENTICATED']);
      expect(refused.errors![0]!.message).toBe('The API token has been revoked');
    }
  });

  it('is UNAUTHENTICATED once its owner is disabled', async () => {
    const owner = await t.createUser(t.admin.tenantId, { email: 'leaver@example.com' });
    const { token } = await createStreamToken(owner.token, { name: 'leaver shipper' });
    expect(errorCodes(await t.gql('{ me { id } }', token))).toEqual([]);
    await t.gql('mutation($id: ID!) { disableUser(id: $id) { id } }', t.admin.token, { id: owner.id });
    const refused = await t.gql('{ me { id } }', token);
    expect(errorCodes(refused)).toEqual(['UNAUTHENTICATED']);
    expect(refused.errors![0]!.message).toBe('The user of this API token is disabled');
    const route = await fetch(`${t.vigil.baseUrl}/export/commands.csv`, { headers: { authorization: `Bearer ${token}` } });
    expect(route.status).toBe(401);
  });

  it('is UNAUTHENTICATED once expired', async () => {
    const clock = t.clock as ManualClock;
    const { token } = await createStreamToken(regular.token, { name: 'short', expiresAt: new Date(clock.now().getTime() + 60_000).toISOString() });
    expect(errorCodes(await t.gql('{ me { id } }', token))).toEqual([]);
    clock.advance(60_000);
    const refused = await t.gql('{ me { id } }', token);
    expect(errorCodes(refused)).toEqual(['UNAUTHENTICATED']);
    expect(refused.errors![0]!.message).toBe('The API token has expired');
  });

  it("cannot be revoked by another tenant's admin, for whom it does not exist", async () => {
    const { token, id } = await createStreamToken(regular.token, { name: 'kept' });
    const elsewhere = await t.createTenant('elsewhere');
    const refused = await t.gql('mutation($id: ID!) { revokeToken(id: $id) { id } }', elsewhere.admin.token, { id });
    expect(errorCodes(refused)).toEqual(['NOT_FOUND']);
    expect(errorCodes(await t.gql('{ me { id } }', token))).toEqual([]);
    // Nor can a regular user of the same tenant revoke another's.
    const colleague = await t.createUser(t.admin.tenantId, { email: 'colleague@example.com' });
    expect(errorCodes(await t.gql('mutation($id: ID!) { revokeToken(id: $id) { id } }', colleague.token, { id }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql('{ me { id } }', token))).toEqual([]);
  });
});
