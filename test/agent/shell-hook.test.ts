/**
 * The reference agent end to end: a real interactive bash (and zsh when installed) in tmux with the
 * agent's hook, the agent's daemon in its own process, and Vigil. What is typed becomes the
 * record: the terminal session under the Unix user's Vigil account, each command line with its
 * working directory, exit status and times, live on commandChanged, and the session's end.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../server/clock.js';
import { agentEnv, eventually, hasTmux, hasZsh, runAgent, startAgentDaemon, startTmuxShell, type AgentDaemon } from '../support/agent-process.js';
import { addServer } from '../support/records-fixture.js';
import { connectSubscriber, type Subscriber } from '../support/subscription-client.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let alice: TestUser;
let agentToken: string;
let spool: string;
let daemon: AgentDaemon;
let env: Record<string, string>;
let subscriber: Subscriber;
const unixUser = os.userInfo().username;

beforeAll(async () => {
  t = await startTestVigil({ clock: systemClock });
  alice = await t.createUser(t.admin.tenantId, { email: 'alice@example.test' });
  agentToken = (await addServer(t, t.admin.tenantId, 'web-agent')).agentToken;
  spool = await mkdtemp(path.join(os.tmpdir(), 'vigil-spool-'));
  env = agentEnv({ graphqlUrl: t.url, token: agentToken, spool, users: `${unixUser}=alice@example.test` });
  daemon = startAgentDaemon(env);
  subscriber = await connectSubscriber(t.url, alice.token);
  await subscriber.subscribe('subscription { commandChanged { change command { line status workingDirectory exitCode } } }');
});
afterAll(async () => {
  await subscriber?.dispose();
  await daemon?.stop();
  await t?.close();
  if (spool) await rm(spool, { recursive: true, force: true });
});

const SESSIONS = `query($username: String) { terminalSessions(first: 10, filter: { username: $username }) { nodes { id username source startedAt endedAt user { email } } } }`;

async function commandsOf(sessionId: string) {
  const response = await t.gql<any>(
    `query($id: ID!) { terminalSession(id: $id) { commands(first: 50) { nodes { line workingDirectory status exitCode startedAt finishedAt operator { email } } } } }`,
    alice.token,
    { id: sessionId },
  );
  expect(response.errors).toBeUndefined();
  return response.data!.terminalSession.commands.nodes as any[];
}

async function hookFile(shell: 'bash' | 'zsh'): Promise<string> {
  const hook = await runAgent(['shell-hook', shell], env);
  expect(hook.code).toBe(0);
  const file = path.join(spool, `..${path.basename(spool)}-${shell}.hook`);
  await writeFile(file, hook.stdout);
  return file;
}

describe.skipIf(!hasTmux)('the reference agent', () => {
  for (const shell of ['bash', 'zsh'] as const) {
    it.skipIf(shell === 'zsh' && !hasZsh)(`records what is typed in an interactive ${shell}, live, with the session under the person's account`, async () => {
      const hook = await hookFile(shell);
      const before = subscriber.received.length;
      const tmux = await startTmuxShell(shell, env);
      try {
        tmux.type(`eval "$(cat '${hook}')"`);
        tmux.type('cd /tmp');
        tmux.type(`echo "quoted \\"words\\" and a \\\\ back" > /dev/null`);
        tmux.type('false');
        tmux.type(`ls /nonexistent-${shell} 2>/dev/null; echo done`);

        // Live: each command reaches alice's commandChanged subscription as it is delivered.
        const received = await subscriber.waitFor(before + 4, 15_000);
        const lines = received.slice(before).map((message) => message.commandChanged.command.line);
        expect(lines).toEqual(expect.arrayContaining(['cd /tmp', 'false']));

        tmux.type('exit');
        const session = await eventually(
          async () => {
            const response = await t.gql<any>(SESSIONS, alice.token, { username: unixUser });
            expect(response.errors).toBeUndefined();
            const nodes = response.data?.terminalSessions.nodes ?? [];
            return nodes.find((node: any) => node.endedAt && node.source === 'SHELL_CLI' && !seen.has(node.id));
          },
          15_000,
          'the session to end',
        );
        seen.add(session.id);
        expect(session).toMatchObject({ username: unixUser, user: { email: 'alice@example.test' } });

        const commands = await commandsOf(session.id);
        const byLine = new Map(commands.map((command) => [command.line, command]));
        expect([...byLine.keys()]).toEqual(
          expect.arrayContaining([
            'cd /tmp',
            'echo "quoted \\"words\\" and a \\\\ back" > /dev/null',
            'false',
            `ls /nonexistent-${shell} 2>/dev/null; echo done`,
            'exit',
          ]),
        );
        expect(byLine.get('cd /tmp')).toMatchObject({ status: 'SUCCESS', exitCode: 0, operator: { email: 'alice@example.test' } });
        // The directory a line ran in: the shell's, before the line's own cd.
        expect(byLine.get('cd /tmp')!.workingDirectory).not.toBe('/tmp');
        expect(byLine.get('false')).toMatchObject({ status: 'FAILED', exitCode: 1, workingDirectory: '/tmp' });
        expect(byLine.get(`ls /nonexistent-${shell} 2>/dev/null; echo done`)).toMatchObject({ status: 'SUCCESS', exitCode: 0 });
        for (const command of commands) {
          expect(new Date(command.finishedAt).getTime()).toBeGreaterThanOrEqual(new Date(command.startedAt).getTime());
        }
        // Delivered and done: the daemon removes the shell's spool file.
        await eventually(async () => !(await readdir(spool)).some((name) => name.startsWith('shell-')), 10_000, 'the spool to empty');
      } finally {
        await tmux.close();
      }
    });
  }
});

const seen = new Set<string>();
