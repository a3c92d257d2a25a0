import { DEFAULT_LOCALE, say, type Locale } from './messages/catalogue.js';

/** Chat command text as words: spaces separate, quotes ("…" or '…' or “…”) keep spaces in one word. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|“([^”]*)”|(\S+)/g;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    words.push(match[1] ?? match[2] ?? match[3] ?? match[4]!);
  }
  return words;
}

/** A word's `--name value` options and the rest, in order; a repeated or valueless option is an error. */
export function takeOptions(
  words: readonly string[],
  allowed: readonly string[],
  locale: Locale = DEFAULT_LOCALE,
): { options: Record<string, string>; rest: string[] } | { error: string } {
  const options: Record<string, string> = {};
  const rest: string[] = [];
  for (let index = 0; index < words.length; index += 1) {
    const word = words[index]!;
    if (!word.startsWith('--')) {
      rest.push(word);
      continue;
    }
    const [name, inline] = word.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (!allowed.includes(name)) return { error: say(locale, 'options.unknown', { name, options: allowed.map((option) => `--${option}`).join(', ') }) };
    if (name in options) return { error: say(locale, 'options.twice', { name }) };
    const value = inline ?? words[index + 1];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) return { error: say(locale, 'options.noValue', { name }) };
    if (inline === undefined) index += 1;
    options[name] = value;
  }
  return { options, rest };
}

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `24h`, `30m`, `7d`, `2w` before `now`, or an ISO date; undefined when it is neither. */
export function parseSince(value: string, now: Date): Date | undefined {
  const relative = /^(\d{1,5})([mhdw])$/.exec(value.trim());
  if (relative) return new Date(now.getTime() - Number(relative[1]) * UNITS[relative[2]!]!);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** `90m`, `2h`, `1d` or plain minutes, as minutes; undefined otherwise. */
export function parseDurationMinutes(value: string): number | undefined {
  const match = /^(\d{1,6})([mhd]?)$/.exec(value.trim());
  if (!match) return undefined;
  const minutes = Number(match[1]) * ({ '': 1, m: 1, h: 60, d: 1440 } as Record<string, number>)[match[2]!]!;
  return minutes > 0 ? minutes : undefined;
}
