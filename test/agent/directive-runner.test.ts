/**
 * The reference agent carries out directives (agent/directive-runner.ts): a shell it reported,
 * terminated by an admin, is hung up for real (a live process gets SIGHUP) and the session records
 * its end; a spool file naming another user's process, or a PID reused since the file was made,
 * gets nothing signalled and the directive answered FAILED, saying why.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { chown, mkdir, mkdtemp, open, readlink, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectiveRunner } from '../../agent/directive-runner.js';
import { VigilClient } from '../../agent/vigil-client.js';
import { systemClock } from '../../server/clock.js';
import { eventually } from '../support/agent-process.js';
import { addServer, ingest, type TestServer } from '../support/records-fixture.js';
import { castLines, putChunk } from '../support/recording-agent.js';
import { connectSubscriber } from '../support/subscription-client.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let server: TestServer;
let work: string;
let spool: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  t = await startTestVigil({ clock: systemClock });
  server = await addServer(t, t.admin.tenantId, 'web-directives');
  work = await mkdtemp(path.join(os.tmpdir(), 'vigil-directives-'));
  spool = path.join(work, 'spool');
  await mkdir(spool);
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await t?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const TERMINATE = `mutation($id: ID!, $reason: String!) { terminateTerminalSession(id: $id, reason: $reason) { id } }`;
const DIRECTIVE_OUTCOMES = `{ eventStream(filter: { kinds: ["agent_directive"] }, first: 100) { nodes { type record } } }`;

/** A stand-in for a shell: a live process of this user that SIGHUP ends. */
function startShell(): { child: ChildProcess; exited: Promise<NodeJS.Signals | null> } {
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  children.push(child);
  return { child, exited: new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal))) };
}

/** Reports the shell's session as the shell shipper would (event id `ts-<pid>-<n>`); its terminal session's id. */
async function reportShell(session: string): Promise<string> {
  const response = await ingest(t, server.agentToken, [
    {
      eventId: `ts-${session}`,
      kind: 'TERMINAL_SESSION_STARTED',
      terminalSessionStarted: { username: 'ops', source: 'SHELL_CLI', startedAt: new Date().toISOString() },
    },
  ]);
  expect(response.errors).toBeUndefined();
  const sessions = await t.gql(`{ terminalSessions(first: 100) { nodes { id eventId } } }`, t.admin.token);
  return sessions.data!.terminalSessions.nodes.find((node: { eventId: string }) => node.eventId === `ts-${session}`).id as string;
}

async function terminate(terminalSessionId: string): Promise<void> {
  const terminated = await t.gql(TERMINATE, t.admin.token, { id: terminalSessionId, reason: 'incident 7' });
  expect(terminated.errors).toBeUndefined();
}

const runner = () => new DirectiveRunner(new VigilClient(new URL(new URL(t.url).origin), server.agentToken), spool, 0, undefined);

describe('the reference agent', () => {
  it('hangs up a terminated shell and answers DONE; the session records its end', async () => {
    const shell = startShell();
    const session = `${shell.child.pid}-1`;
    await writeFile(path.join(spool, `shell-${session}.tsv`), '');
    const terminalSessionId = await reportShell(session);
    await terminate(terminalSessionId);

    expect(await runner().pass()).toBe(1);
    expect(await shell.exited).toBe('SIGHUP');
    const ended = await t.gql(`query($id: ID!) { terminalSession(id: $id) { isActive endReason endedBy { email } } }`, t.admin.token, {
      id: terminalSessionId,
    });
    expect(ended.data!.terminalSession).toEqual({ isActive: false, endReason: 'terminal_session.terminated: incident 7', endedBy: { email: t.admin.email } });
    // Nothing waits any more.
    expect(await runner().pass()).toBe(0);
  });

  it('signals nothing for a planted spool file: another user’s process, or a PID reused since the file was made', async () => {
    const isRoot = process.getuid?.() === 0;
    const planted: { shell: ReturnType<typeof startShell>; why: RegExp }[] = [];
    if (isRoot) {
      // A file owned by another user that names this user's process.
      const shell = startShell();
      const file = path.join(spool, `shell-${shell.child.pid}-2.tsv`);
      await writeFile(file, '');
      await chown(file, 65534, 65534);
      planted.push({ shell, why: /does not run as the owner/ });
    }
    // A file made before the process it names started.
    const early = path.join(spool, 'shell-early.tsv');
    await writeFile(early, '');
    // /proc's boot time has whole seconds, so a start time read from it may be up to 1 s early.
    await sleep(2500);
    const reused = startShell();
    await rename(early, path.join(spool, `shell-${reused.child.pid}-3.tsv`));
    planted.push({ shell: reused, why: /started after the shell's spool file was made/ });

    const sessions = [];
    for (const [index, { shell }] of planted.entries()) {
      const id = await reportShell(`${shell.child.pid}-${isRoot ? index + 2 : 3}`);
      await terminate(id);
      sessions.push(id);
    }
    expect(await runner().pass()).toBe(planted.length);
    for (const { shell } of planted) expect(shell.child.exitCode === null && shell.child.signalCode === null).toBe(true);
    const events = await t.gql(DIRECTIVE_OUTCOMES, t.admin.token);
    const failed = events.data!.eventStream.nodes.filter((node: { type: string }) => node.type === 'agent_directive.failed');
    expect(failed).toHaveLength(planted.length);
    for (const { why } of planted) expect(failed.some((node: { record: { outcome_detail: string } }) => why.test(node.record.outcome_detail))).toBe(true);
    // A failed answer records no end.
    for (const id of sessions) {
      const open = await t.gql(`query($id: ID!) { terminalSession(id: $id) { isActive endReason } }`, t.admin.token, { id });
      expect(open.data!.terminalSession).toEqual({ isActive: true, endReason: null });
    }
  });

  it('writes an announcement on the terminal of a shell someone watches live', async () => {
    const policy = await t.gql(`mutation($input: CreateApprovalPolicyInput!) { createApprovalPolicy(input: $input) { id } }`, t.admin.token, {
      input: { name: 'Watches are announced', requestKinds: ['ACCESS'], isWatchAnnounced: true },
    });
    expect(policy.errors).toBeUndefined();
    // A stand-in for a shell whose terminal echoes what is written to it: cat reading a FIFO (Node's
    // own stdio pipes are sockets, which /proc does not reopen), held open here so cat never sees its end.
    const fifo = path.join(work, 'terminal');
    execFileSync('mkfifo', [fifo]);
    const keeper = await open(fifo, constants.O_RDWR);
    const shell = spawn('sh', ['-c', `exec cat < '${fifo}'`], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(shell);
    let shown = '';
    shell.stdout.on('data', (chunk: Buffer) => (shown += chunk.toString()));
    await eventually(async () => (await readlink(`/proc/${shell.pid}/fd/0`).catch(() => '')) === fifo, 5000, 'cat reading the FIFO');
    const session = `${shell.pid}-4`;
    await writeFile(path.join(spool, `shell-${session}.tsv`), '');
    await reportShell(session);
    const chunk = await putChunk(t, server.agentToken, `ts-${session}`, 0, castLines([[0.1, 'o', '$ ']], { version: 2, width: 80, height: 24 }));
    expect(chunk.status).toBe(201);
    const watcher = await connectSubscriber(t.url, t.admin.token);
    try {
      await watcher.subscribe(`subscription($id: ID!) { recordingEvents(recordingId: $id) { seq } }`, { id: chunk.body.recordingId });
      await watcher.waitFor(1);
    } finally {
      await watcher.dispose();
    }
    expect(await runner().pass()).toBe(1);
    await eventually(async () => shown.includes(`[vigil] ${t.admin.email} is watching this session live`), 5000, 'the announcement on the terminal');
    expect(shell.exitCode).toBeNull();
    await keeper.close();
  });
});
