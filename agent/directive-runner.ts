/**
 * Carries out Vigil's directives (README "Directives"): every VIGIL_AGENT_DIRECTIVES_MS (1 s) the
 * daemon reads its server's waiting directives (`pendingDirectives`; Node 20 has no WebSocket
 * client, so the reference agent polls where a scripted one subscribes) and answers each once it
 * has acted:
 * - TERMINATE_SESSION for a shell this agent reported (event id `ts-<session>`): the shell's
 *   process gets SIGHUP, as when its terminal goes away (bash and zsh hang up their jobs and exit);
 *   DONE with the time. A shell already gone: GONE.
 * - ANNOUNCE for such a shell (someone watches it live): the directive's reason written to the
 *   shell's terminal (its standard input's device); DONE. A shell already gone: GONE.
 * - EXPIRE_SUDO: the sudo wrapper asks Vigil at every use and keeps nothing: DONE.
 *
 * Each read also brings the tenant's authorization epoch, written to the state directory for
 * check-login's kept answers (login-cache.ts): while it is fresh and unchanged they stand.
 *
 * The spool is writable by everyone and a shell's file names its process: before signalling, the
 * process must still run as the user who owns the shell's file (the kernel's owner, not the file's
 * content) and must have started before the file was made, or a file planted by one user (naming
 * another's process, or a PID reused since) would get an unrelated process hung up. Such a
 * directive is answered FAILED, saying why, for an admin to see.
 */
import { constants } from 'node:fs';
import { lstat, open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Shipper } from './daemon.js';
import { writeAuthorizationEpoch } from './login-cache.js';
import type { VigilClient } from './vigil-client.js';

const PENDING = `{ pendingDirectives { id kind reason terminalSessionEventId } authorizationEpoch }`;
const ACKNOWLEDGE = `mutation Acknowledge($input: DirectiveAcknowledgementInput!) { acknowledgeDirective(input: $input) { id } }`;

interface Directive {
  readonly id: string;
  readonly kind: 'TERMINATE_SESSION' | 'EXPIRE_SUDO' | 'ANNOUNCE';
  readonly reason: string | null;
  readonly terminalSessionEventId: string | null;
}

type Answer = { outcome: 'DONE'; endedAt?: string } | { outcome: 'GONE' } | { outcome: 'FAILED'; detail: string };

/** Clock ticks per second of /proc's times (USER_HZ: 100 on every Linux architecture Node runs on). */
const CLOCK_TICKS = 100;

/** When process `pid` started (ms since the epoch), from /proc; undefined when it is gone. */
async function processStartMs(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): the 22nd field overall is the 20th after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    const bootSeconds = Number(/^btime (\d+)$/m.exec(await readFile('/proc/stat', 'utf8'))?.[1]);
    return Number.isFinite(ticks) && Number.isFinite(bootSeconds) ? bootSeconds * 1000 + (ticks * 1000) / CLOCK_TICKS : undefined;
  } catch {
    return undefined;
  }
}

export class DirectiveRunner implements Shipper {
  readonly name = 'directives';
  private lastRead = -Infinity;

  constructor(
    private readonly client: VigilClient,
    private readonly spool: string,
    private readonly everyMs: number,
    /** Where the epoch goes; none when check-login keeps no answers. */
    private readonly stateDir: string | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  async pass(): Promise<number> {
    if (this.now() - this.lastRead < this.everyMs) return 0;
    this.lastRead = this.now();
    const { pendingDirectives, authorizationEpoch } = await this.client.graphql<{ pendingDirectives: Directive[]; authorizationEpoch: string }>(PENDING);
    for (const directive of pendingDirectives) {
      const answer = await this.carryOut(directive);
      await this.client.graphql(ACKNOWLEDGE, { input: { id: directive.id, ...answer } });
    }
    if (this.stateDir !== undefined) await writeAuthorizationEpoch(this.stateDir, authorizationEpoch, this.now());
    return pendingDirectives.length;
  }

  private async carryOut(directive: Directive): Promise<Answer> {
    if (directive.kind === 'EXPIRE_SUDO') return { outcome: 'DONE' };
    const shell = await this.shellOf(directive);
    if (!('pid' in shell)) return shell;
    if (directive.kind === 'ANNOUNCE') return announce(shell.pid, directive.reason ?? 'Vigil: a notice for this session');
    try {
      process.kill(shell.pid, 'SIGHUP');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return { outcome: 'GONE' };
      return { outcome: 'FAILED', detail: `could not signal process ${shell.pid}: ${(error as Error).message}` };
    }
    return { outcome: 'DONE', endedAt: new Date(this.now()).toISOString() };
  }

  /** The live process of the shell a directive names, checked as the file's comment says; else the answer to give. */
  private async shellOf(directive: Directive): Promise<{ pid: number } | Answer> {
    const session = /^ts-((\d+)-\d+)$/.exec(directive.terminalSessionEventId ?? '');
    if (!session) return { outcome: 'GONE' };
    const pid = Number(session[2]);
    const file = path.join(this.spool, `shell-${session[1]}.tsv`);
    const owner = await lstat(file).catch(() => undefined);
    const processInfo = await stat(`/proc/${pid}`).catch(() => undefined);
    // The shell exited (its file is removed once its end is delivered) or its process is gone.
    if (!owner?.isFile() || !processInfo) return { outcome: 'GONE' };
    if (processInfo.uid !== owner.uid) return { outcome: 'FAILED', detail: `process ${pid} does not run as the owner of the shell's spool file` };
    const startedAt = await processStartMs(pid);
    if (startedAt === undefined) return { outcome: 'GONE' };
    // birthtime is 0 where the file system does not keep it; then the owner check stands alone.
    if (owner.birthtimeMs > 0 && startedAt > owner.birthtimeMs + 1000) {
      return { outcome: 'FAILED', detail: `process ${pid} started after the shell's spool file was made (its PID was reused)` };
    }
    return { pid };
  }
}

/** Writes `text` on its own line to the terminal of process `pid` (its standard input's device). */
async function announce(pid: number, text: string): Promise<Answer> {
  const line = `\r\n[vigil] ${text.replace(/[\u0000-\u001f\u007f]/g, ' ')}\r\n`;
  try {
    // Not O_NONBLOCK: a pipe opened through /proc that way refuses (ENXIO); a terminal takes a short line at once.
    const handle = await open(`/proc/${pid}/fd/0`, constants.O_WRONLY | constants.O_NOCTTY);
    try {
      await handle.write(line);
    } finally {
      await handle.close();
    }
    return { outcome: 'DONE' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { outcome: 'GONE' };
    return { outcome: 'FAILED', detail: `could not write to the terminal of process ${pid}: ${(error as Error).message}` };
  }
}
