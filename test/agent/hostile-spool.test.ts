/**
 * The spool is writable by every user and the daemon reads it as root: what someone plants there
 * must not make the daemon read, ship or overwrite a file it was not meant to. A link is not
 * followed, a FIFO does not hang it, and its own state is kept where only it writes.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../server/clock.js';
import { agentEnv, eventually, runAgent, startAgentDaemon } from '../support/agent-process.js';
import { addServer } from '../support/records-fixture.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let work: string;

beforeAll(async () => {
  t = await startTestVigil({ clock: systemClock });
  work = await mkdtemp(path.join(os.tmpdir(), 'vigil-hostile-'));
});
afterAll(async () => {
  await t?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('a spool with planted files', () => {
  it('ships nothing through a link or a FIFO, and keeps its offsets out of the open spool', async () => {
    const server = await addServer(t, t.admin.tenantId, 'hostile');
    const spool = path.join(work, 'spool');
    await mkdir(spool);
    const env = agentEnv({ graphqlUrl: t.url, token: server.agentToken, spool, users: `${os.userInfo().username}=admin@localhost` });
    const now = Date.now() / 1000;
    // A secret that happens to read as records, behind a link named like a shell's file.
    const secret = path.join(work, 'secret');
    await writeFile(secret, `S\t${now.toFixed(6)}\troot\t\t\tbash\nB\t1\t${now.toFixed(6)}\t/root\tTHE-SECRET-LINE\n`);
    await symlink(secret, path.join(spool, `shell-1-${Math.round(now * 1e6)}.tsv`));
    execFileSync('mkfifo', [path.join(spool, `shell-2-${Math.round(now * 1e6)}.tsv`)]);
    // A real shell's file beside them is delivered as usual.
    await writeFile(
      path.join(spool, `shell-3-${Math.round(now * 1e6)}.tsv`),
      `S\t${now.toFixed(6)}\troot\t\t\tbash\nB\t1\t${now.toFixed(6)}\t/srv\tuptime\nC\t1\t${now.toFixed(6)}\t0\n`,
    );

    const sent = await runAgent(['send'], env);
    expect(sent.code).toBe(0);
    expect(sent.stderr).not.toContain('THE-SECRET-LINE');
    const response = await t.gql<any>(`{ commands(first: 10, filter: { serverId: "${server.id}" }) { nodes { line } } }`, t.admin.token);
    expect(response.data!.commands.nodes.map((node: { line: string }) => node.line)).toEqual(['uptime']);

    // Offsets live in a directory of the daemon's own, closed to others; none sits in the spool.
    const states = path.join(spool, 'shells');
    expect((await stat(states)).mode & 0o077).toBe(0);
    expect((await readdir(states)).sort()).toEqual([`shell-3-${Math.round(now * 1e6)}.tsv.sent`]);
    expect((await readdir(spool)).filter((name) => name.endsWith('.sent') || name.endsWith('.tmp'))).toEqual([]);
  });
});

describe('one shipper per spool', () => {
  it('refuses a second daemon and a send while one runs, and takes over the lock of one that was killed', async () => {
    const server = await addServer(t, t.admin.tenantId, 'locked');
    const spool = path.join(work, 'locked-spool');
    const env = agentEnv({ graphqlUrl: t.url, token: server.agentToken, spool });
    const first = startAgentDaemon(env);
    await eventually(async () => first.logs().includes('vigil-agent running'), 15_000, 'the daemon to start');

    const second = await runAgent(['run'], env);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`another vigil-agent (pid ${first.child.pid}) ships ${spool}`);
    const send = await runAgent(['send'], env);
    expect(send.code).toBe(2);

    // Killed without cleaning up: its lock is stale, and the next one takes it over.
    first.child.kill('SIGKILL');
    await first.stop();
    const after = await runAgent(['send'], env);
    expect(after.stderr).not.toContain('another vigil-agent');
    expect(after.code).toBe(0);
  });
});
