/**
 * The reference agent as a server runs it: `vigil-agent run` in a child process of its own, and
 * interactive shells in tmux with the agent's hook, typed into key by key.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const AGENT = path.join(ROOT, 'agent', 'main.ts');

export const hasTmux = existsSync('/usr/bin/tmux');
export const hasZsh = existsSync('/usr/bin/zsh') || existsSync('/bin/zsh');

/** The agent's environment: the test's Vigil, a spool of its own, no settings file of the machine's. */
export function agentEnv(options: {
  graphqlUrl: string;
  token?: string;
  spool: string;
  users?: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    VIGIL_URL: new URL(options.graphqlUrl).origin,
    ...(options.token ? { VIGIL_AGENT_TOKEN: options.token } : {}),
    VIGIL_AGENT_SPOOL: options.spool,
    // Beside the spool, never root's /var/lib/vigil-agent.
    VIGIL_AGENT_STATE_DIR: path.join(path.dirname(options.spool), 'state'),
    VIGIL_AGENT_ENV_FILE: '/nonexistent/vigil-agent.env',
    VIGIL_AGENT_POLL_MS: '100',
    ...(options.users ? { VIGIL_AGENT_USERS: options.users } : {}),
    ...options.extra,
  };
}

/**
 * Runs `vigil-agent <args>` to completion: its exit code, stdout and stderr. From this repository
 * by default; `program` runs another build of it (the one-file bundle) from `cwd` instead.
 */
export function runAgent(
  args: string[],
  env: Record<string, string>,
  input?: string,
  program: { readonly file: string; readonly cwd: string } = { file: AGENT, cwd: ROOT },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const loader = program.file === AGENT ? ['--import', 'tsx'] : [];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...loader, program.file, ...args], { cwd: program.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

export interface AgentDaemon {
  readonly child: ChildProcess;
  /** What it logged (JSON lines). */
  readonly logs: () => string;
  stop(): Promise<number | null>;
}

export function startAgentDaemon(env: Record<string, string>): AgentDaemon {
  const child = spawn(process.execPath, ['--import', 'tsx', AGENT, 'run'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let logs = '';
  child.stderr.on('data', (data: Buffer) => (logs += data.toString()));
  return {
    child,
    logs: () => logs,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}

export interface TmuxShell {
  /** Types `keys` and presses Enter. */
  type(keys: string): void;
  screen(): string;
  /** The exit status of what tmux started, once it has exited. */
  exitStatus(): number | undefined;
  close(): Promise<void>;
}

/**
 * An interactive shell in a tmux of its own (its own socket), started with `env` only; with
 * `record`, under `vigil-agent record`, as a ForceCommand would start it.
 */
export async function startTmuxShell(shell: 'bash' | 'zsh', env: Record<string, string>, options: { record?: boolean } = {}): Promise<TmuxShell> {
  const socket = `vigil-test-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const home = await mkdtemp(path.join(os.tmpdir(), 'vigil-shell-home-'));
  const shellCommand = shell === 'bash' ? 'bash --norc --noprofile -i' : 'zsh -f -i';
  const command = options.record ? `'${process.execPath}' --import tsx '${AGENT}' record -- ${shellCommand}` : shellCommand;
  const environment = Object.entries({ ...env, HOME: home, TERM: 'xterm', USER: os.userInfo().username, SHELL: `/bin/${shell}` })
    .map(([key, value]) => `${key}=${value.replace(/'/g, `'\\''`)}`)
    .map((pair) => `'${pair}'`)
    .join(' ');
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  // The exit status is written down by tmux's shell (tmux's own pane_dead_status did not always
  // come), and the pane stays after, for its screen.
  const status = path.join(home, '.exit-status');
  tmux(
    'new-session',
    '-d',
    '-s',
    'agent',
    '-x',
    '200',
    '-y',
    '50',
    '-c',
    ROOT,
    `env -i ${environment} ${command}; echo $? >'${status}'`,
    ';',
    'set-option',
    '-t',
    'agent',
    'remain-on-exit',
    'on',
  );
  return {
    type(keys) {
      tmux('send-keys', '-t', 'agent', '-l', keys);
      tmux('send-keys', '-t', 'agent', 'Enter');
    },
    screen: () => tmux('capture-pane', '-p', '-t', 'agent'),
    exitStatus() {
      const text = existsSync(status) ? readFileSync(status, 'utf8') : '';
      return text.endsWith('\n') ? Number(text) : undefined;
    },
    async close() {
      try {
        tmux('kill-server');
      } catch {
        // Already gone: the shell exited.
      }
      // The shell and the agent under it may still be writing into HOME (history, spool) for
      // a moment after tmux is gone: rm retries ENOTEMPTY until they are done.
      await rm(home, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    },
  };
}

/** Polls `check` until it returns something truthy, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
