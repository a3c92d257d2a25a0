/**
 * VIGIL_READ_DATABASE_URL against a real streaming standby (two clusters of the test's own): the
 * record lists and record exports read it while it is fresh enough, a write's X-Vigil-Read-After
 * makes a later read see the write, and a standby that is behind, down, or not this database's is
 * never read. Pausing the standby's replay makes "which database answered" visible: the paused
 * standby lacks what the primary has.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../server/config.js';
import { parseWalPosition, formatWalPosition } from '../../server/reads/wal-position.js';
import { addServer } from '../support/records-fixture.js';
import { replicaClusterUnavailable, startReplicaCluster, type ReplicaCluster } from '../support/replica-cluster.js';
import { isPostgres, type TestDatabase } from '../support/test-database.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';
import { fetchExport, parseCsv } from '../support/export-client.js';

const unavailable = isPostgres ? replicaClusterUnavailable() : 'runs on the PostgreSQL project only';

const REQUEST_ACCESS = `mutation($servers: [String!]) { requestAccess(input: { servers: $servers, durationMinutes: 30, reason: "replica check" }) { id accessSession { id } } }`;
const APPROVAL_IDS = `{ approvals(first: 500) { nodes { id } } }`;

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: { data?: any; errors?: { message: string; extensions: { code: string; field?: string } }[] };
}

async function post(
  t: TestVigil,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
}

async function approvalIds(t: TestVigil, token: string, headers: Record<string, string> = {}): Promise<string[]> {
  const answer = await post(t, token, APPROVAL_IDS, {}, headers);
  expect(answer.body.errors).toBeUndefined();
  return (answer.body.data.approvals.nodes as { id: string }[]).map((node) => node.id);
}

async function readiness(t: TestVigil): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${t.vigil.baseUrl}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function metric(t: TestVigil, line: RegExp): Promise<number | undefined> {
  const text = await (await fetch(`${t.vigil.baseUrl}/metrics`)).text();
  const match = text.split('\n').find((row) => line.test(row));
  return match === undefined ? undefined : Number(match.split(' ').at(-1));
}

async function until<T>(read: () => Promise<T>, isDone: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (isDone(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const replicaState = async (t: TestVigil) => (await readiness(t)).body.readReplica;

describe('WAL positions', () => {
  it('reads and writes pg_lsn text, ordered as PostgreSQL orders it', () => {
    expect(formatWalPosition(parseWalPosition('16/B374D848')!)).toBe('16/B374D848');
    expect(parseWalPosition('0/16B3748')! < parseWalPosition('1/0')!).toBe(true);
    expect(parseWalPosition('0/FFFFFFFF')! + 1n).toBe(parseWalPosition('1/0'));
    for (const bad of ['', '16', '16/', 'G/1', '1/2/3', '123456789/0']) expect(parseWalPosition(bad)).toBeNull();
  });

  it('a read replica needs DATABASE_URL', () => {
    expect(() => loadConfig({ VIGIL_READ_DATABASE_URL: 'postgres://replica/vigil' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db/vigil', VIGIL_READ_DATABASE_URL: 'mysql://replica' })).toThrow(/VIGIL_READ_DATABASE_URL/);
    const config = loadConfig({ DATABASE_URL: 'postgres://db/vigil', VIGIL_READ_DATABASE_URL: 'postgres://replica/vigil', VIGIL_READ_MAX_LAG_MS: '500' });
    expect(config.database.replica).toEqual({ url: 'postgres://replica/vigil', maxLagMs: 500 });
  });
});

describe.skipIf(unavailable !== null)(`a read replica (${unavailable ?? 'a primary and a streaming standby of its own'})`, () => {
  let cluster: ReplicaCluster;
  let t: TestVigil;
  let server: string;
  let alice: TestUser;

  const onCluster = (env: Record<string, string>): TestDatabase => ({
    env: { DATABASE_URL: cluster.primaryUrl, ...env },
    openOptions: async () => ({}),
    drop: async () => {},
  });

  beforeAll(async () => {
    cluster = await startReplicaCluster();
    // A generous bound: while replay is paused for a moment, the standby stays within it and is read.
    t = await startTestVigil({ database: onCluster({ VIGIL_READ_DATABASE_URL: cluster.replicaUrl, VIGIL_READ_MAX_LAG_MS: '60000' }) });
    server = (await addServer(t, t.admin.tenantId, 'web-replica')).name;
    alice = await t.createUser(t.admin.tenantId, { email: 'alice@example.test' });
    await until(
      () => replicaState(t),
      (state) => state === 'ok',
      'the replica to be in use',
    );
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await cluster?.dispose();
  });

  it('lists and exports read the standby; a write’s X-Vigil-Read-After reads where the write is', async () => {
    await cluster.pauseReplay();
    try {
      const written = await post(t, t.admin.token, REQUEST_ACCESS, { servers: [server] });
      expect(written.body.errors).toBeUndefined();
      const approvalId: string = written.body.data.requestAccess.id;
      const sessionId: string = written.body.data.requestAccess.accessSession.id;
      const readAfter = written.headers.get('x-vigil-read-after');
      expect(readAfter).toMatch(/^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/);

      // The paused standby answers the list and the export: the new request is not there yet.
      expect(await approvalIds(t, t.admin.token)).not.toContain(approvalId);
      const staleExport = await fetchExport(t, '/export/access-sessions.csv', t.admin.token);
      expect(staleExport.status).toBe(200);
      expect(parseCsv(staleExport.text).map((row) => row.id)).not.toContain(sessionId);

      // Passing the write's position back reads the primary, which has it.
      expect(await approvalIds(t, t.admin.token, { 'X-Vigil-Read-After': readAfter! })).toContain(approvalId);
      const freshExport = await fetch(`${t.vigil.baseUrl}/export/access-sessions.csv`, {
        headers: { authorization: `Bearer ${t.admin.token}`, 'X-Vigil-Read-After': readAfter! },
      });
      expect(parseCsv(await freshExport.text()).map((row) => row.id)).toContain(sessionId);

      // A lookup by id always reads the primary.
      const lookup = await post(t, t.admin.token, `query($id: ID!) { approval(id: $id) { id } }`, { id: approvalId });
      expect(lookup.body.data?.approval?.id).toBe(approvalId);

      await cluster.resumeReplay();
      await until(
        () => approvalIds(t, t.admin.token),
        (ids) => ids.includes(approvalId),
        'the standby to replay the write',
      );
      // Once the standby is measured to have replayed it, the position is no reason to leave it.
      const replicaReads = () => metric(t, /^vigil_read_requests_total\{database="replica"\}/).then((count) => count ?? 0);
      await until(
        async () => {
          const before = await replicaReads();
          expect(await approvalIds(t, t.admin.token, { 'X-Vigil-Read-After': readAfter! })).toContain(approvalId);
          return (await replicaReads()) - before;
        },
        (replicaReadsMade) => replicaReadsMade === 1,
        'a read passing the position back to land on the standby',
      );
    } finally {
      await cluster.resumeReplay();
    }
  });

  it('holds the same row scope on the standby: a user lists only their own requests', async () => {
    const mine = await post(t, alice.token, REQUEST_ACCESS, { servers: [server] });
    expect(mine.body.errors).toBeUndefined();
    const myId: string = mine.body.data.requestAccess.id;
    const all = await until(
      () => approvalIds(t, t.admin.token),
      (ids) => ids.includes(myId),
      'the standby to replay alice’s request',
    );
    expect(all.length).toBeGreaterThan(1);
    const replicaReadsBefore = (await metric(t, /^vigil_read_requests_total\{database="replica"\}/)) ?? 0;
    expect(await approvalIds(t, alice.token)).toEqual([myId]);
    expect(await metric(t, /^vigil_read_requests_total\{database="replica"\}/)).toBe(replicaReadsBefore + 1);
  });

  it('refuses an X-Vigil-Read-After that is not a WAL position, naming the header', async () => {
    const answer = await post(t, t.admin.token, APPROVAL_IDS, {}, { 'X-Vigil-Read-After': 'yesterday' });
    expect(answer.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'X-Vigil-Read-After' });
    const refused = await fetch(`${t.vigil.baseUrl}/export/commands.csv`, {
      headers: { authorization: `Bearer ${t.admin.token}`, 'X-Vigil-Read-After': '1/2/3' },
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as Answer['body']).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'X-Vigil-Read-After' });
  });

  it('reads the primary while the standby is further behind than VIGIL_READ_MAX_LAG_MS, and returns to it once caught up', async () => {
    const strict = await startTestVigil({ database: onCluster({ VIGIL_READ_DATABASE_URL: cluster.replicaUrl, VIGIL_READ_MAX_LAG_MS: '300' }) });
    try {
      await until(
        () => replicaState(strict),
        (state) => state === 'ok',
        'the replica to be in use',
      );
      expect(await metric(strict, /^vigil_read_replica_up /)).toBe(1);
      await cluster.pauseReplay();
      const written = await post(strict, t.admin.token, REQUEST_ACCESS, { servers: [server] });
      const approvalId: string = written.body.data.requestAccess.id;
      await until(
        () => replicaState(strict),
        (state) => state === 'behind',
        'the replica to fall behind',
      );
      expect(await metric(strict, /^vigil_read_replica_up /)).toBe(0);
      expect(await metric(strict, /^vigil_read_replica_staleness_seconds /)).toBeGreaterThan(0.3);
      // Nothing passed back, yet the list has the write: the primary answered.
      expect(await approvalIds(strict, t.admin.token)).toContain(approvalId);
      await cluster.resumeReplay();
      await until(
        () => replicaState(strict),
        (state) => state === 'ok',
        'the replica to catch up',
      );
    } finally {
      await cluster.resumeReplay();
      await strict.close();
    }
  });

  it('keeps answering from the primary while the standby is down, and stays ready', async () => {
    await cluster.stopReplica();
    try {
      await until(
        () => replicaState(t),
        (state) => state === 'unreachable',
        'the replica to be seen down',
      );
      const ready = await readiness(t);
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({ status: 'ok', database: 'ok', readReplica: 'unreachable' });
      const written = await post(t, t.admin.token, REQUEST_ACCESS, { servers: [server] });
      expect(await approvalIds(t, t.admin.token)).toContain(written.body.data.requestAccess.id);
      const exported = await fetchExport(t, '/export/access-sessions.csv', t.admin.token);
      expect(parseCsv(exported.text).map((row) => row.id)).toContain(written.body.data.requestAccess.accessSession.id);
    } finally {
      await cluster.startReplica();
    }
    await until(
      () => replicaState(t),
      (state) => state === 'ok',
      'the replica to be in use again',
    );
  });

  it('never reads a URL that is not a standby of Vigil’s own database', async () => {
    // The primary itself is no standby; another database on the standby holds other rows.
    for (const [url, state] of [
      [cluster.primaryUrl, 'not-standby'],
      [cluster.replicaOtherDatabaseUrl, 'other-database'],
    ] as const) {
      const wrong = await startTestVigil({ database: onCluster({ VIGIL_READ_DATABASE_URL: url, VIGIL_READ_MAX_LAG_MS: '60000' }) });
      try {
        await until(
          () => replicaState(wrong),
          (current) => current === state,
          `the replica to be judged ${state}`,
        );
        const before = (await metric(wrong, /^vigil_read_requests_total\{database="primary"\}/)) ?? 0;
        expect((await approvalIds(wrong, t.admin.token)).length).toBeGreaterThan(0);
        expect(await metric(wrong, /^vigil_read_requests_total\{database="primary"\}/)).toBe(before + 1);
        expect(await metric(wrong, /^vigil_read_requests_total\{database="replica"\}/)).toBe(0);
      } finally {
        await wrong.close();
      }
    }
  });
});
