/**
 * `vigil-agent sudo`: a command runs only when Vigil grants it to the person asking, with its own
 * exit status; otherwise nothing runs, the person is told why and how to ask, and every answer is
 * a sudo check in Vigil's record. Without Vigil's answer nothing runs (fail closed), and under sudo
 * the caller's environment cannot point the wrapper at another Vigil.
 */
import { existsSync } from 'node:fs';
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
const unixUser = os.userInfo().username;

beforeAll(async () => {
  t = await startTestVigil({ clock: systemClock });
  carol = await t.createUser(t.admin.tenantId, { email: 'carol@example.test' });
  const server = await addServer(t, t.admin.tenantId, 'web-sudo');
  work = await mkdtemp(path.join(os.tmpdir(), 'vigil-sudo-'));
  env = agentEnv({
    graphqlUrl: t.url,
    token: server.agentToken,
    spool: path.join(work, 'spool'),
    users: `${unixUser}=carol@example.test`,
    extra: { VIGIL_AGENT_SERVER_NAME: 'web-sudo', VIGIL_AGENT_REQUEST_URL: 'https://console.example.test/sudo/new?server={server}&command={command}' },
  });
  for (const input of [
    { command: 'touch *', isPattern: true },
    { command: 'false', isPattern: false },
  ]) {
    const granted = await t.gql(`mutation($input: GrantSudoInput!) { grantSudo(input: $input) { id } }`, t.admin.token, {
      input: { server: 'web-sudo', user: carol.email, reason: 'on call', ...input },
    });
    expect(granted.errors).toBeUndefined();
  }
});
afterAll(async () => {
  await t?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

async function checks() {
  const response = await t.gql<any>(`{ sudoChecks(first: 50) { nodes { command outcome isAllowed userRef } } }`, t.admin.token);
  expect(response.errors).toBeUndefined();
  return response.data!.sudoChecks.nodes as { command: string; outcome: string; isAllowed: boolean; userRef: string }[];
}

describe('vigil-agent sudo', () => {
  it('runs a granted command and passes its exit status through', async () => {
    const file = path.join(work, 'granted');
    const ran = await runAgent(['sudo', 'touch', file], env);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(existsSync(file)).toBe(true);

    const failed = await runAgent(['sudo', 'false'], env);
    expect(failed.code).toBe(1);
    expect(await checks()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ command: `touch ${file}`, outcome: 'GRANTED', isAllowed: true, userRef: 'carol@example.test' }),
        expect.objectContaining({ command: 'false', outcome: 'GRANTED' }),
      ]),
    );
  });

  it('runs nothing without a grant, says why and where to ask, and the refusal is on record', async () => {
    const file = path.join(work, 'kept');
    await runAgent(['sudo', 'touch', file], env);
    const refused = await runAgent(['sudo', 'rm', '-f', file], env);
    expect(refused.code).toBe(77);
    expect(existsSync(file)).toBe(true);
    expect(refused.stderr).toContain('sudo refused: you have no sudo grant for this command on this server');
    expect(refused.stderr).toContain(`/sudo web-sudo rm -f ${file} --reason`);
    expect(refused.stderr).toContain(`https://console.example.test/sudo/new?server=web-sudo&command=${encodeURIComponent(`rm -f ${file}`)}`);
    expect(await checks()).toEqual(expect.arrayContaining([expect.objectContaining({ command: `rm -f ${file}`, outcome: 'NOT_GRANTED', isAllowed: false })]));
  });

  it('tells someone Vigil does not know, and someone with no email mapping, that it will not run', async () => {
    const stranger = await runAgent(['sudo', 'true'], { ...env, VIGIL_AGENT_USERS: `${unixUser}=nobody@example.test` });
    expect(stranger.code).toBe(77);
    expect(stranger.stderr).toContain('Vigil does not know you');

    const unmapped = await runAgent(['sudo', 'true'], { ...env, VIGIL_AGENT_USERS: 'someone-else=carol@example.test' });
    expect(unmapped.code).toBe(77);
    expect(unmapped.stderr).toContain(`no Vigil email for the user ${unixUser}`);
  });

  it('fails closed when Vigil cannot be asked', async () => {
    const file = path.join(work, 'unasked');
    const down = await runAgent(['sudo', 'touch', file], { ...env, VIGIL_URL: 'http://127.0.0.1:9' });
    expect(down.code).toBe(69);
    expect(down.stderr).toContain('cannot ask Vigil');
    expect(existsSync(file)).toBe(false);

    const badToken = await runAgent(['sudo', 'touch', file], { ...env, VIGIL_AGENT_TOKEN: 'vigil_agent_not-a-token' });
    expect(badToken.code).toBe(69);
    expect(existsSync(file)).toBe(false);
  });

  it.skipIf(process.getuid?.() !== 0)('under sudo, ignores the caller’s environment: only root’s settings file counts', async () => {
    const file = path.join(work, 'under-sudo');
    // As sudo would run it for carol's Unix account; her environment names this test's Vigil and token.
    const underSudo = await runAgent(['sudo', 'touch', file], { ...env, SUDO_USER: unixUser, VIGIL_AGENT_ENV_FILE: '/nonexistent' });
    expect(existsSync(file)).toBe(false);
    // The machine has no /etc/vigil-agent/agent.env here, so the wrapper has no token at all.
    if (!existsSync('/etc/vigil-agent/agent.env')) {
      expect(underSudo.code).toBe(2);
      expect(underSudo.stderr).toContain('VIGIL_AGENT_TOKEN');
    }
  });
});
