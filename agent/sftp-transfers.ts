/**
 * Files moved over SFTP, read from what OpenSSH's sftp-server (or internal-sftp) logs at level INFO
 * or VERBOSE (`Subsystem sftp /usr/lib/openssh/sftp-server -l INFO`), one process per session:
 *
 *   session opened for local user alice from [203.0.113.7]
 *   open "/srv/report.csv" flags READ mode 0666
 *   close "/srv/report.csv" bytes read 5120 written 0
 *   forced close "/srv/upload.bin" bytes read 0 written 4096     (the session ended with the file open)
 *   session closed for local user alice from [203.0.113.7]
 *
 * Each close is one transfer: UPLOAD when bytes were written to the file (or it was opened to be
 * written), DOWNLOAD otherwise; a forced close FAILED. Who moved it comes from the session's opening
 * line, so sessions are remembered (and saved with the follower's place) until their closing line.
 * A close in a session whose opening the agent never read (it began before the agent followed the
 * log) is left in the system logs alone, since no one can be named for it.
 */
import { isIP } from 'node:net';
import path from 'node:path';
import type { SystemLogEntry } from './system-log-events.js';

interface SftpSession {
  readonly user: string;
  readonly remoteIp: string | undefined;
  /** Open files' flags by path, from their `open` lines. */
  readonly opens: Record<string, string>;
}

/** Sessions by `program:pid`, as saved in the follower's state. */
export type SftpSessions = Record<string, SftpSession>;

export interface SftpTransfer {
  readonly username: string;
  readonly remoteIp: string | undefined;
  readonly direction: 'UPLOAD' | 'DOWNLOAD';
  readonly objectName: string;
  readonly path: string;
  readonly sizeBytes: number;
  readonly status: 'SUCCESS' | 'FAILED';
  readonly error: string | undefined;
  readonly occurredAt: Date;
}

const SFTP_PROGRAM = /^(sftp-server|internal-sftp)$/;
const SESSION_OPENED = /^session opened for local user (\S+) from \[([^\]]*)\]/;
const SESSION_CLOSED = /^session closed for local user /;
const OPEN = /^open "(.*)" flags (\S+) mode \d+$/;
const CLOSE = /^(forced )?close "(.*)" bytes read (\d+) written (\d+)$/;
/** Bounds on what is remembered, against a log that never says a session closed. */
const MAX_SESSIONS = 10_000;
const MAX_OPEN_FILES = 1_000;

/** Reads sftp-server's lines in order; `sessions` is what to save with the place after them. */
export class SftpTracker {
  readonly sessions: SftpSessions;

  constructor(saved: SftpSessions | undefined) {
    this.sessions = structuredClone(saved ?? {});
  }

  /** The transfer an entry reports (a close), if any; session and open lines are remembered. */
  observe(entry: SystemLogEntry): SftpTransfer | undefined {
    if (!SFTP_PROGRAM.test(entry.program) || entry.pid === undefined) return undefined;
    const key = `${entry.program}:${entry.pid}`;
    const opened = SESSION_OPENED.exec(entry.message);
    if (opened) {
      delete this.sessions[key];
      this.sessions[key] = { user: opened[1]!, remoteIp: isIP(opened[2]!) ? opened[2] : undefined, opens: {} };
      const keys = Object.keys(this.sessions);
      for (const old of keys.slice(0, Math.max(0, keys.length - MAX_SESSIONS))) delete this.sessions[old];
      return undefined;
    }
    const session = this.sessions[key];
    if (!session) return undefined;
    if (SESSION_CLOSED.test(entry.message)) {
      delete this.sessions[key];
      return undefined;
    }
    const open = OPEN.exec(entry.message);
    if (open) {
      if (Object.keys(session.opens).length < MAX_OPEN_FILES) session.opens[open[1]!] = open[2]!;
      return undefined;
    }
    const close = CLOSE.exec(entry.message);
    if (!close) return undefined;
    const [, forced, file, read, written] = close as unknown as [string, string | undefined, string, string, string];
    const flags = session.opens[file] ?? '';
    delete session.opens[file];
    const isUpload = Number(written) > 0 || (Number(read) === 0 && /WRITE|APPEND|CREATE/.test(flags));
    return {
      username: session.user,
      remoteIp: session.remoteIp,
      direction: isUpload ? 'UPLOAD' : 'DOWNLOAD',
      objectName: path.posix.basename(file) || file,
      path: file,
      sizeBytes: Number(isUpload ? written : read),
      status: forced ? 'FAILED' : 'SUCCESS',
      error: forced ? 'the SFTP session ended with the file still open' : undefined,
      occurredAt: entry.loggedAt,
    };
  }
}
