/**
 * Faults, on PostgreSQL, with Vigil run as a real process (server/main.ts):
 *
 * - Database outage: Vigil reaches its database through a TCP proxy in this file; cutting the
 *   proxy (every piped connection destroyed, new ones refused) takes the database away from this
 *   Vigil only, without touching the PostgreSQL server the other test files share. Requests get a
 *   clear error within a bound (not a hang), /readyz turns 503 while /healthz stays 200, and once
 *   the proxy forwards again Vigil serves again by itself, without a restart.
 * - SIGKILL during ingestion: batches of 1,000 events are streamed while the process is killed
 *   with SIGKILL at random moments (and at moments PostgreSQL shows an ingestion transaction
 *   open); after each kill every batch is stored whole or not at all, with one `events.ingested`
 *   audit entry per stored batch, the chain intact; re-sending stores the missing ones once.
 */
import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, isPostgres, type TestDatabase } from '../support/test-database.js';
import { killAllChildren, processEnv, startVigilProcess, type VigilProcess } from '../support/vigil-process.js';

/** How long a request may take to fail during an outage before it counts as a hang. */
const OUTAGE_ANSWER_BOUND_MS = 15_000;
/** How long Vigil may take to serve again once the database is back. */
const RECOVERY_DEADLINE_MS = 60_000;
/** The sustained outage: long enough for postgres.js's reconnect backoff to grow. */
const SUSTAINED_OUTAGE_MS = 30_000;
/** A request that has not answered by then is reported as hung (and the test goes on). */
const HANG_MS = 45_000;

const ADMIN_EMAIL = 'admin@localhost';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

interface Answer {
  /** HTTP status, or null when no answer came (connection error, or nothing within HANG_MS). */
  status: number | null;
  body: any;
  text: string;
  elapsedMs: number;
  /** Why there is no status: the fetch error, or `hung`. */
  failure?: string;
}

/** A request that never throws: what came back, and how long it took. */
async function request(url: string, init: RequestInit = {}, hangMs = HANG_MS): Promise<Answer> {
  const started = performance.now();
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(hangMs) });
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    return { status: response.status, body, text, elapsedMs: Math.round(performance.now() - started) };
  } catch (error) {
    const err = error as Error & { cause?: { code?: string; message?: string } };
    const failure =
      err.name === 'TimeoutError' ? `hung: no answer within ${hangMs} ms` : `${err.message}${err.cause ? ` (${err.cause.code ?? err.cause.message})` : ''}`;
    return { status: null, body: null, text: '', elapsedMs: Math.round(performance.now() - started), failure };
  }
}

function graphqlRequest(vigil: VigilProcess, query: string, token: string, variables?: Record<string, unknown>, hangMs?: number): Promise<Answer> {
  return request(
    vigil.graphqlUrl,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    },
    hangMs,
  );
}

/** One line for the report: status, time, and the body (shortened). */
function describeAnswer(what: string, answer: Answer): string {
  const shown = answer.failure ?? (answer.text.length > 400 ? `${answer.text.slice(0, 400)}…` : answer.text);
  return `${what}: ${answer.status ?? 'no answer'} in ${answer.elapsedMs} ms: ${shown}`;
}

/** Polls `check` until it returns true or `deadlineMs` passes; resolves to the elapsed ms or null. */
async function pollUntil(check: () => Promise<boolean>, deadlineMs: number, everyMs = 250): Promise<number | null> {
  const started = performance.now();
  while (performance.now() - started < deadlineMs) {
    if (await check()) return Math.round(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return null;
}

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** Findings for the report (timings, answers), printed with the test's output. */
function note(line: string): void {
  console.log(`[faults] ${line}`);
}

/** A stack trace anywhere in a response body: "at fn (file:line:col)" frames or a stacktrace field. */
function hasStack(text: string): boolean {
  return /stacktrace/i.test(text) || /\bat [\w.<>]+ \(?(?:file:|node:|\/)/.test(text) || /\.ts:\d+:\d+/.test(text);
}

// ---------------------------------------------------------------------------------------------
// A TCP proxy in front of PostgreSQL, that can be cut and restored
// ---------------------------------------------------------------------------------------------

interface PgProxy {
  readonly port: number;
  /** Connections currently piped through. */
  readonly open: number;
  /** Destroys every piped connection (both ends) and stops listening: new connections are refused. */
  cut(): Promise<void>;
  /** Listens again on the same port and forwards. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

async function startPgProxy(target: { host: string; port: number }): Promise<PgProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    const pair = { client, upstream };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  const stopListening = () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  return {
    port,
    get open() {
      return pairs.size;
    },
    async cut() {
      const closed = stopListening(); // resolves once the piped connections are gone too
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      await closed;
    },
    async restore() {
      await listen(port);
    },
    async close() {
      const closed = stopListening();
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      await closed;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Vigil processes
// ---------------------------------------------------------------------------------------------

const ME = '{ me { email } }';
const AUDIT_PAGE = '{ auditLog(first: 1) { nodes { seq action } } }';
const INTEGRITY = '{ auditIntegrity { isIntact fromSeq toSeq checkedEntries checkedCheckpoints fault { seq kind expected found message } } }';
const INGEST = `mutation Ingest($events: [AgentEventInput!]!) { ingestEvents(events: $events) { accepted duplicates } }`;

/** PostgreSQL's own address, from TEST_DATABASE_URL. */
function postgresTarget(): { host: string; port: number } {
  const url = new URL(process.env.TEST_DATABASE_URL!);
  return { host: url.hostname || '127.0.0.1', port: Number(url.port || 5432) };
}

/** The same database URL through the proxy. */
function throughProxy(databaseUrl: string, proxy: PgProxy): string {
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return url.toString();
}

async function registerAgent(vigil: VigilProcess, adminToken: string, name: string): Promise<{ serverId: string; agentToken: string }> {
  const registered = await graphqlRequest(vigil, 'mutation ($input: RegisterServerInput!) { registerServer(input: $input) { id } }', adminToken, {
    input: { name, hostname: `${name}.example.test`, os: 'Debian 12', ipAddress: '10.9.0.1' },
  });
  expect(registered.body?.errors, registered.text).toBeUndefined();
  const serverId = registered.body.data.registerServer.id as string;
  const created = await graphqlRequest(vigil, 'mutation ($input: CreateAgentTokenInput!) { createAgentToken(input: $input) { token } }', adminToken, {
    input: { serverId, name: `agent ${name}` },
  });
  expect(created.body?.errors, created.text).toBeUndefined();
  return { serverId, agentToken: created.body.data.createAgentToken.token as string };
}

// ---------------------------------------------------------------------------------------------
// Batches of 1,000 events: every event makes one row, its eventId starts with the batch's name
// ---------------------------------------------------------------------------------------------

const BATCH_SIZE = 1000;
/** The record tables an event lands in (each has event_id and server_id). */
const RECORD_TABLES = ['terminal_sessions', 'commands', 'file_transfers', 'system_logs', 'sudo_authorizations'] as const;

/** 10 terminal sessions, 490 commands (200 typed in those sessions), 300 logs, 150 transfers, 50 sudo grants. */
function buildBatch(batch: string): Record<string, unknown>[] {
  const at = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000).toISOString();
  const events: Record<string, unknown>[] = [];
  for (let i = 0; i < 10; i++) {
    events.push({
      eventId: `${batch}-ts-${i}`,
      kind: 'TERMINAL_SESSION_STARTED',
      terminalSessionStarted: { userEmail: ADMIN_EMAIL, username: 'ops', source: 'WEB_TERMINAL', remoteIp: '198.51.100.7', startedAt: at(3600) },
    });
  }
  for (let i = 0; i < 490; i++) {
    events.push({
      eventId: `${batch}-cmd-${i}`,
      kind: 'COMMAND',
      command: {
        shell: 'SYSTEM',
        line: `journalctl -u app${i % 10} --since "-${i} min" | tail -n 50`,
        terminalSessionEventId: i < 200 ? `${batch}-ts-${i % 10}` : null,
        status: 'SUCCESS',
        exitCode: 0,
        result: 'ok',
        submittedAt: at(3000 - i),
        startedAt: at(3000 - i),
        finishedAt: at(2999 - i),
      },
    });
  }
  for (let i = 0; i < 300; i++) {
    events.push({
      eventId: `${batch}-log-${i}`,
      kind: 'SYSTEM_LOG',
      systemLog: {
        program: 'sshd',
        level: 'INFO',
        pid: 4000 + i,
        message: `Accepted publickey for ops from 198.51.100.${i % 250} port ${40000 + i}`,
        loggedAt: at(2000 - i),
      },
    });
  }
  for (let i = 0; i < 150; i++) {
    events.push({
      eventId: `${batch}-ft-${i}`,
      kind: 'FILE_TRANSFER',
      fileTransfer: {
        userEmail: ADMIN_EMAIL,
        username: 'ops',
        direction: i % 2 ? 'UPLOAD' : 'DOWNLOAD',
        objectName: `dump-${i}.sql.gz`,
        path: `/var/backups/dump-${i}.sql.gz`,
        sizeBytes: 1024 * i,
        status: 'SUCCESS',
        occurredAt: at(1500 - i),
      },
    });
  }
  for (let i = 0; i < 50; i++) {
    events.push({
      eventId: `${batch}-sudo-${i}`,
      kind: 'SUDO_AUTHORIZATION',
      sudoAuthorization: { userEmail: ADMIN_EMAIL, command: `systemctl restart app${i}`, grantedVia: 'POLICY', grantedAt: at(1000 - i) },
    });
  }
  expect(events).toHaveLength(BATCH_SIZE);
  return events;
}

// ---------------------------------------------------------------------------------------------
// 1. Database outage
// ---------------------------------------------------------------------------------------------

describe.skipIf(!isPostgres)('when PostgreSQL goes away (through a proxy that is cut, then restored)', { timeout: 240_000 }, () => {
  let database: TestDatabase | undefined;
  let proxy: PgProxy | undefined;
  let admin: postgres.Sql | undefined;
  let dataDir: string;
  let env: Record<string, string>;
  let vigil: VigilProcess;
  let adminToken: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = await startPgProxy(postgresTarget());
    // The test's own connection goes straight to PostgreSQL: it is never cut.
    admin = postgres(database.env.DATABASE_URL!, { max: 2, onnotice: () => {} });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'vigil-faults-'));
    env = processEnv({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      VIGIL_DATA_DIR: dataDir,
      DATABASE_URL: throughProxy(database.env.DATABASE_URL!, proxy),
    });
    vigil = await startVigilProcess(env);
    adminToken = vigil.adminToken!;
  });

  /** Each test starts on a running Vigil: if a previous one left it dead, it is started again (and noted). */
  async function ensureRunning(label: string): Promise<void> {
    if (vigil.isRunning()) return;
    const exit = await vigil.exited;
    note(`${label}: Vigil was not running (it had exited: code ${exit.code}, signal ${exit.signal}); starting it again`);
    vigil = await startVigilProcess(env);
  }

  afterAll(async () => {
    try {
      await vigil?.stop('SIGTERM');
    } finally {
      await killAllChildren();
      await proxy?.close();
      await admin?.end({ timeout: 5 });
      await database?.drop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    }
  });

  /** Is this Vigil's ready probe answering 200 and GraphQL answering a query that reads the database? */
  async function serves(): Promise<boolean> {
    const ready = await request(`${vigil.baseUrl}/readyz`, {}, 10_000);
    if (ready.status !== 200) return false;
    const page = await graphqlRequest(vigil, AUDIT_PAGE, adminToken, undefined, 10_000);
    return page.status === 200 && !page.body?.errors && Array.isArray(page.body?.data?.auditLog?.nodes);
  }

  /** The outage checks: what a query, a mutation, /readyz and /healthz answer with the database gone. */
  async function duringOutage(label: string): Promise<void> {
    const query = await graphqlRequest(vigil, AUDIT_PAGE, adminToken);
    note(describeAnswer(`${label}: GraphQL query auditLog`, query));
    const mutation = await graphqlRequest(vigil, 'mutation { createUserToken(input: { name: "during outage" }) { token } }', adminToken);
    note(describeAnswer(`${label}: GraphQL mutation createUserToken`, mutation));
    const ready = await request(`${vigil.baseUrl}/readyz`);
    note(describeAnswer(`${label}: GET /readyz`, ready));
    const health = await request(`${vigil.baseUrl}/healthz`);
    note(describeAnswer(`${label}: GET /healthz`, health));
    if (!vigil.isRunning()) {
      const exit = await vigil.exited;
      note(
        `${label}: VIGIL EXITED (code ${exit.code}, signal ${exit.signal}).\n--- stdout tail ---\n${vigil.stdout().slice(-4000)}\n--- stderr tail ---\n${vigil.stderr().slice(-4000)}`,
      );
    }
    expect(vigil.isRunning(), `${label}: Vigil exited during the outage`).toBe(true);

    for (const [what, answer] of [
      ['query', query],
      ['mutation', mutation],
    ] as const) {
      // A clear error, soon: an HTTP answer (no hang, no cut connection), a JSON error with a code, no stack.
      expect(answer.failure, `${label} ${what}: ${describeAnswer(what, answer)}`).toBeUndefined();
      expect(answer.elapsedMs, `${label} ${what}: ${describeAnswer(what, answer)}`).toBeLessThan(OUTAGE_ANSWER_BOUND_MS);
      expect([200, 500, 503], describeAnswer(what, answer)).toContain(answer.status);
      expect(answer.body?.errors?.[0]?.message, describeAnswer(what, answer)).toEqual(expect.any(String));
      expect(answer.body?.errors?.[0]?.extensions?.code, describeAnswer(what, answer)).toEqual(expect.any(String));
      expect(hasStack(answer.text), describeAnswer(what, answer)).toBe(false);
      expect(answer.body?.data ?? null).toBeNull();
    }
    expect(ready.status, describeAnswer('readyz', ready)).toBe(503);
    expect(ready.elapsedMs).toBeLessThan(OUTAGE_ANSWER_BOUND_MS);
    expect(ready.body).toMatchObject({ status: 'unavailable', database: 'unreachable' });
    expect(hasStack(ready.text)).toBe(false);
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    expect(vigil.isRunning()).toBe(true);
  }

  /** Polls until Vigil serves again; notes and returns how long it took (null: not within the deadline). */
  async function recovery(label: string, restoredAt: number): Promise<{ readyMs: number | null; servesMs: number | null }> {
    const readyMs = await pollUntil(async () => (await request(`${vigil.baseUrl}/readyz`, {}, 10_000)).status === 200, RECOVERY_DEADLINE_MS, 100);
    const served = await pollUntil(serves, RECOVERY_DEADLINE_MS, 100);
    const servesMs = served === null ? null : Math.round(performance.now() - restoredAt);
    note(
      `${label}: /readyz 200 again ${readyMs ?? 'never'} ms, GraphQL serving again ${servesMs ?? 'never'} ms after the database came back (deadline ${RECOVERY_DEADLINE_MS} ms)`,
    );
    if (readyMs === null || servesMs === null)
      note(`${label}: Vigil stdout tail:\n${vigil.stdout().slice(-3000)}\nstderr tail:\n${vigil.stderr().slice(-3000)}`);
    return { readyMs, servesMs };
  }

  it('answers a clear error at once when the database goes, turns /readyz 503, keeps /healthz 200, and recovers by itself', async () => {
    await ensureRunning('outage 1');
    expect(await pollUntil(serves, RECOVERY_DEADLINE_MS)).not.toBeNull();
    expect(proxy!.open).toBeGreaterThan(0);
    const pid = vigil.child.pid;

    await proxy!.cut();
    note('outage 1: proxy cut (every connection destroyed, new ones refused)');
    await duringOutage('outage 1');

    await proxy!.restore();
    const { readyMs, servesMs } = await recovery('outage 1', performance.now());
    expect(readyMs).not.toBeNull();
    expect(servesMs).not.toBeNull();

    // The same process, not a restart; and a write works again.
    expect(vigil.isRunning()).toBe(true);
    expect(vigil.child.pid).toBe(pid);
    const me = await graphqlRequest(vigil, ME, adminToken);
    expect(me.body).toEqual({ data: { me: { email: ADMIN_EMAIL } } });
    const write = await graphqlRequest(vigil, 'mutation { createUserToken(input: { name: "after outage" }) { token } }', adminToken);
    expect(write.body?.errors, write.text).toBeUndefined();
  });

  it('fails a request caught mid-transaction when the database goes, and commits nothing of it', async () => {
    await ensureRunning('outage 2');
    expect(await pollUntil(serves, RECOVERY_DEADLINE_MS)).not.toBeNull();
    const pid = vigil.child.pid!;
    const before = await admin!<{ count: number }[]>`select count(*)::int as count from api_tokens where name = 'caught mid-request'`;
    /** PostgreSQL backends of the transaction caught by the cut. */
    let cutBackends: number[] = [];

    // Hold the audit log's table, so the mutation's transaction waits on it (its audit entry's insert), inside PostgreSQL.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const holder = admin!.begin(async (tx) => {
      await tx`lock table audit_entries in exclusive mode`;
      holding();
      await released;
    });
    await held;
    try {
      const pending = graphqlRequest(vigil, 'mutation { createUserToken(input: { name: "caught mid-request" }) { token } }', adminToken);
      const waiting = await pollUntil(
        async () => {
          const rows = await admin!<{ pid: number }[]>`
          select pid from pg_stat_activity
          where application_name = ${`vigil:${pid}`} and wait_event_type = 'Lock'`;
          cutBackends = rows.map((row) => row.pid);
          return rows.length > 0;
        },
        10_000,
        20,
      );
      expect(waiting, 'the mutation never waited on the audit log').not.toBeNull();

      await proxy!.cut();
      note('outage 2: proxy cut while a createUserToken transaction waits on a lock in PostgreSQL');
      const answer = await pending;
      note(describeAnswer('outage 2: the mutation caught mid-transaction', answer));
      expect(answer.failure, describeAnswer('mid-request', answer)).toBeUndefined();
      expect(answer.elapsedMs).toBeLessThan(OUTAGE_ANSWER_BOUND_MS);
      expect([200, 500, 503]).toContain(answer.status);
      expect(answer.body?.errors?.[0]?.extensions?.code).toEqual(expect.any(String));
      expect(answer.body?.data ?? null).toBeNull();
      expect(hasStack(answer.text)).toBe(false);
      // Vigil must survive the connection dying under an open transaction (checked after the cleanup).
      await sleep(500);
      if (vigil.isRunning()) await duringOutage('outage 2');
    } finally {
      release();
      await holder;
      await proxy!.restore();
    }

    const crashed = !vigil.isRunning();
    if (crashed) {
      const exit = await vigil.exited;
      note(
        `outage 2: VIGIL EXITED after the cut (code ${exit.code}, signal ${exit.signal}); its stderr:\n${vigil.stderr().slice(-2000)}\n` +
          `last stdout lines:\n${vigil.stdout().trim().split('\n').slice(-3).join('\n')}`,
      );
    }
    expect.soft(crashed, 'outage 2: Vigil exited when its connection died under an open transaction').toBe(false);
    if (crashed) await ensureRunning('outage 2, after the crash');
    const { servesMs } = await recovery('outage 2', performance.now());
    expect(servesMs).not.toBeNull();
    // The backend of the cut connection rolled the transaction back once it went on: nothing committed.
    expect(
      await pollUntil(async () => {
        const rows = await admin!<{ count: number }[]>`select count(*)::int as count from pg_stat_activity where pid = any(${cutBackends})`;
        return rows[0]!.count === 0;
      }, 10_000),
    ).not.toBeNull();
    const after = await admin!<{ count: number }[]>`select count(*)::int as count from api_tokens where name = 'caught mid-request'`;
    expect(after[0]!.count).toBe(before[0]!.count);

    const integrity = await graphqlRequest(vigil, INTEGRITY, adminToken);
    expect(integrity.body?.data?.auditIntegrity, integrity.text).toMatchObject({ isIntact: true, fault: null });
  });

  it(`keeps answering within ${OUTAGE_ANSWER_BOUND_MS / 1000} s through a ${SUSTAINED_OUTAGE_MS / 1000} s outage, probed every second, and recovers by itself`, async () => {
    await ensureRunning('outage 3');
    expect(await pollUntil(serves, RECOVERY_DEADLINE_MS)).not.toBeNull();
    const pid = vigil.child.pid;
    // What an orchestrator and a client do during an outage: /readyz every second, a query every 2 s.
    const timeline: { at: number; what: string; answer: Answer }[] = [];
    let cutAt = 0;
    let isOutage = true;
    const pending: Promise<void>[] = [];
    const every = async (milliseconds: number, what: string, send: () => Promise<Answer>) => {
      while (isOutage) {
        const at = Math.round(performance.now() - cutAt);
        pending.push(send().then((answer) => void timeline.push({ at, what, answer })));
        await sleep(milliseconds);
      }
    };

    await proxy!.cut();
    cutAt = performance.now();
    note(`outage 3: proxy cut for ${SUSTAINED_OUTAGE_MS} ms, /readyz probed every 1 s and auditLog queried every 2 s`);
    const traffic = Promise.all([
      every(1000, 'readyz', () => request(`${vigil.baseUrl}/readyz`)),
      every(2000, 'query', () => graphqlRequest(vigil, AUDIT_PAGE, adminToken)),
      every(5000, 'healthz', () => request(`${vigil.baseUrl}/healthz`)),
    ]);
    await sleep(SUSTAINED_OUTAGE_MS);
    isOutage = false;
    await traffic;
    await proxy!.restore();
    const restoredAt = performance.now();
    note(`outage 3: proxy restored after ${Math.round(restoredAt - cutAt)} ms`);
    const { readyMs, servesMs } = await recovery('outage 3', restoredAt);
    await Promise.all(pending);

    timeline.sort((a, b) => a.at - b.at);
    const line = ({ at, what, answer }: (typeof timeline)[number]) =>
      `+${(at / 1000).toFixed(1)} s ${what}: ${answer.status ?? answer.failure} in ${answer.elapsedMs} ms${
        answer.status === 200 && what === 'query' ? (answer.body?.errors ? ' (errors)' : ' (data: answered once the database was back)') : ''
      }`;
    const queries = timeline.filter(({ what }) => what === 'query');
    const probes = timeline.filter(({ what }) => what === 'readyz');
    const slowest = (entries: typeof timeline) => Math.max(0, ...entries.map(({ answer }) => answer.elapsedMs));
    note(
      `outage 3 timeline (sent at +s after the cut; answered in ms):\n  ${queries.map(line).join('\n  ')}\n` +
        `  readyz: ${probes.map(({ answer }) => `${answer.status}/${answer.elapsedMs}ms`).join(' ')}\n` +
        `  slowest query answer ${slowest(queries)} ms; slowest readyz ${slowest(probes)} ms; queries answered only after the database came back: ${
          queries.filter(({ at, answer }) => at + answer.elapsedMs > SUSTAINED_OUTAGE_MS).length
        } of ${queries.length}`,
    );

    // Recovery without a restart.
    expect(readyMs).not.toBeNull();
    expect(servesMs).not.toBeNull();
    expect(vigil.child.pid).toBe(pid);
    // Throughout the outage: healthz 200, readyz 503 within its own 2 s timeout (plus slack).
    for (const { answer } of timeline.filter(({ what }) => what === 'healthz')) expect(answer.status).toBe(200);
    // (A probe sent just before the restore may see the database back within its 2 s: only those answered before it count.)
    const restoredAfterMs = restoredAt - cutAt;
    const probesDuringOutage = probes.filter(({ at, answer }) => at + answer.elapsedMs < restoredAfterMs);
    expect(probesDuringOutage.length).toBeGreaterThan(SUSTAINED_OUTAGE_MS / 1000 - 5);
    expect
      .soft(
        probesDuringOutage.filter(({ answer }) => answer.status !== 503 || answer.elapsedMs >= 3_000).map(line),
        '/readyz answers that were not a prompt 503',
      )
      .toEqual([]);
    // Every query answered within the bound: a clear error, not held until the database returns.
    expect
      .soft(queries.filter(({ answer }) => !(answer.elapsedMs < OUTAGE_ANSWER_BOUND_MS)).map(line), `queries not answered within ${OUTAGE_ANSWER_BOUND_MS} ms`)
      .toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. SIGKILL during batch ingestion
// ---------------------------------------------------------------------------------------------

interface SentBatch {
  readonly name: string;
  readonly round: number;
  /** ok: Vigil answered with the batch accepted; error: an HTTP answer with errors; lost: no answer (killed). */
  outcome: 'pending' | 'ok' | 'error' | 'lost';
  detail?: string;
}

describe.skipIf(!isPostgres)('when Vigil is killed with SIGKILL during batch ingestion', { timeout: 420_000 }, () => {
  let database: TestDatabase | undefined;
  let admin: postgres.Sql | undefined;
  let dataDir: string;
  let env: Record<string, string>;
  let vigil: VigilProcess | undefined;
  let adminToken: string;
  let serverId: string;
  let agentToken: string;
  const sent: SentBatch[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    admin = postgres(database.env.DATABASE_URL!, { max: 2, onnotice: () => {} });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'vigil-sigkill-'));
    env = processEnv({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', VIGIL_DATA_DIR: dataDir, ...database.env });
    vigil = await startVigilProcess(env);
    adminToken = vigil.adminToken!;
    ({ serverId, agentToken } = await registerAgent(vigil, adminToken, 'ingest-01'));
  });

  afterAll(async () => {
    try {
      await vigil?.stop('SIGTERM');
    } finally {
      await killAllChildren();
      await admin?.end({ timeout: 5 });
      await database?.drop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    }
  });

  /** Rows per batch across the record tables, and `events.ingested` entries per batch. */
  async function storedByBatch(): Promise<{ rows: Map<string, number>; entries: Map<string, { count: number; events: number; sameBatch: boolean }> }> {
    const rows = new Map<string, number>();
    for (const table of RECORD_TABLES) {
      const counts = await admin!.unsafe<{ batch: string; count: number }[]>(
        `select split_part(event_id, '-', 1) as batch, count(*)::int as count from ${table} where server_id = $1 group by 1`,
        [serverId],
      );
      for (const { batch, count } of counts) rows.set(batch, (rows.get(batch) ?? 0) + count);
    }
    const entries = new Map<string, { count: number; events: number; sameBatch: boolean }>();
    const audit = await admin!<{ first: string; last: string; after: { counts: Record<string, number> } }[]>`
      select after->>'firstEventId' as first, after->>'lastEventId' as last, after
      from audit_entries where action = 'events.ingested' and resource_id = ${serverId}`;
    for (const entry of audit) {
      const batch = entry.first.split('-')[0]!;
      const seen = entries.get(batch) ?? { count: 0, events: 0, sameBatch: true };
      seen.count += 1;
      seen.events += Object.values(entry.after.counts).reduce((sum, count) => sum + count, 0);
      seen.sameBatch &&= entry.last.split('-')[0] === batch;
      entries.set(batch, seen);
    }
    return { rows, entries };
  }

  /** Every batch sent so far: all 1,000 rows and one audit entry, or no row and no entry. */
  async function expectWholeOrNothing(label: string): Promise<{ stored: number; missing: number }> {
    const { rows, entries } = await storedByBatch();
    let stored = 0;
    let missing = 0;
    for (const batch of sent) {
      const count = rows.get(batch.name) ?? 0;
      const entry = entries.get(batch.name);
      const what = `${label}: batch ${batch.name} (${batch.outcome}${batch.detail ? `: ${batch.detail}` : ''}) has ${count} rows, ${entry?.count ?? 0} events.ingested entries`;
      expect([0, BATCH_SIZE], what).toContain(count);
      if (count === BATCH_SIZE) {
        stored += 1;
        expect(entry, what).toEqual({ count: 1, events: BATCH_SIZE, sameBatch: true });
      } else {
        missing += 1;
        expect(entry, what).toBeUndefined();
        // Vigil said it stored the batch: it must be there.
        expect(batch.outcome, what).not.toBe('ok');
      }
    }
    // Nothing stored that was not sent.
    for (const name of rows.keys())
      expect(
        sent.some((batch) => batch.name === name),
        `rows of unknown batch ${name}`,
      ).toBe(true);
    for (const name of entries.keys())
      expect(
        sent.some((batch) => batch.name === name),
        `events.ingested of unknown batch ${name}`,
      ).toBe(true);
    return { stored, missing };
  }

  async function expectChainIntact(label: string): Promise<void> {
    const [row] = await admin!<{ count: number }[]>`
      select count(*)::int as count from audit_entries where tenant_id = (select tenant_id from servers where id = ${serverId})`;
    const count = row!.count;
    const integrity = await graphqlRequest(vigil!, INTEGRITY, adminToken);
    note(`${label}: auditIntegrity ${JSON.stringify(integrity.body?.data?.auditIntegrity ?? integrity.body)} (audit_entries rows before the check: ${count})`);
    expect(integrity.body?.data?.auditIntegrity, integrity.text).toMatchObject({ isIntact: true, fault: null });
    // The whole chain of the tenant was walked (entries appended since, e.g. by the check itself, excepted).
    expect(integrity.body.data.auditIntegrity.checkedEntries).toBe(count);
    expect(integrity.body.data.auditIntegrity.fromSeq).toBe(1);
  }

  /** Sends batches back to back on `streams` parallel streams until Vigil stops answering. */
  function streamBatches(round: number, streams: number): Promise<void> {
    let next = 0;
    const target = vigil!;
    const stream = async () => {
      for (;;) {
        const batch: SentBatch = { name: `r${round}b${(next += 1)}`, round, outcome: 'pending' };
        sent.push(batch);
        const answer = await graphqlRequest(target, INGEST, agentToken, { events: buildBatch(batch.name) }, 60_000);
        if (answer.status === null) {
          batch.outcome = 'lost';
          batch.detail = answer.failure;
          return;
        }
        const result = answer.body?.data?.ingestEvents;
        if (answer.status === 200 && !answer.body?.errors && result?.accepted === BATCH_SIZE) {
          batch.outcome = 'ok';
        } else {
          batch.outcome = 'error';
          batch.detail = `${answer.status} ${answer.text.slice(0, 300)}`;
          // A refused batch while Vigil is alive is a failure of its own.
          if (target.isRunning()) return;
        }
        if (!target.isRunning()) return;
      }
    };
    return Promise.all(Array.from({ length: streams }, stream)).then(() => undefined);
  }

  /** Resolves once PostgreSQL shows one of `pid`'s connections inside an ingestion transaction. */
  async function ingestionTransactionOpen(pid: number, deadlineMs: number): Promise<boolean> {
    const found = await pollUntil(
      async () => {
        const rows = await admin!<{ count: number }[]>`
        select count(*)::int as count from pg_stat_activity
        where application_name = ${`vigil:${pid}`} and xact_start is not null
          and (query ilike 'insert into "commands"%' or query ilike 'insert into "system_logs"%' or query ilike 'insert into "file_transfers"%'
               or query ilike 'insert into "sudo_authorizations"%' or query ilike 'insert into "audit_entries"%' or query ilike 'select pg_notify%')`;
        return rows[0]!.count > 0;
      },
      deadlineMs,
      5,
    );
    return found !== null;
  }

  /** Waits until PostgreSQL has ended every backend of the killed process (its transaction resolved). */
  async function backendsGone(pid: number): Promise<number | null> {
    return pollUntil(
      async () => {
        const rows = await admin!<{ count: number }[]>`
        select count(*)::int as count from pg_stat_activity where application_name like ${`vigil:${pid}%`}`;
        return rows[0]!.count === 0;
      },
      30_000,
      50,
    );
  }

  const ROUNDS: { how: 'random' | 'in-transaction'; delayMs?: number }[] = [
    { how: 'random', delayMs: randomInt(300, 1500) },
    { how: 'in-transaction' },
    { how: 'random', delayMs: randomInt(1500, 4000) },
    { how: 'in-transaction' },
    { how: 'random', delayMs: randomInt(4000, 7000) },
  ];

  it(`leaves every batch whole or absent, with one audit entry per stored batch and the chain intact, over ${ROUNDS.length} kills`, async () => {
    for (const [index, { how, delayMs }] of ROUNDS.entries()) {
      const round = index + 1;
      const running = vigil!;
      const pid = running.child.pid!;
      const streaming = streamBatches(round, 2);
      const started = performance.now();
      if (how === 'random') {
        await sleep(delayMs!);
      } else {
        // Let a batch or two go through first, then kill once a transaction is seen open.
        await sleep(randomInt(500, 2500));
        const seen = await ingestionTransactionOpen(pid, 20_000);
        expect(seen, `round ${round}: no ingestion transaction seen open`).toBe(true);
      }
      running.child.kill('SIGKILL');
      const killedAfterMs = Math.round(performance.now() - started);
      const exit = await running.exited;
      expect(exit.signal).toBe('SIGKILL');
      await streaming;
      const gone = await backendsGone(pid);
      expect(gone, `round ${round}: the killed process's backends are still in PostgreSQL`).not.toBeNull();

      const ofRound = sent.filter((batch) => batch.round === round);
      const outcomes = ofRound.map((batch) => `${batch.name}:${batch.outcome}`).join(' ');
      const { stored, missing } = await expectWholeOrNothing(`round ${round}`);
      const { rows } = await storedByBatch();
      const inFlight = ofRound.filter((batch) => batch.outcome !== 'ok').map((batch) => `${batch.name}=${rows.get(batch.name) ?? 0} rows`);
      note(
        `round ${round} (${how === 'random' ? `kill after ${delayMs} ms` : 'kill with an ingestion transaction open'}): killed ${killedAfterMs} ms into the stream; ` +
          `batches sent this round: ${outcomes}; unanswered: ${inFlight.join(', ') || 'none'}; backends gone after ${gone} ms; so far ${stored} stored whole, ${missing} absent`,
      );
      for (const batch of ofRound) if (batch.outcome === 'error') note(`round ${round}: ${batch.name} answered with an error before the kill: ${batch.detail}`);
      expect(ofRound.filter((batch) => batch.outcome === 'error')).toEqual([]);

      const restartedAt = performance.now();
      vigil = await startVigilProcess(env);
      note(`round ${round}: restarted on the same database in ${Math.round(performance.now() - restartedAt)} ms`);
      expect(vigil.adminToken).toBeUndefined();
      await expectChainIntact(`round ${round}, after the restart`);
    }

    // Re-sending every batch stores the missing ones, once; the stored ones are all duplicates.
    const { rows: before } = await storedByBatch();
    let resentStored = 0;
    for (const batch of sent) {
      const answer = await graphqlRequest(vigil!, INGEST, agentToken, { events: buildBatch(batch.name) }, 60_000);
      expect(answer.body?.errors, describeAnswer(`re-send ${batch.name}`, answer)).toBeUndefined();
      const wasStored = (before.get(batch.name) ?? 0) === BATCH_SIZE;
      expect(answer.body.data.ingestEvents, batch.name).toEqual(wasStored ? { accepted: 0, duplicates: BATCH_SIZE } : { accepted: BATCH_SIZE, duplicates: 0 });
      if (!wasStored) resentStored += 1;
    }
    note(`re-send: ${sent.length} batches re-sent, ${resentStored} were missing and are stored now, ${sent.length - resentStored} were duplicates`);
    const { stored, missing } = await expectWholeOrNothing('after re-sending');
    expect({ stored, missing }).toEqual({ stored: sent.length, missing: 0 });
    await expectChainIntact('after re-sending');
  });
});
