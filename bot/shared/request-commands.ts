/**
 * `/access <servers> <duration> --reason "…" [--sudo]` and `/sudo <server> <command…> --reason "…"`,
 * parsed into the inputs of requestAccess and requestSudo (the same mutations as the API).
 */
import { parseDurationMinutes, splitWords, takeOptions } from './command-words.js';
import { DEFAULT_LOCALE, say, type Locale } from './messages/catalogue.js';

export type Parsed<T> = { readonly input: T } | { readonly error: string };

export function parseAccessCommand(
  text: string,
  locale: Locale = DEFAULT_LOCALE,
): Parsed<{ servers: string[]; durationMinutes: number; reason: string; isSudoRequested: boolean }> {
  const usage = say(locale, 'request.accessUsage');
  const words = splitWords(text);
  const isSudoRequested = words.includes('--sudo');
  const taken = takeOptions(
    words.filter((word) => word !== '--sudo'),
    ['reason'],
    locale,
  );
  if ('error' in taken) return { error: say(locale, 'request.withUsage', { problem: taken.error, usage }) };
  const rest = taken.rest;
  const [servers, duration, ...extra] = rest;
  if (!servers || !duration) return { error: usage };
  if (extra.length > 0) return { error: say(locale, 'request.unexpectedWord', { word: extra[0]!, usage }) };
  const durationMinutes = parseDurationMinutes(duration);
  if (!durationMinutes) return { error: say(locale, 'request.badDuration', { duration }) };
  if (!taken.options.reason) return { error: say(locale, 'request.reasonRequired', { usage }) };
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
export function parseSudoCommand(text: string, locale: Locale = DEFAULT_LOCALE): Parsed<{ server: string; command: string; reason: string }> {
  const usage = say(locale, 'request.sudoUsage');
  const reasonMatch = REASON_OPTION.exec(text);
  const reason = reasonMatch ? (reasonMatch[1] ?? reasonMatch[2] ?? reasonMatch[3] ?? reasonMatch[4]) : undefined;
  const rest = (reasonMatch ? text.slice(0, reasonMatch.index) + text.slice(reasonMatch.index + reasonMatch[0].length) : text).trim();
  const split = /^(\S+)\s+([\s\S]+)$/.exec(rest);
  if (!split) return { error: usage };
  const [, server, command] = split;
  if (!reason?.trim()) return { error: say(locale, 'request.reasonRequired', { usage }) };
  return { input: { server: server!, command: command!.trim(), reason: reason.trim() } };
}
