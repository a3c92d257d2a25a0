/**
 * `vigil-agent record [-- <command…>]`: the person's login shell (or the command) under a
 * terminal recorder, as one terminal session with its recording. It names the session
 * (`<pid>-<microseconds>`), writes the session's start and end into the spool itself, and exports
 * VIGIL_TERMINAL_SESSION so that the shell's hook adds its commands to that same session. The
 * recording is asciicast v2 in `rec-<session>.cast`, appended as the session runs, and a `.done`
 * marker says when it has ended; the daemon streams both to Vigil (recording-shipper.ts). The
 * files are listed in recording-files.ts.
 *
 * The recorder is asciinema when installed (it writes asciicast v2 itself), else util-linux
 * script, whose logs are turned into asciicast here as they grow (script-cast.ts);
 * VIGIL_AGENT_RECORDER chooses. Both record what is shown and what is typed.
 *
 * Without a terminal (scp, sftp, `ssh host command` under a ForceCommand) nothing can be recorded
 * without breaking the byte stream: the command runs as it is, reported as a session of one command.
 * Either way, the exit status is the recorded command's.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { quote } from 'shell-quote';
import { AgentConfigError, type AgentConfig, type RecorderChoice } from './agent-config.js';
import { recordingFiles, type RecordingFiles } from './recording-files.js';
import { castLines, ScriptCastConverter, type CastEvent } from './script-cast.js';
import { formatRecord, type SpoolRecord } from './spool-records.js';

/** How often script's logs are turned into asciicast while it runs. */
const CONVERT_EVERY_MS = 100;
/** Signals that end the recorded session (the terminal hung up, the agent told to stop): passed on as a hangup. */
const PASSED_ON = ['SIGHUP', 'SIGTERM'] as const;
/** Signals a terminal may send the whole foreground group before the recorder has it in raw mode. */
const IGNORED = ['SIGINT', 'SIGQUIT'] as const;

function isInstalled(program: string, searchPath: string): boolean {
  return searchPath.split(':').some((dir) => {
    try {
      accessSync(path.join(dir || '.', program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function chooseRecorder(choice: RecorderChoice, searchPath: string): 'asciinema' | 'script' {
  if (choice !== 'auto') {
    if (!isInstalled(choice, searchPath)) throw new AgentConfigError(`VIGIL_AGENT_RECORDER is ${choice}, but ${choice} is not installed`);
    return choice;
  }
  if (isInstalled('asciinema', searchPath)) return 'asciinema';
  if (isInstalled('script', searchPath)) return 'script';
  throw new AgentConfigError('no terminal recorder: install asciinema (or util-linux script)');
}

/** The session id the hook would have made: this process's id and the time in microseconds. */
function newSession(): { session: string; startedAt: Date } {
  const micros = Math.round((performance.timeOrigin + performance.now()) * 1000);
  return { session: `${process.pid}-${micros}`, startedAt: new Date(Math.floor(micros / 1000)) };
}

function terminalName(): string {
  try {
    return readlinkSync('/proc/self/fd/0');
  } catch {
    return '';
  }
}

/** Creates `file` (never an existing one: a file someone else put there is not ours to write into) with `text`. */
async function createFile(file: string, text: string): Promise<void> {
  await writeFile(file, text, { flag: 'wx', mode: 0o600 });
}

const appendRecord = (file: string, record: SpoolRecord) => appendFile(file, `${formatRecord(record)}\n`);

/** The processes below `pid`, from /proc. */
function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …: the command name may hold spaces and parentheses.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // Gone meanwhile.
    }
  }
  const found: number[] = [];
  for (let queue = [pid]; queue.length > 0;) {
    const next = children.get(queue.shift()!) ?? [];
    found.push(...next);
    queue.push(...next);
  }
  return found;
}

/**
 * A hangup for the recorder and everything below it. The recorded shell is in a terminal of the
 * recorder's, which would not hang up by itself: script only types an end of file into it (lost
 * on a half-typed line or in an editor), and an interactive shell ignores SIGTERM.
 */
function hangUp(pid: number): void {
  for (const target of [pid, ...descendantsOf(pid)]) {
    try {
      process.kill(target, 'SIGHUP');
    } catch {
      // Exited meanwhile.
    }
  }
}

/** Runs `program` on this terminal until it exits, hanging it up when this process is; its exit status (127: it could not start). */
function runOnTerminal(program: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(program, args, { stdio: 'inherit', env });
    const passOn = () => child.pid && hangUp(child.pid);
    const ignore = () => undefined;
    for (const signal of PASSED_ON) process.on(signal, passOn);
    for (const signal of IGNORED) process.on(signal, ignore);
    const settle = (code: number) => {
      for (const signal of PASSED_ON) process.off(signal, passOn);
      for (const signal of IGNORED) process.off(signal, ignore);
      resolve(code);
    };
    child.on('error', (error) => {
      process.stderr.write(`vigil-agent: cannot run ${program}: ${error.message}\n`);
      settle(127);
    });
    child.on('exit', (code, signal) => settle(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
  });
}

export async function runRecorder(config: AgentConfig, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  const shell = env.SHELL || '/bin/bash';
  const original = env.SSH_ORIGINAL_COMMAND;
  const command = args.length > 0 ? [...args] : original ? [shell, '-c', original] : [shell, '-l'];
  const isTerminal = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const recorder = isTerminal ? chooseRecorder(config.recorder, env.PATH ?? '/usr/bin:/bin') : undefined;
  if (recorder === 'script' && command.some((arg) => arg.includes('\n'))) {
    throw new AgentConfigError('script cannot record a command with a line break in it; put it in a script file');
  }
  try {
    await mkdir(config.spool, { recursive: true });
  } catch (error) {
    // Fail closed: a session that cannot be recorded does not start.
    throw new AgentConfigError(`cannot record: the spool ${config.spool} cannot be made (${(error as Error).message})`);
  }
  const { session, startedAt } = newSession();
  const files = recordingFiles(config.spool, session);
  await createFile(
    files.shellRecords,
    `${formatRecord({ type: 'start', at: startedAt, user: os.userInfo().username, tty: isTerminal ? terminalName() : '', remoteIp: (env.SSH_CONNECTION ?? '').split(' ')[0]!, shell: path.basename(command[0]!) })}\n`,
  );
  let code: number;
  if (!recorder) {
    code = await runUnrecorded(files, command, args.length === 0 && original ? original : quote(command), env);
  } else {
    const sessionEnv = { ...env, VIGIL_TERMINAL_SESSION: session };
    code = recorder === 'asciinema' ? await recordWithAsciinema(files, command, sessionEnv) : await recordWithScript(files, command, sessionEnv, startedAt);
  }
  await appendRecord(files.shellRecords, { type: 'end', at: new Date() });
  if (recorder) await createFile(files.done, `${code}\n`);
  return code;
}

async function runUnrecorded(files: RecordingFiles, command: string[], line: string, env: NodeJS.ProcessEnv): Promise<number> {
  await appendRecord(files.shellRecords, { type: 'begin', seq: 1, at: new Date(), workingDirectory: process.cwd(), line });
  const code = await runOnTerminal(command[0]!, command.slice(1), env);
  await appendRecord(files.shellRecords, { type: 'finish', seq: 1, at: new Date(), exitStatus: code });
  return code;
}

async function recordWithAsciinema(files: RecordingFiles, command: string[], env: NodeJS.ProcessEnv): Promise<number> {
  // Made first, so that no one else's file is there; asciinema then writes over our empty ones.
  await createFile(files.cast, '');
  await createFile(files.status, '');
  // asciinema runs this with sh -c, and exits 0 whatever the command's status: sh keeps it.
  const commandLine = `${quote(command)}; echo $? >${quote([files.status])}`;
  const code = await runOnTerminal('asciinema', ['rec', '--quiet', '--stdin', '--overwrite', '--command', commandLine, files.cast], env);
  const status = (await readFile(files.status, 'utf8').catch(() => '')).trim();
  await rm(files.status, { force: true });
  return code === 0 && /^\d+$/.test(status) ? Number(status) : code;
}

async function recordWithScript(files: RecordingFiles, command: string[], env: NodeJS.ProcessEnv, startedAt: Date): Promise<number> {
  const header = {
    version: 2,
    width: process.stdout.columns || 80,
    height: process.stdout.rows || 24,
    timestamp: Math.floor(startedAt.getTime() / 1000),
    env: Object.fromEntries(['SHELL', 'TERM'].filter((name) => env[name]).map((name) => [name, env[name]!])),
  };
  await createFile(files.cast, `${JSON.stringify(header)}\n`);
  await createFile(files.scriptIo, '');
  await createFile(files.scriptTiming, '');
  const converter = new ScriptCastConverter({ io: files.scriptIo, timing: files.scriptTiming });
  let converting = Promise.resolve();
  let failure: unknown;
  // One step at a time, in order. A failed step (a full disk) loses its events: said at the end.
  const convert = (step: () => Promise<CastEvent[]>) =>
    (converting = converting.then(async () => {
      try {
        const events = await step();
        if (events.length > 0) await appendFile(files.cast, castLines(events));
      } catch (error) {
        failure ??= error;
      }
    }));
  const timer = setInterval(() => void convert(() => converter.step()), CONVERT_EVERY_MS);
  let code: number;
  try {
    code = await runOnTerminal(
      'script',
      // exec: the command takes the place of the shell script runs it with.
      [
        '--quiet',
        '--flush',
        '--return',
        '--logging-format',
        'advanced',
        '--log-io',
        files.scriptIo,
        '--log-timing',
        files.scriptTiming,
        '--command',
        `exec ${quote(command)}`,
      ],
      env,
    );
  } finally {
    clearInterval(timer);
  }
  await convert(() => converter.finish());
  if (failure) process.stderr.write(`vigil-agent: part of this session's recording was lost (${(failure as Error).message})\n`);
  await rm(files.scriptIo, { force: true });
  await rm(files.scriptTiming, { force: true });
  return code;
}
