/**
 * Sudo commands and patterns. A pattern is a command in which `*` stands for argument text (as in
 * sudoers: `systemctl restart *`); everything else matches itself. Commands compare after
 * collapsing runs of spaces and tabs, so `ls  -la` and `ls -la` are the same command.
 *
 * A wildcard stands for argument text only. Both sides are read as a shell would (shell-quote):
 * the command must be words, split by exactly the operators (`;`, `|`, `&&`, `>` …) the grant
 * spells, in the same places, and each run of words must match the grant's; a newline, a comment,
 * a command or variable substitution (`$(…)`, backticks, `$VAR`) is never argument text. So a grant
 * of `journalctl -u *` covers `journalctl -u nginx` and `journalctl -u 'a b'`, but never
 * `journalctl -u nginx; sh` nor `journalctl -u "$(sh)"`. An exact grant covers its own text only.
 */
import { parse } from 'shell-quote';

/** The sudo an access request made with sudo grants on each of its servers once approved: any command. */
export const ACCESS_SUDO_PATTERN = '*';

/** Runs of spaces and tabs become one space; line breaks stay, since a shell runs each line. */
export function normalizeCommand(command: string): string {
  return command.trim().replace(/[^\S\r\n]+/g, ' ');
}

const patternCache = new Map<string, RegExp>();

function patternRegExp(pattern: string): RegExp {
  let compiled = patternCache.get(pattern);
  if (!compiled) {
    const source = normalizeCommand(pattern)
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    compiled = new RegExp(`^${source}$`, 's');
    if (patternCache.size > 1000) patternCache.clear();
    patternCache.set(pattern, compiled);
  }
  return compiled;
}

/**
 * Whether `text` matches `pattern` as plain text, `*` standing for any characters at all: for
 * alert rules, which look for commands (any line that contains the dangerous part), not grants.
 */
export function matchesLinePattern(pattern: string, text: string): boolean {
  return patternRegExp(pattern).test(normalizeCommand(text));
}

/** A command as a shell reads it: its runs of words (each as one text) and the operators between them. */
interface CommandShape {
  readonly runs: readonly string[];
  readonly operators: readonly string[];
}

/** Substitutions are kept as written (`$HOME` stays `$HOME`), so they can be told apart below. */
const keepVariables = (name: string) => `$${name}`;

/**
 * The shape of `command`, or undefined when it holds what is never argument text: a line break, a
 * comment, or (unless `isGrant`, whose author spelled it) a substitution.
 */
function shapeOf(command: string, isGrant: boolean): CommandShape | undefined {
  if (/[\r\n\0]/.test(command)) return undefined;
  const runs: string[][] = [[]];
  const operators: string[] = [];
  for (const token of parse(command, keepVariables)) {
    if (typeof token === 'string') {
      if (!isGrant && /[$`]/.test(token)) return undefined;
      runs.at(-1)!.push(token);
    } else if ('op' in token && token.op === 'glob') {
      runs.at(-1)!.push(token.pattern);
    } else if ('op' in token) {
      operators.push(token.op);
      runs.push([]);
    } else {
      return undefined;
    }
  }
  return { runs: runs.map((words) => words.join(' ')), operators };
}

/** Whether a grant (`command`, or a pattern when `isPattern`) covers the command to run. */
export function grantCovers(grant: { command: string; isPattern: boolean }, command: string): boolean {
  if (!grant.isPattern) return normalizeCommand(grant.command) === normalizeCommand(command);
  const wanted = shapeOf(command, false);
  const granted = shapeOf(grant.command, true);
  if (!wanted || !granted) return false;
  if (wanted.operators.length !== granted.operators.length || wanted.operators.some((operator, index) => operator !== granted.operators[index])) return false;
  return granted.runs.every((run, index) => patternRegExp(run).test(wanted.runs[index]!));
}

/**
 * Whether an allowlist entry (always a pattern) covers a request. A requested pattern is covered
 * only by the same pattern: whether one pattern contains another is not worth guessing at.
 */
export function allowlistCovers(entry: string, request: { command: string; isPattern: boolean }): boolean {
  return request.isPattern ? normalizeCommand(entry) === normalizeCommand(request.command) : grantCovers({ command: entry, isPattern: true }, request.command);
}
