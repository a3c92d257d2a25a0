/**
 * Runs the real `server/main.ts` and `server/cli/main.ts` as child processes, with only the
 * environment a test hands them (not vitest's), and reads what they print. Every child started
 * here is tracked so `killAllChildren()` can SIGKILL whatever a failing test left running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// A spawned Vigil on PGlite opens (and may migrate) its database on start: slow on a busy machine.
const STARTUP_TIMEOUT_MS = 60_000;
const CLI_TIMEOUT_MS = 30_000;

const children = new Set<ChildProcess>();

/** The environment of a Vigil process: PATH and HOME from ours, then exactly `extra`. */
export function processEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME'] as const) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...extra };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

function spawnTracked(args: string[], env: Record<string, string>): { child: ChildProcess; exited: Promise<Exit> } {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const exited = new Promise<Exit>((resolve, reject) => {
    child.once('error', reject);
    // 'close' rather than 'exit': it comes once stdout and stderr are drained too.
    child.once('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, exited };
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** SIGKILLs every child still running and waits for them to go. */
export async function killAllChildren(): Promise<void> {
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (!isRunning(child)) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

/**
 * The end of a process test on a database and data dir of its own: the server still running is
 * stopped (SIGTERM), whatever else is left is killed, then the database is dropped and the data
 * dir removed.
 */
export async function endProcessTest(
  server: VigilProcess | undefined,
  database: { drop(): Promise<void> } | undefined,
  dataDir: string | undefined,
): Promise<void> {
  try {
    await server?.stop('SIGTERM');
  } finally {
    await killAllChildren();
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

export interface VigilProcess {
  readonly child: ChildProcess;
  /** As printed: `Vigil is serving GraphQL at <graphqlUrl>`. */
  readonly graphqlUrl: string;
  /** http://host:port, without /graphql. */
  readonly baseUrl: string;
  /** ws://host:port/graphql. */
  readonly wsUrl: string;
  /** The first-run admin token, when this start printed one. */
  readonly adminToken: string | undefined;
  isRunning(): boolean;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<Exit>;
  /** Sends `signal` and waits for the exit; SIGKILLs it after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit & { elapsedMs: number; timedOut: boolean }>;
}

/** The banner: the URL line, then the lines up to a blank one. */
const BANNER = /^Vigil is serving GraphQL at (\S+)\n((?:.+\n)*)\n/m;
const ADMIN_TOKEN = /^Admin token \(shown once, keep it safe\): (\S+)$/m;

/** Starts `server/main.ts` (with `args`, such as `--demo`) and waits until its banner is printed. */
export async function startVigilProcess(env: Record<string, string>, args: string[] = [], startupTimeoutMs = STARTUP_TIMEOUT_MS): Promise<VigilProcess> {
  const { child, exited } = spawnTracked(['server/main.ts', ...args], env);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));

  const banner = await new Promise<RegExpExecArray>((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      cleanup();
      reject(new Error(`Vigil did not start: ${why}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`));
    };
    const check = () => {
      const match = BANNER.exec(stdout);
      if (match && !settled) {
        cleanup();
        resolve(match);
      }
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(`no banner within ${startupTimeoutMs} ms`);
    }, startupTimeoutMs);
    const cleanup = () => {
      settled = true;
      clearTimeout(timer);
      child.stdout!.off('data', check);
    };
    child.stdout!.on('data', check);
    // Once it has exited and its output is drained, so the error shows all it printed.
    exited.then(
      ({ code, signal }) => fail(`it exited (code ${code}, signal ${signal})`),
      (error: Error) => fail(error.message),
    );
  });

  const graphqlUrl = banner[1]!;
  const url = new URL(graphqlUrl);
  return {
    child,
    graphqlUrl,
    baseUrl: url.origin,
    wsUrl: `ws://${url.host}${url.pathname}`,
    adminToken: ADMIN_TOKEN.exec(banner[2]!)?.[1],
    isRunning: () => isRunning(child),
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async stop(signal = 'SIGTERM', timeoutMs = 10_000) {
      const started = Date.now();
      if (!isRunning(child)) return { ...(await exited), elapsedMs: 0, timedOut: false };
      child.kill(signal);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      const exit = await exited;
      clearTimeout(timer);
      return { ...exit, elapsedMs: Date.now() - started, timedOut };
    },
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `server/cli/main.ts <args>` to completion (SIGKILLed after 30 s, or `timeoutMs`). */
export async function runCli(args: string[], env: Record<string, string>, timeoutMs = CLI_TIMEOUT_MS): Promise<CliResult> {
  const { child, exited } = spawnTracked(['server/cli/main.ts', ...args], env);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const { code } = await exited;
  clearTimeout(timer);
  return { code, stdout, stderr };
}
