/**
 * The README's first hour, as a new user runs it: `npm start` on an empty database prints a URL and
 * an admin token; in a second terminal the agent is registered with that token, its daemon started
 * and a shell hooked; a command typed there reaches a commandChanged subscription and the record.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentEnv, hasTmux, runAgent, startAgentDaemon, startTmuxShell, type AgentDaemon } from '../support/agent-process.js';
import { connectSubscriber, type Subscriber } from '../support/subscription-client.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { killAllChildren, processEnv, startVigilProcess, type VigilProcess } from '../support/vigil-process.js';

let database: TestDatabase;
let dataDir: string;
let home: string;
let vigil: VigilProcess;
let daemon: AgentDaemon | undefined;
let subscriber: Subscriber | undefined;

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'vigil-first-hour-'));
  home = await mkdtemp(path.join(os.tmpdir(), 'vigil-first-hour-home-'));
  vigil = await startVigilProcess(processEnv({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', VIGIL_DATA_DIR: dataDir, ...database.env }));
});
afterAll(async () => {
  await subscriber?.dispose();
  await daemon?.stop();
  await vigil?.stop('SIGTERM');
  await killAllChildren();
  await database?.drop();
  for (const dir of [dataDir, home]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!hasTmux)('the first hour', () => {
  it('npm start, then the agent lines: a command typed in the hooked shell is live on commandChanged and in the record', async () => {
    const adminToken = vigil.adminToken!;
    expect(adminToken).toBeTruthy();
    // The machine's own settings file and spool stay untouched: this "machine" is a temporary home.
    const env: Record<string, string> = {
      ...agentEnv({ graphqlUrl: vigil.graphqlUrl, spool: path.join(home, 'spool') }),
      VIGIL_AGENT_ENV_FILE: path.join(home, 'agent.env'),
      HOME: home,
    };

    const registered = await runAgent(['register', '--admin-token', adminToken, '--name', 'first-hour'], env);
    expect(registered.stderr).toContain('Registered as first-hour');
    expect(registered.code).toBe(0);
    const settings = await readFile(path.join(home, 'agent.env'), 'utf8');
    // The admin's token is used once and not kept; the agent's own token is, beside the settings.
    expect(settings).not.toContain(adminToken);
    expect(settings).toContain(`VIGIL_AGENT_USERS=${os.userInfo().username}=admin@localhost`);
    const { VIGIL_URL: _url, ...withoutUrl } = env;
    daemon = startAgentDaemon(withoutUrl);

    subscriber = await connectSubscriber(vigil.graphqlUrl, adminToken);
    await subscriber.subscribe('subscription { commandChanged { change command { line workingDirectory status server { name } operator { email } } } }');

    const hook = await runAgent(['shell-hook', 'bash'], withoutUrl);
    expect(hook.code).toBe(0);
    const hookFile = path.join(home, 'hook.bash');
    await writeFile(hookFile, hook.stdout);
    const shell = await startTmuxShell('bash', withoutUrl);
    try {
      shell.type(`eval "$(cat '${hookFile}')"`);
      shell.type('uname -s');
      const [first] = await subscriber.waitFor(1, 15_000);
      expect(first!.commandChanged.command).toMatchObject({ line: 'uname -s', server: { name: 'first-hour' }, operator: { email: 'admin@localhost' } });
      const commands = await fetch(vigil.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify({ query: '{ commands(first: 5) { nodes { line status exitCode terminalSession { username } } } }' }),
      }).then((response) => response.json());
      expect(commands.errors).toBeUndefined();
      expect(commands.data.commands.nodes[0]).toMatchObject({ line: 'uname -s', terminalSession: { username: os.userInfo().username } });
      // The daemon's heartbeat: the server is online, with what the agent said of itself.
      const servers = await fetch(vigil.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify({ query: '{ servers(first: 5) { nodes { name presence { status agentVersion hostname os } } } }' }),
      }).then((response) => response.json());
      const { version } = JSON.parse(await readFile(path.join(process.cwd(), 'package.json'), 'utf8')) as { version: string };
      expect(servers.data.servers.nodes).toContainEqual({
        name: 'first-hour',
        presence: { status: 'ONLINE', agentVersion: version, hostname: os.hostname(), os: expect.any(String) },
      });
    } finally {
      await shell.close();
    }
  });
});
