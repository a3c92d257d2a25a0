/**
 * `/access <servers> <duration> --reason "…" [--sudo]` and `/sudo <server> <command…> --reason "…"`,
 * parsed into the inputs of requestAccess and requestSudo (the same mutations as the API).
 */
import { parseDurationMinutes, splitWords, takeOptions } from './command-words.js';

export type Parsed<T> = { readonly input: T } | { readonly error: string };

export const ACCESS_USAGE = 'Usage: `/access web-01,db-01 2h --reason "deploy the hotfix"` (add `--sudo` to ask for sudo too)';
export const SUDO_USAGE = 'Usage: `/sudo web-01 systemctl restart nginx --reason "stuck worker"`';

export function parseAccessCommand(text: string): Parsed<{ servers: string[]; durationMinutes: number; reason: string; isSudoRequested: boolean }> {
  const words = splitWords(text);
  const isSudoRequested = words.includes('--sudo');
  const taken = takeOptions(
    words.filter((word) => word !== '--sudo'),
    ['reason'],
  );
  if ('error' in taken) return { error: `${taken.error}. ${ACCESS_USAGE}` };
  const rest = taken.rest;
  const [servers, duration, ...extra] = rest;
  if (!servers || !duration) return { error: ACCESS_USAGE };
  if (extra.length > 0) return { error: `Unexpected \`${extra[0]}\`. ${ACCESS_USAGE}` };
  const durationMinutes = parseDurationMinutes(duration);
  if (!durationMinutes) return { error: `The duration is minutes, or a number with m, h or d such as 90m or 2h (not \`${duration}\`)` };
  if (!taken.options.reason) return { error: `A reason is required. ${ACCESS_USAGE}` };
  return {
    input: {
      servers: servers
        .split(',')
        .map((server) => server.trim())
        .filter(Boolean),
      durationMinutes,
      reason: taken.options.reason,
      isSudoRequested,
    },
  };
}

const REASON_OPTION = /(?:^|\s)--reason(?:=|\s+)(?:"([^"]*)"|'([^']*)'|“([^”]*)”|(\S+))/;

/** The command stays exactly as typed (quotes and all): it is what approvers see and what the grant must match. */
export function parseSudoCommand(text: string): Parsed<{ server: string; command: string; reason: string }> {
  const reasonMatch = REASON_OPTION.exec(text);
  const reason = reasonMatch ? (reasonMatch[1] ?? reasonMatch[2] ?? reasonMatch[3] ?? reasonMatch[4]) : undefined;
  const rest = (reasonMatch ? text.slice(0, reasonMatch.index) + text.slice(reasonMatch.index + reasonMatch[0].length) : text).trim();
  const split = /^(\S+)\s+([\s\S]+)$/.exec(rest);
  if (!split) return { error: SUDO_USAGE };
  const [, server, command] = split;
  if (!reason?.trim()) return { error: `A reason is required. ${SUDO_USAGE}` };
  return { input: { server: server!, command: command!.trim(), reason: reason.trim() } };
}
