/**
 * Vigil as an operator runs it: `server/main.ts` and `server/cli/main.ts` as real child processes
 * on the test file's own database (a fresh PGlite data dir, or a cloned PostgreSQL database), with
 * only the environment given here. The tests share one data dir and run in order, like an
 * operator's session: first start, CLI, restart, WebSockets, SIGTERM.
 */
import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { graphql } from '../support/graphql-client.js';
import { createTestDatabase, isPostgres, type TestDatabase } from '../support/test-database.js';
import { endProcessTest, processEnv, runCli, startVigilProcess, type VigilProcess } from '../support/vigil-process.js';

const TOKEN = /^vigil_user_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/;
const TOKEN_ALONE_ON_STDOUT = /^vigil_user_[0-9a-f]{32}_[A-Za-z0-9_-]{43}\n$/;
const ADMIN = { email: 'admin@localhost', role: 'ADMIN' };

let database: TestDatabase | undefined;
let dataDir: string;
let env: Record<string, string>;
/** The server now running, if any. */
let server: VigilProcess | undefined;
/** The first start, on the empty database. */
let firstStart: VigilProcess;
let adminToken: string;

/** The running server, started again if a previous test stopped it. */
async function runningServer(): Promise<VigilProcess> {
  if (!server?.isRunning()) server = await startVigilProcess(env);
  return server;
}

/** Stops the server with SIGTERM and checks it went cleanly. */
async function stopServer(): Promise<void> {
  if (!server) return;
  const exit = await server.stop('SIGTERM');
  server = undefined;
  expect(exit).toMatchObject({ code: 0, signal: null, timedOut: false });
}

/** The CLI can share PostgreSQL with a running server; the embedded database it cannot. */
async function serverStateForCli(): Promise<void> {
  if (isPostgres) await runningServer();
  else await stopServer();
}

/** `{ me { email role } }` over HTTP, on the running server (started again if it was stopped). */
async function me(token: string) {
  const { baseUrl } = await runningServer();
  return graphql(`${baseUrl}/graphql`, '{ me { email role } }', { token });
}

const cli = (...args: string[]) => runCli(args, env);

interface Closed {
  code: number;
  reason: string;
}

/** A graphql-ws client; `closed` resolves with the close event of its (only) socket. */
function connectGraphQLWs(url: string, connectionParams: Record<string, unknown>) {
  let onConnected!: () => void;
  let onClosed!: (closed: Closed) => void;
  const connected = new Promise<void>((resolve) => (onConnected = resolve));
  const closed = new Promise<Closed>((resolve) => (onClosed = resolve));
  const client: Client = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams,
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => {},
    on: {
      connected: () => onConnected(),
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string | Buffer };
        onClosed({ code, reason: String(reason) });
      },
    },
  });
  return { client, connected, closed };
}

function withTimeout<T>(promise: Promise<T>, milliseconds: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${milliseconds} ms`)), milliseconds);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'vigil-process-'));
  env = processEnv({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', VIGIL_DATA_DIR: dataDir, ...database.env });
  server = firstStart = await startVigilProcess(env);
  adminToken = firstStart.adminToken!;
});

afterAll(async () => {
  await endProcessTest(server, database, dataDir);
});

describe('Vigil run as a process', { timeout: 90_000 }, () => {
  describe('first start', () => {
    it('prints where it serves GraphQL and, once, the admin token of the tenant it created', () => {
      expect(firstStart.graphqlUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
      expect(adminToken).toMatch(TOKEN);
      expect(firstStart.stdout()).toContain('First run: created tenant "default" and admin admin@localhost.\n');
      expect(firstStart.stdout().match(/^Admin token \(shown once, keep it safe\): /gm)).toHaveLength(1);
    });

    it('answers /healthz and /readyz with 200, with no migration pending', async () => {
      const { baseUrl } = await runningServer();
      const health = await fetch(`${baseUrl}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });

      const ready = await fetch(`${baseUrl}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ok', database: 'ok', pendingMigrations: 0 });
    });

    it('answers `me` over HTTP as the first-run admin for the printed token', async () => {
      const response = await me(adminToken);
      expect(response.status).toBe(200);
      expect(response.errors).toBeUndefined();
      expect(response.data).toEqual({ me: ADMIN });
    });
  });

  describe('operator CLI', () => {
    it.skipIf(isPostgres)('refuses to open the embedded data dir while the server holds it, exiting 1', async () => {
      const running = await runningServer();
      const result = await cli('token', 'create', '--tenant', 'default', '--email', 'admin@localhost');
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`vigil: The data dir ${dataDir} is in use by another Vigil process (pid ${running.child.pid}).`);
      // The server is unharmed.
      expect((await me(adminToken)).data).toEqual({ me: ADMIN });
    });

    it(`creates a token and prints it alone on stdout (${isPostgres ? 'beside the running server' : 'with the server stopped'})`, async () => {
      await serverStateForCli();
      const result = await cli('token', 'create', '--tenant', 'default', '--email', 'admin@localhost');
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(TOKEN_ALONE_ON_STDOUT);
      expect(result.code).toBe(0);

      const token = result.stdout.trim();
      expect(token).not.toBe(adminToken);

      // A stream token for a collector: the event stream, and nothing else of the API.
      await serverStateForCli();
      const stream = await cli('token', 'create', '--tenant', 'default', '--email', 'admin@localhost', '--kind', 'stream', '--name', 'siem');
      expect([stream.code, stream.stderr]).toEqual([0, '']);
      expect(stream.stdout).toMatch(/^vigil_stream_[0-9a-f]{32}_[A-Za-z0-9_-]{43}\n$/);
      const streamToken = stream.stdout.trim();
      const wrongKind = await cli('token', 'create', '--tenant', 'default', '--email', 'admin@localhost', '--kind', 'agent');
      expect([wrongKind.code, wrongKind.stdout]).toEqual([2, '']); // a usage error
      expect(wrongKind.stderr).toContain('--kind');

      expect((await me(token)).data).toEqual({ me: ADMIN });
      const { baseUrl } = await runningServer();
      const events = await fetch(`${baseUrl}/events?first=1`, { headers: { authorization: `Bearer ${streamToken}` } });
      expect(events.status).toBe(200);
      expect((await events.text()).trim().split('\n')).toHaveLength(2);
      const refused = await graphql(`${baseUrl}/graphql`, '{ users(first: 1) { nodes { id } } }', { token: streamToken });
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });

    it('makes a chat link code for a user and prints it alone on stdout', async () => {
      await serverStateForCli();
      const result = await cli('chat', 'link-code', '--tenant', 'default', '--email', 'admin@localhost');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}\n$/);
      expect(result.stderr).toContain(`/audit link ${result.stdout.trim()}`);
    });

    it('refuses a token for an unknown email: exit 1, the reason on stderr, nothing on stdout', async () => {
      await serverStateForCli();
      const result = await cli('token', 'create', '--tenant', 'default', '--email', 'nobody@example.com');
      expect(result).toEqual({
        code: 1,
        stdout: '',
        stderr: 'vigil: No user nobody@example.com in tenant default: see `vigil user list`\n',
      });
    });

    it('prints its usage and exits 0 for --help', async () => {
      const result = await cli('--help');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^Usage: vigil \[options\] \[command\]\n/);
      expect(result.stdout).toMatch(/\n {2}token +Manage API tokens\.\n/);
      expect(result.stdout).toMatch(/\n {2}witness \[options\] +Witness a workspace’s log/);
      expect(result.stderr).toBe('');
    });
  });

  describe('restart', () => {
    it('keeps tenants, users and tokens across a restart, and does not bootstrap a second time', async () => {
      const before = await runningServer();
      const created = await graphql<{ createUserToken: { token: string } }>(
        before.graphqlUrl,
        'mutation { createUserToken(input: { name: "before restart" }) { token } }',
        { token: adminToken },
      );
      expect(created.errors).toBeUndefined();
      const tokenFromBefore = created.data!.createUserToken.token;
      expect(tokenFromBefore).toMatch(TOKEN);

      await stopServer();
      if (!isPostgres) expect(await readdir(dataDir)).not.toContain('vigil.pid');

      const after = await runningServer();
      expect(after.adminToken).toBeUndefined();
      expect(after.stdout()).not.toContain('Admin token');
      expect(after.stdout()).not.toContain('First run');
      expect((await me(adminToken)).data).toEqual({ me: ADMIN });
      expect((await me(tokenFromBefore)).data).toEqual({ me: ADMIN });
    });
  });

  describe('GraphQL over WebSocket', () => {
    it('closes with 4401 a connection whose connection_init carries no token', async () => {
      const { wsUrl } = await runningServer();
      const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
      const messages: unknown[] = [];
      socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString())));
      const closed = new Promise<Closed>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
      socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
      try {
        expect(await withTimeout(closed, 10_000, 'close')).toEqual({ code: 4401, reason: 'Authentication required: send the token in connection_init' });
        expect(messages).toEqual([]); // no connection_ack
      } finally {
        socket.terminate();
      }
    });

    it('closes with 4401 a connection whose token is not a valid one', async () => {
      const { wsUrl } = await runningServer();
      const bogus = adminToken.slice(0, -4) + (adminToken.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      const ws = connectGraphQLWs(wsUrl, { authorization: `Bearer ${bogus}` });
      try {
        expect(await withTimeout(ws.closed, 10_000, 'close')).toEqual({ code: 4401, reason: 'The API token is not valid' });
      } finally {
        await ws.client.dispose();
      }
    });

    it('closes with 4401 a connection whose token has been revoked', async () => {
      const { graphqlUrl, wsUrl } = await runningServer();
      const created = await graphql<{ createUserToken: { token: string; apiToken: { id: string } } }>(
        graphqlUrl,
        'mutation { createUserToken(input: { name: "to revoke" }) { token apiToken { id } } }',
        { token: adminToken },
      );
      const { token, apiToken } = created.data!.createUserToken;
      const revoked = await graphql(graphqlUrl, 'mutation ($id: ID!) { revokeToken(id: $id) { id } }', {
        token: adminToken,
        variables: { id: apiToken.id },
      });
      expect(revoked.errors).toBeUndefined();

      const ws = connectGraphQLWs(wsUrl, { token });
      try {
        expect(await withTimeout(ws.closed, 10_000, 'close')).toEqual({ code: 4401, reason: 'The API token has been revoked' });
      } finally {
        await ws.client.dispose();
      }
    });
  });

  describe('SIGTERM', () => {
    it('closes open WebSockets with 1001 (going away) and exits 0 within 10 s', async () => {
      const running = await runningServer();
      const ws = connectGraphQLWs(running.wsUrl, { authorization: `Bearer ${adminToken}` });
      try {
        await withTimeout(ws.connected, 10_000, 'connection_ack');
        // The socket is authenticated: a query over it answers as the admin.
        const result = await withTimeout(ws.client.iterate({ query: '{ me { email role } }' }).next(), 10_000, 'query over WebSocket');
        expect(result.value).toEqual({ data: { me: ADMIN } });

        const exit = running.stop('SIGTERM', 10_000);
        expect((await withTimeout(ws.closed, 10_000, 'close')).code).toBe(1001);
        expect(await exit).toMatchObject({ code: 0, signal: null, timedOut: false });
        expect((await exit).elapsedMs).toBeLessThan(10_000);
        server = undefined;
      } finally {
        await ws.client.dispose();
      }
    });
  });
});
