/**
 * Demo data as a front-end team gets it: `npm start -- --demo` on an empty database, and
 * `npm run vigil -- demo`, run as real processes on the test file's own database (a fresh PGlite
 * data dir, or a cloned PostgreSQL database). What the week holds, and what `vigil demo` prints
 * when it writes one, is checked in demo-week.test.ts; here, what the --demo start prints, that its
 * tokens work and its log verifies once served, and that both entry points refuse, with a message
 * and exit 1, a database or tenant that already holds records.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../support/graphql-client.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { endProcessTest, processEnv, runCli, startVigilProcess, type VigilProcess } from '../support/vigil-process.js';

const TOKEN = /vigil_user_[0-9a-f]{32}_[A-Za-z0-9_-]{43}/;
/** Seeding on a busy CI machine, with PGlite migrating a fresh data dir first. */
const DEMO_TIMEOUT_MS = 150_000;

let database: TestDatabase | undefined;
let dataDir: string;
let env: Record<string, string>;
let server: VigilProcess | undefined;
/** The first run's admin token, printed by the --demo start. */
let firstAdmin: string;

/** The token printed on the line starting with `label`. */
function tokenAfter(output: string, label: string): string {
  const lines = output.split('\n').filter((line) => line.startsWith(label));
  expect(lines).toHaveLength(1);
  return TOKEN.exec(lines[0]!)![0];
}

async function me(token: string) {
  const response = await graphql(server!.graphqlUrl, '{ me { email role } }', { token });
  return response.data?.me;
}

async function logIntegrity(token: string) {
  const response = await graphql<any>(server!.graphqlUrl, '{ logIntegrity { isIntact faultCount } latestLogCheckpoint { size } }', { token });
  return response.data;
}

async function stopServer(): Promise<void> {
  if (!server) return;
  const exit = await server.stop('SIGTERM');
  server = undefined;
  expect(exit).toMatchObject({ code: 0, signal: null, timedOut: false });
}

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'vigil-demo-'));
  env = processEnv({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', VIGIL_DATA_DIR: dataDir, ...database.env });
});

afterAll(async () => {
  await endProcessTest(server, database, dataDir);
});

describe('demo data from `npm start -- --demo` and `vigil demo`', { timeout: DEMO_TIMEOUT_MS }, () => {
  it('fills the first run’s tenant before serving, and prints its tokens once', async () => {
    server = await startVigilProcess(env, ['--demo', '--seed', '4'], DEMO_TIMEOUT_MS);
    const stdout = server.stdout();
    expect(stdout).toContain('First run: created tenant "default" and admin admin@localhost.\n');
    expect(stdout).toMatch(/^Demo tenant "default" \(default, [0-9a-f-]{36}\): a week of history from .+, seed 4\.$/m);
    expect(stdout).toMatch(/^ {2}13 users, 10 servers, 4 approval policies, 3 notification channels, 4 alert rules$/m);
    expect(server.stderr()).toContain('Writing a demo week into tenant "default" (seed 4)');

    firstAdmin = tokenAfter(stdout, 'Admin token (shown once, keep it safe): ');
    const demoAdmin = tokenAfter(stdout, 'Admin token for maya.okafor@acme.example (shown once): ');
    const demoUser = tokenAfter(stdout, 'User token for lucas.moreau@acme.example (shown once): ');
    expect(await me(firstAdmin)).toEqual({ email: 'admin@localhost', role: 'ADMIN' });
    expect(await me(demoAdmin)).toEqual({ email: 'maya.okafor@acme.example', role: 'ADMIN' });
    expect(await me(demoUser)).toEqual({ email: 'lucas.moreau@acme.example', role: 'USER' });
    // The week's leaves waited in the queue for this start, which sequenced and signed them before serving.
    const report = await logIntegrity(demoAdmin);
    expect(report.logIntegrity).toEqual({ isIntact: true, faultCount: 0 });
    expect(report.latestLogCheckpoint.size).toBeGreaterThan(2000);
  });

  it('refuses a second --demo start and a demo into the filled tenant, with a message', async () => {
    await stopServer();
    const refused = await runCli(['demo', '--tenant', 'default'], env);
    expect(refused).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'vigil: Tenant default already holds 13 users and 10 servers: demo data goes only into an empty tenant, so it never mixes with real records. Nothing was written; name a new tenant (--tenant default-demo).\n',
    });
    await expect(startVigilProcess(env, ['--demo'])).rejects.toThrow(
      /it exited \(code 1, signal null\)[\s\S]*Vigil failed to start: --demo fills an empty database on its first start, and this database already holds a tenant: nothing was written\./,
    );
    // Started plainly, it serves the same tenant as before the refusals.
    server = await startVigilProcess(env);
    const users = await graphql<any>(server.graphqlUrl, '{ users(first: 50) { nodes { email } } }', { token: firstAdmin });
    expect(users.data.users.nodes).toHaveLength(13);
  });
});
