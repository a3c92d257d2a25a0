/**
 * Session recording end to end: `vigil-agent record` runs a real interactive bash in tmux under
 * asciinema or util-linux script, the shell's hook adds its commands to the recorder's session,
 * and the agent's daemon streams the recording to Vigil in chunks. Vigil ends up with one
 * terminal session holding both the commands and a complete recording, found by what it showed;
 * a daemon killed mid-stream and started again loses nothing and sends nothing twice.
 */
import { execFileSync } from 'node:child_process';
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../server/clock.js';
import { agentEnv, eventually, hasTmux, runAgent, startAgentDaemon, startTmuxShell, type AgentDaemon, type TmuxShell } from '../support/agent-process.js';
import { addServer } from '../support/records-fixture.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

const RECORDERS = (['asciinema', 'script'] as const).filter((recorder) => {
  try {
    execFileSync('which', [recorder], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

let t: TestVigil;
let alice: TestUser;
let agentToken: string;
const unixUser = os.userInfo().username;
const scratch: string[] = [];

beforeAll(async () => {
  t = await startTestVigil({ clock: systemClock });
  alice = await t.createUser(t.admin.tenantId, { email: 'alice@example.test' });
  agentToken = (await addServer(t, t.admin.tenantId, 'web-rec')).agentToken;
});
afterAll(async () => {
  await t?.close();
  for (const file of scratch) await rm(file, { recursive: true, force: true });
});

interface Agent {
  readonly spool: string;
  readonly env: Record<string, string>;
  /** The bash hook, in a file to eval. */
  readonly hook: string;
}

/** A spool of the test's own, the agent's settings for it, and the hook that writes into it. */
async function newAgent(extra: Record<string, string> = {}): Promise<Agent> {
  const spool = await mkdtemp(path.join(os.tmpdir(), 'vigil-spool-'));
  const env = agentEnv({ graphqlUrl: t.url, token: agentToken, spool, users: `${unixUser}=alice@example.test`, extra });
  const printed = await runAgent(['shell-hook', 'bash'], env);
  expect(printed.code).toBe(0);
  const hook = `${spool}.hook`;
  await writeFile(hook, printed.stdout);
  scratch.push(spool, hook);
  return { spool, env, hook };
}

const RECORDING = `fragment R on TerminalRecording {
  id status chunkCount eventCount bytesIn bytesOut width height shell downloadPath
  gaps { fromSeq toSeq afterSeconds }
  user { email }
  terminalSession { id eventId username endedAt user { email } commands(first: 50) { nodes { line status exitCode } } }
}`;

async function recordingOf(sessionEventId: string): Promise<any> {
  const response = await t.gql<any>(`query { terminalRecordings(first: 50) { nodes { ...R } } } ${RECORDING}`, alice.token);
  expect(response.errors).toBeUndefined();
  return response.data!.terminalRecordings.nodes.find((node: any) => node.terminalSession.eventId === sessionEventId);
}

/** The session the recorder named (from its file in the spool), once the shell under it is ready for input. */
async function recordedSession(agent: Agent, tmux: TmuxShell): Promise<string> {
  const name = await eventually(async () => (await readdir(agent.spool)).find((file) => /^rec-\d+-\d+\.cast$/.test(file)), 10_000, 'the recorder to start');
  await eventually(async () => /[#$] *$/.test(tmux.screen().trimEnd()), 10_000, 'the prompt');
  return /^rec-(\d+-\d+)\.cast$/.exec(name)![1]!;
}

async function download(downloadPath: string): Promise<string> {
  const response = await fetch(new URL(downloadPath, t.url), { headers: { authorization: `Bearer ${alice.token}` } });
  expect(response.status).toBe(200);
  return response.text();
}

/** The .cast as asciicast v2: a header, then events whose times never go back. */
function parseCast(text: string): { header: any; events: [number, string, string][] } {
  const [first, ...rest] = text.split('\n').filter((line) => line !== '');
  const header = JSON.parse(first!);
  const events = rest.map((line) => JSON.parse(line) as [number, string, string]);
  for (const [index, event] of events.entries()) {
    expect(event).toHaveLength(3);
    expect(typeof event[0]).toBe('number');
    expect(['o', 'i', 'r', 'm']).toContain(event[1]);
    expect(typeof event[2]).toBe('string');
    if (index > 0) expect(event[0]).toBeGreaterThanOrEqual(events[index - 1]![0]);
  }
  return { header, events };
}

const streamText = (events: [number, string, string][], code: string) =>
  events
    .filter((event) => event[1] === code)
    .map((event) => event[2])
    .join('');

async function finishShell(tmux: TmuxShell, typed: string): Promise<number> {
  tmux.type(typed);
  const exited = eventually(
    async () => {
      const status = tmux.exitStatus();
      return status !== undefined && { status };
    },
    15_000,
    'vigil-agent record to exit',
  );
  return (
    await exited.catch(() => {
      const processes = execFileSync('ps', ['-eo', 'pid,ppid,stat,args'], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => /record|script|asciinema|bash --norc/.test(line));
      throw new Error(
        `vigil-agent record did not exit; the screen ends:\n${tmux.screen().trimEnd().split('\n').slice(-8).join('\n')}\n${processes.join('\n')}`,
      );
    })
  ).status;
}

const spoolIsEmpty = (agent: Agent) => async () => !(await readdir(agent.spool)).some((name) => /^(rec|shell)-/.test(name));

describe.skipIf(!hasTmux || RECORDERS.length === 0)('vigil-agent record', () => {
  for (const recorder of RECORDERS) {
    it(`records a bash session with ${recorder}: its commands and a complete recording under one terminal session, found by what it showed`, async () => {
      const agent = await newAgent({ VIGIL_AGENT_RECORDER: recorder });
      const daemon = startAgentDaemon(agent.env);
      const tmux = await startTmuxShell('bash', agent.env, { record: true });
      try {
        const session = await recordedSession(agent, tmux);
        tmux.type(`eval "$(cat '${agent.hook}')"`);
        tmux.type('cd /tmp');
        // The output differs from the line typed: what is found is what the terminal showed.
        tmux.type(`echo "vigil-mark-$((6 * 7))-${recorder}"`);
        tmux.type('false');
        // A shell started from this one is a session of its own: the recorder's is not passed on.
        tmux.type('echo "vigil-nested-${VIGIL_TERMINAL_SESSION:-none}"');
        expect(await finishShell(tmux, 'exit 3')).toBe(3);

        const recording = await eventually(
          async () => {
            const found = await recordingOf(`ts-${session}`);
            return found?.status === 'COMPLETE' && found.terminalSession.endedAt ? found : undefined;
          },
          20_000,
          'the recording to be complete',
        );
        expect(recording).toMatchObject({ gaps: [], width: 200, height: 50, shell: '/bin/bash', user: { email: 'alice@example.test' } });
        expect(recording.chunkCount).toBeGreaterThanOrEqual(2);
        expect(recording.bytesIn).toBeGreaterThan(0);
        // The recording's session is the one whose commands the hook recorded.
        expect(recording.terminalSession).toMatchObject({ username: unixUser, user: { email: 'alice@example.test' } });
        const commands = new Map(recording.terminalSession.commands.nodes.map((command: any) => [command.line, command]));
        expect(commands.get('cd /tmp')).toMatchObject({ status: 'SUCCESS', exitCode: 0 });
        expect(commands.get(`echo "vigil-mark-$((6 * 7))-${recorder}"`)).toMatchObject({ status: 'SUCCESS' });
        expect(commands.get('false')).toMatchObject({ status: 'FAILED', exitCode: 1 });

        const search = await t.gql<any>(
          `query($text: String!) { searchTerminalRecordings(text: $text) { nodes { recording { id } matches { stream excerpt } } } }`,
          alice.token,
          {
            text: `vigil-mark-42-${recorder}`,
          },
        );
        expect(search.errors).toBeUndefined();
        expect(search.data!.searchTerminalRecordings.nodes).toEqual([
          {
            recording: { id: recording.id },
            matches: [expect.objectContaining({ stream: 'OUTPUT', excerpt: expect.stringContaining(`vigil-mark-42-${recorder}`) })],
          },
        ]);

        const cast = parseCast(await download(recording.downloadPath));
        expect(cast.header).toMatchObject({ version: 2, width: 200, height: 50, env: { SHELL: '/bin/bash' } });
        expect(cast.events.length).toBe(recording.eventCount);
        expect(streamText(cast.events, 'o')).toContain(`vigil-mark-42-${recorder}`);
        expect(streamText(cast.events, 'o')).toContain('vigil-nested-none');
        expect(streamText(cast.events, 'i')).toContain('exit 3');

        await eventually(spoolIsEmpty(agent), 10_000, 'the spool to empty');
        expect(daemon.logs()).not.toMatch(/"status":409|CONFLICT/);
      } finally {
        await tmux.close();
        await daemon.stop();
      }
    });
  }

  for (const recorder of RECORDERS) {
    it(`streams a ${recorder} recording on after the daemon is killed mid-stream, with no gap and no chunk sent twice`, async () => {
      const agent = await newAgent({ VIGIL_AGENT_RECORDER: recorder });
      const logs: string[] = [];
      let daemon: AgentDaemon = startAgentDaemon(agent.env);
      const tmux = await startTmuxShell('bash', agent.env, { record: true });
      try {
        const session = await recordedSession(agent, tmux);
        // 1.3 MB of output over some ten seconds: a chunk or two on every pass of the daemon.
        tmux.type('for i in $(seq 0 49); do seq $((i * 4000 + 1)) $((i * 4000 + 4000)); sleep 0.2; done; echo "vigil-end-$((1 + 1))"');
        // The daemon's place in the recording (saved before a chunk is sent): the daemon is killed
        // while a chunk is on its way, caught stopped (SIGSTOP) with one there, so that the next
        // daemon has to send that very chunk again.
        const place = path.join(agent.spool, 'recordings', `rec-${session}.json`);
        const isChunkOnItsWay = async () => (await readFile(place, 'utf8').catch(() => '')).includes('"sending"');
        for (let kill = 0; kill < 3; kill += 1) {
          const before = (await recordingOf(`ts-${session}`))?.chunkCount ?? 0;
          await eventually(async () => ((await recordingOf(`ts-${session}`))?.chunkCount ?? 0) > before + 1, 20_000, 'chunks to arrive');
          await eventually(
            async () => {
              daemon.child.kill('SIGSTOP');
              if (await isChunkOnItsWay()) return true;
              daemon.child.kill('SIGCONT');
              return false;
            },
            10_000,
            'a chunk on its way',
          );
          daemon.child.kill('SIGKILL');
          await daemon.stop();
          logs.push(daemon.logs());
          daemon = startAgentDaemon(agent.env);
        }
        await eventually(async () => tmux.screen().includes('vigil-end-2'), 30_000, 'the output to end');
        expect(await finishShell(tmux, 'exit')).toBe(0);

        const recording = await eventually(
          async () => {
            const found = await recordingOf(`ts-${session}`);
            return found?.status === 'COMPLETE' ? found : undefined;
          },
          30_000,
          'the recording to be complete',
        );
        expect(recording.gaps).toEqual([]);
        const output = streamText(parseCast(await download(recording.downloadPath)).events, 'o');
        // Every line once, in order: nothing lost, nothing twice.
        const numbers = output
          .replace(/\x1b\[[0-9;?]*[A-Za-z]|\r/g, '')
          .split('\n')
          .filter((line) => /^\d+$/.test(line));
        expect(numbers).toHaveLength(200000);
        expect(numbers.every((line, index) => Number(line) === index + 1)).toBe(true);
        expect(output).toContain('vigil-end-2');
        await eventually(spoolIsEmpty(agent), 10_000, 'the spool to empty');
      } finally {
        await tmux.close();
        await daemon.stop();
        logs.push(daemon.logs());
      }
      expect(logs.join('\n')).not.toMatch(/"status":409|CONFLICT/);
    });
  }

  for (const recorder of RECORDERS) {
    it(`ends the session and its recording when the terminal hangs up, a program running in it (${recorder})`, async () => {
      const agent = await newAgent({ VIGIL_AGENT_RECORDER: recorder });
      const daemon = startAgentDaemon(agent.env);
      const tmux = await startTmuxShell('bash', agent.env, { record: true });
      try {
        const session = await recordedSession(agent, tmux);
        // A program reading the terminal, as an editor would: an end of file typed in is its.
        tmux.type('cat');
        await eventually(async () => (await readFile(path.join(agent.spool, `rec-${session}.cast`), 'utf8')).includes('"cat'), 10_000, 'cat to be recorded');
        await tmux.close();
        const recording = await eventually(
          async () => {
            const found = await recordingOf(`ts-${session}`);
            return found?.status === 'COMPLETE' && found.terminalSession.endedAt ? found : undefined;
          },
          15_000,
          'the recording to be complete',
        );
        expect(recording.gaps).toEqual([]);
      } finally {
        await tmux.close();
        await daemon.stop();
      }
    });
  }

  it('sets a chunk Vigil refuses aside with its reason, and goes on past it with the gap declared', async () => {
    const agent = await newAgent();
    // A recorder's files written by hand, a line at a time: the daemon ships each as it comes.
    const session = `${process.pid}-${Date.now()}000`;
    const tsv = path.join(agent.spool, `shell-${session}.tsv`);
    const cast = path.join(agent.spool, `rec-${session}.cast`);
    const now = () => (Date.now() / 1000).toFixed(6);
    await writeFile(tsv, `S\t${now()}\t${unixUser}\t\t\tbash\n`);
    await writeFile(cast, `${JSON.stringify({ version: 2, width: 80, height: 24, env: { SHELL: '/bin/bash' } })}\n[0.1, "o", "vigil-before\\r\\n"]\n`);
    const daemon = startAgentDaemon(agent.env);
    try {
      await eventually(async () => (await recordingOf(`ts-${session}`))?.chunkCount === 2, 15_000, 'the first chunks');
      await appendFile(cast, '[0.2, "x", "not an event"]\n');
      const rejected = path.join(agent.spool, 'rejected', 'rejected.jsonl');
      const entry = await eventually(
        async () => (await readFile(rejected, 'utf8').catch(() => '')).split('\n').find((line) => line.includes(`ts-${session}`)),
        15_000,
        'the chunk set aside',
      );
      expect(JSON.parse(entry)).toMatchObject({
        recording: `ts-${session}`,
        seq: 2,
        field: 'line 1',
        lines: '[0.2, "x", "not an event"]\n',
        reason: expect.stringContaining('event code'),
      });
      await appendFile(cast, '[0.3, "o", "vigil-after\\r\\n"]\n');
      await writeFile(path.join(agent.spool, `rec-${session}.done`), '0\n');
      await appendFile(tsv, `E\t${now()}\n`);

      const recording = await eventually(
        async () => {
          const found = await recordingOf(`ts-${session}`);
          return found?.status === 'COMPLETE' ? found : undefined;
        },
        15_000,
        'the recording to be complete',
      );
      expect(recording.gaps).toEqual([{ fromSeq: 2, toSeq: 2, afterSeconds: 0.1 }]);
      expect(streamText(parseCast(await download(recording.downloadPath)).events, 'o')).toBe('vigil-before\r\nvigil-after\r\n');
      await eventually(spoolIsEmpty(agent), 10_000, 'the spool to empty');
      expect(daemon.logs()).not.toMatch(/"status":409|CONFLICT/);
    } finally {
      await daemon.stop();
    }
  });

  it('runs a command without a terminal unrecorded, as a session of that one command', async () => {
    const agent = await newAgent({ SHELL: '/bin/sh', SSH_ORIGINAL_COMMAND: 'echo piped; exit 4' });
    const run = await runAgent(['record'], agent.env);
    expect(run).toMatchObject({ code: 4, stdout: 'piped\n' });
    expect((await readdir(agent.spool)).filter((name) => name.startsWith('rec-'))).toEqual([]);
    const daemon = startAgentDaemon(agent.env);
    try {
      await eventually(spoolIsEmpty(agent), 10_000, 'the session to be delivered');
    } finally {
      await daemon.stop();
    }
    const response = await t.gql<any>(
      `query { terminalSessions(first: 50) { nodes { endedAt recording { id } commands(first: 5) { nodes { line status exitCode } } } } }`,
      alice.token,
    );
    expect(response.errors).toBeUndefined();
    const session = response.data!.terminalSessions.nodes.find((node: any) => node.commands.nodes[0]?.line === 'echo piped; exit 4');
    expect(session).toMatchObject({ recording: null, commands: { nodes: [{ line: 'echo piped; exit 4', status: 'FAILED', exitCode: 4 }] } });
    expect(session.endedAt).not.toBeNull();
  });
});
