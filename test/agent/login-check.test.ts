/**
 * `vigil-agent check-login` in the login path (pam_exec): where a policy asks for an access
 * session, the person is refused with the reason and where to ask until their request is approved,
 * then let in, with the session's end; Vigil unreachable refuses too (fail closed). An allowed
 * answer is kept while the daemon's authorization epoch is fresh and unchanged: the next login is
 * not asked of Vigil, and a revocation (which changes the epoch) makes the one after ask again.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { DirectiveRunner } from '../../agent/directive-runner.js';
import { VigilClient } from '../../agent/vigil-client.js';
import { systemClock } from '../../server/clock.js';
import { queryRows } from '../../server/db/database.js';
import { agentEnv, runAgent } from '../support/agent-process.js';
import { errorCodes } from '../support/graphql-client.js';
import { addServer } from '../support/records-fixture.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let carol: TestUser;
let env: Record<string, string>;
let work: string;
let agentToken: string;
let carolAccessId: string;

beforeAll(async () => {
  t = await startTestVigil({ clock: systemClock, env: { VIGIL_ACCESS_REQUEST_URL: 'https://console.example.test/access/new?server={server}' } });
  carol = await t.createUser(t.admin.tenantId, { email: 'carol@example.test' });
  const server = await addServer(t, t.admin.tenantId, 'web-login', [{ key: 'env', value: 'prod' }]);
  agentToken = server.agentToken;
  work = await mkdtemp(path.join(os.tmpdir(), 'vigil-login-'));
  env = agentEnv({
    graphqlUrl: t.url,
    token: server.agentToken,
    spool: path.join(work, 'spool'),
    users: 'carol=carol@example.test',
    extra: { VIGIL_AGENT_SERVER_NAME: 'web-login' },
  });
  const policy = await t.gql(`mutation($input: CreateApprovalPolicyInput!) { createApprovalPolicy(input: $input) { id } }`, t.admin.token, {
    input: { name: 'prod logins', requestKinds: ['ACCESS'], serverLabels: [{ key: 'env', value: 'prod' }], isAccessSessionRequired: true },
  });
  expect(policy.errors).toBeUndefined();
});
afterAll(async () => {
  await t?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/**
 * check-login as the daemon's settings say (an epoch is fresh for three of its polls): polls 20 s
 * apart, so a check-login that takes a few seconds to start on a busy machine still finds the
 * epoch the test's daemon pass wrote fresh (the pass is made by hand, not on a timer).
 */
const daemonEnv = () => ({ ...env, VIGIL_AGENT_DIRECTIVES_MS: '20000' });

/** The session checks Vigil recorded: one per login it was asked about. */
const checks = async () =>
  (await queryRows<{ count: number }>(t.vigil.database.db, sql`select count(*)::int as count from session_checks where tenant_id = ${t.admin.tenantId}`))[0]!
    .count;

describe('vigil-agent check-login', () => {
  it('refuses a login without an access session, saying where to ask, and lets it in once one is approved', async () => {
    const refused = await runAgent(['check-login'], { ...env, PAM_USER: 'carol' });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('login refused: this server needs an approved access session');
    expect(refused.stdout).toContain('ask for access: https://console.example.test/access/new?server=web-login');

    const requested = await t.gql(
      `mutation { requestAccess(input: { servers: ["web-login"], durationMinutes: 60, reason: "deploy" }) { id accessSession { id } } }`,
      carol.token,
    );
    expect(requested.errors).toBeUndefined();
    carolAccessId = requested.data!.requestAccess.accessSession.id;
    const pending = await runAgent(['check-login', 'carol'], env);
    expect(pending.code).toBe(1);
    expect(pending.stdout).toContain('your access request for this server is waiting for approval');

    const approved = await t.gql(`mutation($id: ID!) { decideApproval(id: $id, decision: APPROVE) { status } }`, t.admin.token, {
      id: requested.data!.requestAccess.id,
    });
    expect(approved.data!.decideApproval.status).toBe('APPROVED');
    const allowed = await runAgent(['check-login', 'carol'], env);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/access session in force until \d{4}-/);
  });

  it('refuses when Vigil cannot be asked, and a user with no Vigil email', async () => {
    const unreachable = await runAgent(['check-login', 'carol'], { ...env, VIGIL_URL: 'http://127.0.0.1:9' });
    expect(unreachable.code).toBe(2);
    expect(unreachable.stdout).toContain('not letting you in');
    const stranger = await runAgent(['check-login', 'nobody'], env);
    expect(stranger.code).toBe(1);
    expect(stranger.stdout).toContain('no Vigil email for the user nobody');
  });

  it('keeps an allowed answer while the daemon keeps the epoch fresh and unchanged, and asks again once a revocation changes it', async () => {
    const stateDir = path.join(work, 'state');
    const daemon = new DirectiveRunner(new VigilClient(new URL(new URL(t.url).origin), agentToken), path.join(work, 'spool'), 0, stateDir);

    await daemon.pass();
    const before = await checks();
    const asked = await runAgent(['check-login', 'carol'], daemonEnv());
    expect(asked.code).toBe(0);
    expect(asked.stdout).toMatch(/access session in force until/);
    expect(await checks()).toBe(before + 1);
    const kept = await runAgent(['check-login', 'carol'], daemonEnv());
    expect(kept.code, kept.stdout).toBe(0);
    expect(kept.stdout).toMatch(/allowed \(answer kept until \d{4}-/);
    expect(await checks()).toBe(before + 1);

    const revoked = await t.gql(`mutation($id: ID!) { revokeAccessSession(id: $id, reason: "done here") { status } }`, t.admin.token, { id: carolAccessId });
    expect(revoked.errors).toBeUndefined();
    await daemon.pass();
    const refused = await runAgent(['check-login', 'carol'], daemonEnv());
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('login refused');
    expect(await checks()).toBe(before + 2);
  });

  it('asks Vigil every time when the epoch went stale, and keeps nothing in a directory others may write', async () => {
    const stateDir = path.join(work, 'state');
    const epoch = await t.gql<{ authorizationEpoch: string }>(`{ authorizationEpoch }`, agentToken);
    expect(epoch.data!.authorizationEpoch).toMatch(/^[1-9]\d*$/);
    // People do not read it.
    expect(errorCodes(await t.gql(`{ authorizationEpoch }`, carol.token))).toEqual(['FORBIDDEN']);

    // The daemon stopped ten minutes ago: its epoch no longer vouches for anything.
    await writeFile(
      path.join(stateDir, 'authorization-epoch.json'),
      JSON.stringify({ epoch: epoch.data!.authorizationEpoch, checkedAt: Date.now() - 10 * 60_000 }),
      { mode: 0o600 },
    );
    const before = await checks();
    for (let login = 1; login <= 2; login += 1) {
      expect((await runAgent(['check-login', 'carol'], daemonEnv())).code).toBe(1);
      expect(await checks()).toBe(before + login);
    }

    // Fresh again, but the directory is writable by everyone: nothing in it is trusted or written.
    const daemon = new DirectiveRunner(new VigilClient(new URL(new URL(t.url).origin), agentToken), path.join(work, 'spool'), 0, stateDir);
    await daemon.pass();
    await chmod(stateDir, 0o777);
    await expect(daemon.pass()).rejects.toThrow(/writable by nobody else/);
    expect((await runAgent(['check-login', 'carol'], daemonEnv())).code).toBe(1);
    expect(await checks()).toBe(before + 3);
    await chmod(stateDir, 0o700);
  });
});
