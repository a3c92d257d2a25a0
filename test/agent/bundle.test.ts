/**
 * The agent as servers get it: `npm run agent:build` makes one file that runs with Node.js alone,
 * outside this repository (no node_modules beside it), and delivers a shell's spool to Vigil.
 */
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAgent } from '../../agent/build.js';
import { systemClock } from '../../server/clock.js';
import { agentEnv, runAgent } from '../support/agent-process.js';
import { addServer } from '../support/records-fixture.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let machine: string;
let bundle: string;

beforeAll(async () => {
  t = await startTestVigil({ clock: systemClock });
  machine = await mkdtemp(path.join(os.tmpdir(), 'vigil-bundle-'));
  const built = await buildAgent(path.join(machine, 'build', 'vigil-agent.mjs'));
  // Installed as a server would have it: the file alone, far from this repository's node_modules.
  bundle = path.join(machine, 'bin', 'vigil-agent');
  await mkdir(path.dirname(bundle), { recursive: true });
  await copyFile(built, bundle);
  await rm(path.join(machine, 'build'), { recursive: true });
});
afterAll(async () => {
  await t?.close();
  if (machine) await rm(machine, { recursive: true, force: true });
});

const run = (args: string[], env: Record<string, string>) => runAgent(args, env, undefined, { file: bundle, cwd: machine });

describe('the agent bundle', () => {
  it('runs from a single file with Node alone: prints the hook, and delivers a spool to Vigil', async () => {
    const server = await addServer(t, t.admin.tenantId, 'bundled');
    const spool = path.join(machine, 'spool');
    await mkdir(spool);
    const env = agentEnv({ graphqlUrl: t.url, token: server.agentToken, spool, users: `${os.userInfo().username}=admin@localhost` });

    const hook = await run(['shell-hook', 'bash'], env);
    expect(hook.code).toBe(0);
    expect(hook.stdout).toContain('__vigil_debug');

    const now = Date.now() / 1000;
    const at = (offset: number) => (now - 60 + offset).toFixed(6);
    await writeFile(
      path.join(spool, `shell-999999-${Math.round(now * 1e6)}.tsv`),
      [`S\t${at(0)}\troot\t\t\tbash`, `B\t1\t${at(1)}\t/srv\tsystemctl status nginx`, `C\t1\t${at(2)}\t3`, `E\t${at(3)}`, ''].join('\n'),
    );
    const sent = await run(['send'], env);
    expect(sent.stderr).not.toContain('"level":50');
    expect(sent.code).toBe(0);
    const response = await t.gql<any>(
      `{ commands(first: 5, filter: { serverId: "${server.id}" }) { nodes { line workingDirectory status exitCode } } }`,
      t.admin.token,
    );
    expect(response.data!.commands.nodes).toEqual([{ line: 'systemctl status nginx', workingDirectory: '/srv', status: 'FAILED', exitCode: 3 }]);
    expect((await readdir(spool)).filter((name) => name.startsWith('shell-'))).toEqual([]);
  });
});
