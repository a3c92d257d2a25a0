/**
 * One line of a syslog file as a system log entry. The formats rsyslog and syslog-ng write:
 *
 *   Nov 27 10:02:00 web01 sshd[812]: Failed password for root     traditional (RFC 3164), local time
 *   2026-11-27T10:02:00.123456+01:00 web01 sshd[812]: …            rsyslog's high-precision (RFC 3339) format
 *   <38>1 2026-11-27T10:02:00.123Z web01 sshd 812 - - …            RFC 5424 (rsyslog's SyslogProtocol23 format)
 *   <38>Nov 27 10:02:00 web01 sshd[812]: …                         RFC 3164 with its PRI
 *
 * The level comes from the PRI when the line has one; otherwise it is INFO, except for the lines of
 * an auth log that report a failed sign-in or sudo attempt, which are WARNING. A traditional
 * timestamp has no year and no zone: it is the agent's local time (the syslog daemon's too, on the
 * same machine), in the year that puts it no more than a day ahead of now.
 */
import { levelOfSeverity, type LogLevel, type SystemLogEntry } from './system-log-events.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const TRADITIONAL_TIME = /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([ \d]\d) (\d\d):(\d\d):(\d\d) (.*)$/;
const ISO_TIME = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)`;
const RFC3339_TIME = new RegExp(`^(${ISO_TIME}) (.*)$`);
const RFC3339_ONLY = new RegExp(`^${ISO_TIME}$`);
const PRI = /^<(\d{1,3})>(.*)$/;
/** After the PRI: version, timestamp, host, app, procid, msgid, then structured data and the message. */
const RFC5424_HEADER = /^1 (\S+) \S+ (\S+) (\S+) \S+ (.*)$/;
/** host, then `program[pid]: message` or `program: message`. */
const HOST_AND_TAG = /^\S+ ([^\s[\]:]{1,256})(?:\[(\d{1,10})\])?:(?: (.*)|$)/;
const HOST_ONLY = /^\S+ (.*)$/;

/** Auth log lines worth a second look: failed sign-ins and refused sudo. */
const ATTENTION: readonly { program: RegExp; message: RegExp }[] = [
  { program: /^sshd(-session)?$/, message: /^(Failed \S+ for |Invalid user |error: maximum authentication attempts exceeded)/ },
  { program: /^sudo$/, message: /(incorrect password attempts?|user NOT in sudoers|command not allowed)/ },
  { program: /./, message: /\bauthentication failure\b/ },
];

function attentionLevel(program: string, message: string): LogLevel {
  return ATTENTION.some((rule) => rule.program.test(program) && rule.message.test(message)) ? 'WARNING' : 'INFO';
}

function isoTime(text: string): Date | undefined {
  if (!RFC3339_ONLY.test(text)) return undefined;
  const time = new Date(text);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

function traditionalTime(month: string, day: string, hms: [string, string, string], now: Date): Date {
  const at = (year: number) => new Date(year, MONTHS.indexOf(month), Number(day), Number(hms[0]), Number(hms[1]), Number(hms[2]));
  const thisYear = at(now.getFullYear());
  return thisYear.getTime() > now.getTime() + 24 * 3600_000 ? at(now.getFullYear() - 1) : thisYear;
}

/** The message of an RFC 5424 line: after its structured data (`-` or `[…]` elements, `\]` escaped inside). */
function afterStructuredData(text: string): string {
  if (text.startsWith('- ')) return text.slice(2);
  if (text === '-') return '';
  const match = /^(?:\[(?:[^\]\\]|\\.)*\])+ ?(.*)$/s.exec(text);
  return (match ? match[1]! : text).replace(/^\uFEFF/, '');
}

/** `host program[pid]: message` → its parts; a line without a tag keeps `fallbackProgram`. */
function tagged(rest: string, fallbackProgram: string): { program: string; pid: number | undefined; message: string } {
  const tag = HOST_AND_TAG.exec(rest);
  if (tag) return { program: tag[1]!, pid: tag[2] === undefined ? undefined : Number(tag[2]), message: tag[3] ?? '' };
  return { program: fallbackProgram, pid: undefined, message: HOST_ONLY.exec(rest)?.[1] ?? rest };
}

/** The entry of one line, or undefined when the line is in none of the formats above. */
export function parseSyslogLine(line: string, now: Date, fallbackProgram: string): SystemLogEntry | undefined {
  let text = line;
  let severity: number | undefined;
  const pri = PRI.exec(text);
  if (pri && Number(pri[1]) <= 191) {
    severity = Number(pri[1]) % 8;
    text = pri[2]!;
    const header = RFC5424_HEADER.exec(text);
    if (header) {
      const loggedAt = header[1] === '-' ? now : isoTime(header[1]!);
      if (!loggedAt) return undefined;
      const pid = /^\d{1,10}$/.test(header[3]!) ? Number(header[3]) : undefined;
      return {
        program: header[2] === '-' ? fallbackProgram : header[2]!,
        level: levelOfSeverity(severity),
        pid,
        message: afterStructuredData(header[4]!),
        loggedAt,
      };
    }
  }
  let loggedAt: Date | undefined;
  let rest: string;
  const traditional = TRADITIONAL_TIME.exec(text);
  const rfc3339 = traditional ? undefined : RFC3339_TIME.exec(text);
  if (traditional) {
    loggedAt = traditionalTime(traditional[1]!, traditional[2]!.trim(), [traditional[3]!, traditional[4]!, traditional[5]!], now);
    rest = traditional[6]!;
  } else if (rfc3339) {
    loggedAt = isoTime(rfc3339[1]!);
    rest = rfc3339[2]!;
  } else {
    return undefined;
  }
  if (!loggedAt || Number.isNaN(loggedAt.getTime())) return undefined;
  const { program, pid, message } = tagged(rest, fallbackProgram);
  return { program, level: severity === undefined ? attentionLevel(program, message) : levelOfSeverity(severity), pid, message, loggedAt };
}
