/**
 * `vigil-agent check-login` in the login path (pam_exec): where a policy asks for an access
 * session, the person is refused with the reason and where to ask until their request is approved,
 * then let in, with the session's end; Vigil unreachable refuses too (fail closed).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../server/clock.js';
import { agentEnv, runAgent } from '../support/agent-process.js';
import { addServer } from '../support/records-fixture.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let carol: TestUser;
let env: Record<string, string>;
let work: string;

beforeAll(async () => {
  t = await startTestVigil({ clock: systemClock, env: { VIGIL_ACCESS_REQUEST_URL: 'https://console.example.test/access/new?server={server}' } });
  carol = await t.createUser(t.admin.tenantId, { email: 'carol@example.test' });
  const server = await addServer(t, t.admin.tenantId, 'web-login', [{ key: 'env', value: 'prod' }]);
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
});
