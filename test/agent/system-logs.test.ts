/**
 * The reference agent's system logs end to end: the daemon in its own process follows a syslog file
 * the test writes to (every format rsyslog writes, a line written in two parts, sftp-server's lines,
 * rotation by rename, truncation, restarts in between), or the journal through a stand-in for
 * `journalctl` (a script first on the daemon's PATH that serves entries from a file, honouring
 * --after-cursor and --follow). Vigil's systemLogs shows each line once, with its program, pid,
 * level and time, however often the daemon was stopped.
 */
import { chmod, mkdtemp, rename, rm, truncate, writeFile, appendFile, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../server/clock.js';
import { agentEnv, eventually, startAgentDaemon, type AgentDaemon } from '../support/agent-process.js';
import { addServer } from '../support/records-fixture.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let directory: string;
const daemons: AgentDaemon[] = [];

beforeAll(async () => {
  t = await startTestVigil({ clock: systemClock });
  await t.createUser(t.admin.tenantId, { email: 'alice@example.test' });
  directory = await mkdtemp(path.join(os.tmpdir(), 'vigil-system-logs-'));
});
afterAll(async () => {
  for (const daemon of daemons) await daemon.stop();
  await t?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

interface LogRow {
  eventId: string;
  program: string;
  pid: number | null;
  level: string;
  message: string;
  loggedAt: string;
}

/** Every system log of a server, oldest first (as the admin: they need MONITORING_VIEW). */
async function logsOf(serverId: string): Promise<LogRow[]> {
  const response = await t.gql<any>(
    `query($serverId: ID!) { systemLogs(first: 500, filter: { serverId: $serverId }) { nodes { eventId program pid level message loggedAt } } }`,
    t.admin.token,
    { serverId },
  );
  expect(response.errors).toBeUndefined();
  return [...response.data!.systemLogs.nodes].reverse();
}

/** Waits until the server's messages are exactly `expected` (in any order), each once. */
async function expectMessages(serverId: string, expected: string[]): Promise<LogRow[]> {
  let rows: LogRow[] = [];
  try {
    await eventually(
      async () => {
        rows = await logsOf(serverId);
        return rows.length >= expected.length;
      },
      20_000,
      `${expected.length} system logs`,
    );
  } finally {
    expect(rows.map((row) => row.message).sort()).toEqual([...expected].sort());
  }
  return rows;
}

function start(env: Record<string, string>): AgentDaemon {
  const daemon = startAgentDaemon(env);
  daemons.push(daemon);
  return daemon;
}

async function stop(daemon: AgentDaemon): Promise<void> {
  expect(await daemon.stop()).toBe(0);
  daemons.splice(daemons.indexOf(daemon), 1);
}

async function waitForLog(daemon: AgentDaemon, text: string): Promise<void> {
  await eventually(async () => daemon.logs().includes(text), 15_000, `the daemon to log "${text}"`);
}

describe('a syslog file', () => {
  // The daemon's zone: +05:30 all year, so a traditional timestamp's local time is checked exactly.
  const ZONE_MS = 5.5 * 3600_000;
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (value: number) => String(value).padStart(2, '0');
  const local = (at: Date) => new Date(at.getTime() + ZONE_MS);
  const traditional = (at: Date) => {
    const l = local(at);
    return `${MONTHS[l.getUTCMonth()]} ${String(l.getUTCDate()).padStart(2, ' ')} ${two(l.getUTCHours())}:${two(l.getUTCMinutes())}:${two(l.getUTCSeconds())}`;
  };
  const rfc3339 = (at: Date) => {
    const l = local(at);
    return `${l.getUTCFullYear()}-${two(l.getUTCMonth() + 1)}-${two(l.getUTCDate())}T${two(l.getUTCHours())}:${two(l.getUTCMinutes())}:${two(l.getUTCSeconds())}.123456+05:30`;
  };
  const minutesAgo = (minutes: number) => new Date(Math.floor(Date.now() / 1000) * 1000 - minutes * 60_000);

  let file: string;
  let env: Record<string, string>;
  let serverId: string;
  /** Every message the file's lines should give, in the order written. */
  const expected: string[] = [];
  interface Line {
    readonly text: string;
    readonly message: string;
  }
  const line = (tag: string, message: string, at = minutesAgo(1)): Line => ({ text: `${traditional(at)} web01 ${tag}: ${message}`, message });
  const write = async (lines: Line[], target = file) => {
    await appendFile(target, lines.map((each) => `${each.text}\n`).join(''));
    expected.push(...lines.map((each) => each.message));
  };

  beforeAll(async () => {
    const server = await addServer(t, t.admin.tenantId, 'logs-file');
    serverId = server.id;
    file = path.join(directory, 'auth.log');
    env = agentEnv({
      graphqlUrl: t.url,
      token: server.agentToken,
      spool: await mkdtemp(path.join(directory, 'spool-file-')),
      users: 'alice=alice@example.test',
      extra: { VIGIL_AGENT_SYSTEM_LOGS: file, TZ: 'Asia/Kolkata' },
    });
    // Written before the agent's first start: never shipped, since it starts from now. Each test
    // below starts the daemon again, which resumes where the one before stopped.
    await writeFile(file, `${line('sshd[700]', 'Server listening on 0.0.0.0 port 22.', minutesAgo(90)).text}\n`);
    const first = start(env);
    await waitForLog(first, 'following the file');
    await stop(first);
  });

  it(
    'ships each new line once with its program, pid, level and time, in the traditional, high-precision and RFC 5424 formats',
    { timeout: 60_000 },
    async () => {
      const daemon = start(env);

      const failedAt = minutesAgo(10);
      const preciseAt = minutesAgo(9);
      await write([
        line('sshd[812]', 'Failed password for root from 203.0.113.9 port 52144 ssh2', failedAt),
        line('sshd[812]', 'Accepted publickey for alice from 203.0.113.7 port 52150 ssh2: ED25519 SHA256:abc'),
        line('kernel', '[ 1234.567] eth0: link up', minutesAgo(8)),
        { text: `${rfc3339(preciseAt)} web01 CRON[4242]: (root) CMD (run-parts /etc/cron.hourly)`, message: '(root) CMD (run-parts /etc/cron.hourly)' },
      ]);
      const sudoAt = new Date(minutesAgo(7).getTime() + 250);
      const sudo = 'alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id';
      await write([{ text: `<85>1 ${sudoAt.toISOString()} web01 sudo 977 - [origin ip="10.0.0.5"] ${sudo}`, message: sudo }]);

      // A line written in two parts: shipped once, whole, though the daemon read the first part alone.
      await write([line('systemd-logind[601]', 'New session 7 of user alice.')]);
      await appendFile(file, line('su[5150]', '(to root) alice on').text);
      await expectMessages(serverId, expected);
      await appendFile(file, ' pts/1\n');
      expected.push('(to root) alice on pts/1');

      const rows = await expectMessages(serverId, expected);
      const byMessage = new Map(rows.map((row) => [row.message, row]));
      expect(byMessage.get('Failed password for root from 203.0.113.9 port 52144 ssh2')).toMatchObject({
        program: 'sshd',
        pid: 812,
        level: 'WARNING',
        loggedAt: failedAt.toISOString(),
      });
      expect(byMessage.get('Accepted publickey for alice from 203.0.113.7 port 52150 ssh2: ED25519 SHA256:abc')).toMatchObject({
        program: 'sshd',
        pid: 812,
        level: 'INFO',
      });
      expect(byMessage.get('[ 1234.567] eth0: link up')).toMatchObject({ program: 'kernel', pid: null, level: 'INFO' });
      expect(byMessage.get('(root) CMD (run-parts /etc/cron.hourly)')).toMatchObject({
        program: 'CRON',
        pid: 4242,
        level: 'INFO',
        loggedAt: new Date(preciseAt.getTime() + 123).toISOString(),
      });
      expect(byMessage.get(sudo)).toMatchObject({ program: 'sudo', pid: 977, level: 'NOTICE', loggedAt: sudoAt.toISOString() });
      expect(byMessage.get('(to root) alice on pts/1')).toMatchObject({ program: 'su', pid: 5150 });
      expect(rows.every((row) => /^sl-\d+-[0-9a-f]{16}-\d+$/.test(row.eventId))).toBe(true);
      await stop(daemon);
    },
  );

  it('follows the file through rotation by rename and truncation, and through restarts, losing and doubling nothing', { timeout: 90_000 }, async () => {
    let daemon = start(env);
    await write([line('sshd[900]', 'Connection closed by 198.51.100.4 port 40022 [preauth]')]);
    await expectMessages(serverId, expected);

    // logrotate: rename, a last line the syslog daemon writes to the old file, then the new file.
    await rename(file, `${file}.1`);
    await write([line('sshd[901]', 'written to the old file after its rename')], `${file}.1`);
    await write([line('sshd[902]', 'first line of the new file'), line('sshd[902]', 'second line of the new file')]);
    await expectMessages(serverId, expected);

    // copytruncate: the same file emptied, then written to again.
    await truncate(file, 0);
    await write([line('sshd[903]', 'after the truncation')]);
    await expectMessages(serverId, expected);

    // Stopped: lines written meanwhile, and a rotation, are shipped once it runs again.
    await stop(daemon);
    await write([line('sshd[904]', 'while the agent was stopped')]);
    await rename(`${file}.1`, `${file}.2`);
    await rename(file, `${file}.1`);
    await write([line('sshd[905]', 'new file made while the agent was stopped')]);
    daemon = start(env);
    await expectMessages(serverId, expected);

    // Stopped again: the file truncated and rewritten longer than what was read of it.
    await stop(daemon);
    await truncate(file, 0);
    await write(Array.from({ length: 6 }, (_, index) => line(`sshd[906]`, `rewritten after a truncation, line ${index}`)));
    daemon = start(env);
    await expectMessages(serverId, expected);
    await stop(daemon);
  });

  it('reports sftp-server transfers as file transfers of the session’s user, across a restart', { timeout: 60_000 }, async () => {
    const downloadedAt = minutesAgo(3);
    const failedAt = minutesAgo(2);
    let daemon = start(env);
    await write([
      line('sftp-server[6001]', 'session opened for local user alice from [203.0.113.7]'),
      line('sftp-server[6001]', 'open "/home/alice/report.csv" flags READ mode 0666'),
      line('sftp-server[6001]', 'close "/home/alice/report.csv" bytes read 5120 written 0', downloadedAt),
      line('sftp-server[6001]', 'open "/home/alice/up load.bin" flags WRITE,CREATE,TRUNCATE mode 0644'),
    ]);
    await expectMessages(serverId, expected);
    // The session began before the restart; its user is still known after.
    await stop(daemon);
    daemon = start(env);
    await write([
      line('sftp-server[6001]', 'forced close "/home/alice/up load.bin" bytes read 0 written 4096', failedAt),
      line('sftp-server[6001]', 'session closed for local user alice from [203.0.113.7]'),
      // A session the agent never saw open: its close stays a system log alone.
      line('sftp-server[6002]', 'close "/etc/hosts" bytes read 220 written 0'),
    ]);
    await expectMessages(serverId, expected);

    const response = await t.gql<any>(
      `query($serverId: ID!) { fileTransfers(first: 10, filter: { serverId: $serverId }) { nodes { direction objectName path sizeBytes username remoteIp status error occurredAt user { email } } } }`,
      t.admin.token,
      { serverId },
    );
    expect(response.errors).toBeUndefined();
    expect([...response.data!.fileTransfers.nodes].reverse()).toEqual([
      {
        direction: 'DOWNLOAD',
        objectName: 'report.csv',
        path: '/home/alice/report.csv',
        sizeBytes: 5120,
        username: 'alice',
        remoteIp: '203.0.113.7',
        status: 'SUCCESS',
        error: null,
        occurredAt: downloadedAt.toISOString(),
        user: { email: 'alice@example.test' },
      },
      {
        direction: 'UPLOAD',
        objectName: 'up load.bin',
        path: '/home/alice/up load.bin',
        sizeBytes: 4096,
        username: 'alice',
        remoteIp: '203.0.113.7',
        status: 'FAILED',
        error: 'the SFTP session ended with the file still open',
        occurredAt: failedAt.toISOString(),
        user: { email: 'alice@example.test' },
      },
    ]);
    await stop(daemon);
  });
});

describe('the journal', () => {
  let journal: string;
  let env: Record<string, string>;
  let serverId: string;
  const micros = (at: Date, extra: number) => String(at.getTime() * 1000 + extra);
  const cursor = (seq: number, long = false) =>
    `s=5f1c0e2a9b3d4c8e;i=${seq.toString(16)};b=0c2f6a1e;m=${seq * 1000};t=${(seq * 7919).toString(16)}${long ? `;x=${'f'.repeat(100)}` : ''}`;
  const append = (entries: Record<string, unknown>[]) => appendFile(journal, entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
  const calls = async () =>
    (await readFile(`${journal}.calls`, 'utf8'))
      .trim()
      .split('\n')
      .map((call) => JSON.parse(call) as string[]);

  beforeAll(async () => {
    const server = await addServer(t, t.admin.tenantId, 'logs-journal');
    serverId = server.id;
    const bin = await mkdtemp(path.join(directory, 'bin-'));
    journal = path.join(directory, 'journal.jsonl');
    // The stand-in: prints the entries of $FAKE_JOURNAL as `journalctl --output=json` does, the
    // newest one for --lines=1, those after --after-cursor, then (--follow) each one appended.
    await writeFile(
      path.join(bin, 'journalctl'),
      `#!${process.execPath}
const fs = require('node:fs');
const file = process.env.FAKE_JOURNAL;
const args = process.argv.slice(2);
fs.appendFileSync(file + '.calls', JSON.stringify(args) + '\\n');
const entries = () => fs.readFileSync(file, 'utf8').split('\\n').filter(Boolean);
const after = args.includes('--after-cursor') ? args[args.indexOf('--after-cursor') + 1] : undefined;
let shown = entries();
let from = 0;
if (after !== undefined) {
  from = shown.findIndex((line) => JSON.parse(line).__CURSOR === after) + 1;
  if (from === 0) { process.stderr.write('Failed to seek to cursor: Invalid argument\\n'); process.exit(1); }
} else if (args.includes('--lines=1') && !args.includes('--no-tail')) {
  from = Math.max(0, shown.length - 1);
}
for (const line of shown.slice(from)) process.stdout.write(line + '\\n');
if (!args.includes('--follow')) process.exit(0);
fs.writeFileSync(file + '.pid', String(process.pid));
setInterval(() => {
  const now = entries();
  for (const line of now.slice(shown.length)) process.stdout.write(line + '\\n');
  shown = now;
}, 50);
`,
    );
    await chmod(path.join(bin, 'journalctl'), 0o755);
    await writeFile(journal, '');
    env = agentEnv({
      graphqlUrl: t.url,
      token: server.agentToken,
      spool: await mkdtemp(path.join(directory, 'spool-journal-')),
      extra: { VIGIL_AGENT_SYSTEM_LOGS: 'journald', PATH: `${bin}:${process.env.PATH}`, FAKE_JOURNAL: journal },
    });
  });

  it(
    'ships each entry once from now on, with its identifier, pid, priority and time, resuming after the last cursor Vigil took',
    { timeout: 60_000 },
    async () => {
      const at = new Date(Date.now() - 10 * 60_000);
      // Already in the journal at the agent's first start: not shipped.
      await append([
        {
          __CURSOR: cursor(1),
          __REALTIME_TIMESTAMP: micros(at, 0),
          SYSLOG_IDENTIFIER: 'systemd',
          _PID: '1',
          PRIORITY: '6',
          MESSAGE: 'Started Session 1 of User alice.',
        },
        {
          __CURSOR: cursor(2),
          __REALTIME_TIMESTAMP: micros(at, 1),
          SYSLOG_IDENTIFIER: 'systemd',
          _PID: '1',
          PRIORITY: '6',
          MESSAGE: 'Reached target Multi-User System.',
        },
      ]);
      let daemon = start(env);
      await waitForLog(daemon, 'following the journal');
      await append([
        {
          __CURSOR: cursor(3),
          __REALTIME_TIMESTAMP: micros(at, 123_456),
          SYSLOG_IDENTIFIER: 'sshd',
          _COMM: 'sshd',
          _PID: '812',
          PRIORITY: '4',
          MESSAGE: 'Failed password for root from 203.0.113.9 port 52144 ssh2',
        },
        {
          __CURSOR: cursor(4),
          __REALTIME_TIMESTAMP: micros(at, 2_000_000),
          _COMM: 'cron',
          _PID: '4242',
          PRIORITY: '6',
          MESSAGE: '(root) CMD (run-parts /etc/cron.hourly)',
        },
        // Not UTF-8 (journalctl then writes bytes), with a NUL byte, which Vigil refuses in text: both replaced.
        {
          __CURSOR: cursor(5),
          __REALTIME_TIMESTAMP: micros(at, 3_000_000),
          SYSLOG_IDENTIFIER: 'app',
          _PID: '77',
          PRIORITY: '0',
          MESSAGE: [...Buffer.from('caf'), 0xe9, 0x00, ...Buffer.from(' au lait')],
        },
        {
          __CURSOR: cursor(6, true),
          __REALTIME_TIMESTAMP: micros(at, 4_000_000),
          SYSLOG_IDENTIFIER: 'kernel',
          PRIORITY: '7',
          MESSAGE: 'a cursor longer than an event id may be',
        },
        // No message: nothing to ship, but the place moves past it.
        { __CURSOR: cursor(7), __REALTIME_TIMESTAMP: micros(at, 5_000_000), SYSLOG_IDENTIFIER: 'audit', _PID: '5' },
      ]);
      const expected = [
        'Failed password for root from 203.0.113.9 port 52144 ssh2',
        '(root) CMD (run-parts /etc/cron.hourly)',
        'caf\uFFFD\uFFFD au lait',
        'a cursor longer than an event id may be',
      ];
      const rows = await expectMessages(serverId, expected);
      expect(rows).toEqual([
        { eventId: `jd-${cursor(3)}`, program: 'sshd', pid: 812, level: 'WARNING', message: expected[0], loggedAt: new Date(at.getTime() + 123).toISOString() },
        { eventId: `jd-${cursor(4)}`, program: 'cron', pid: 4242, level: 'INFO', message: expected[1], loggedAt: new Date(at.getTime() + 2000).toISOString() },
        {
          eventId: `jd-${cursor(5)}`,
          program: 'app',
          pid: 77,
          level: 'EMERGENCY',
          message: expected[2],
          loggedAt: new Date(at.getTime() + 3000).toISOString(),
        },
        {
          eventId: expect.stringMatching(/^jd-h-[0-9a-f]{64}$/),
          program: 'kernel',
          pid: null,
          level: 'DEBUG',
          message: expected[3],
          loggedAt: new Date(at.getTime() + 4000).toISOString(),
        },
      ]);
      // At first start it took the newest entry's place, then followed after it.
      expect(await calls()).toEqual([
        ['--output=json', '--all', '--quiet', '--no-pager', '--lines=1'],
        ['--output=json', '--all', '--quiet', '--no-pager', '--follow', '--no-tail', '--after-cursor', cursor(2)],
      ]);

      // Stopped: journalctl is stopped with it, and what is logged meanwhile is shipped after a restart.
      await stop(daemon);
      const follower = Number(await readFile(`${journal}.pid`, 'utf8'));
      expect(() => process.kill(follower, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
      await append([
        {
          __CURSOR: cursor(8),
          __REALTIME_TIMESTAMP: micros(at, 6_000_000),
          SYSLOG_IDENTIFIER: 'sshd',
          _PID: '813',
          PRIORITY: '6',
          MESSAGE: 'Accepted publickey for alice',
        },
        {
          __CURSOR: cursor(9),
          __REALTIME_TIMESTAMP: micros(at, 7_000_000),
          SYSLOG_IDENTIFIER: 'sudo',
          _PID: '977',
          PRIORITY: '5',
          MESSAGE: 'alice : TTY=pts/0 ; USER=root ; COMMAND=/usr/bin/id',
        },
      ]);
      daemon = start(env);
      await expectMessages(serverId, [...expected, 'Accepted publickey for alice', 'alice : TTY=pts/0 ; USER=root ; COMMAND=/usr/bin/id']);
      expect((await calls()).at(-1)).toEqual(['--output=json', '--all', '--quiet', '--no-pager', '--follow', '--no-tail', '--after-cursor', cursor(7)]);
      await stop(daemon);
    },
  );
});
