/**
 * Every text the bots show people, in one catalogue (en.ts, and a file per other language with
 * exactly its keys and placeholders: test/bots/bot-messages.test.ts fails the build otherwise), and how a chat
 * user's locale picks one.
 *
 * A message is a template with named placeholders, `{server}`, and ICU-style plurals for counts,
 * `{count, plural, one {# approval} other {# approvals}}` (`#` is the count; `=0 {…}` picks an
 * exact number; the categories are Intl.PluralRules' for the language). Nothing else of ICU:
 * a plural's branches hold text and `#` only, and a literal brace is passed as a placeholder's value.
 *
 * A locale the catalogue lacks falls back to its language (de-AT → de), then to English.
 *
 * Who reads what in which language: a person's own answers (commands, lists, refusals, modals,
 * dialogs) in theirs; what is posted where many read it (approver channels, alert channels,
 * inserted cards) and what the API records (an extension's carried-over reason, delivery errors)
 * in English. Not in the catalogue yet: the Slack App Home (home-view.ts, app-home.ts: a Home is
 * republished by whichever instance sees a change, so its language would have to be stored with
 * the chat identity), the extension buttons' own files (slack/extension-actions.ts,
 * teams/extension-cards.ts; their shared sentences here already take a locale), and the browser
 * page of the Slack OAuth install (slack/install-routes.ts: a browser, not a chat client).
 */
import { de } from './de.js';
import { en } from './en.js';

export type English = typeof en;
export type MessageKey = keyof English;
/** Another language: every English key, as a template of its own. */
export type Translation = { readonly [K in MessageKey]: string };

export const CATALOGUE = { en, de } as const satisfies Record<string, Translation>;
export type Locale = keyof typeof CATALOGUE;
export const DEFAULT_LOCALE: Locale = 'en';

/** The placeholder names of a template, as a type (`{name}`, and `{count, plural, …}`'s count). */
type NamesIn<S extends string> = S extends `${string}{${infer Inside}}${infer Rest}` ? NameOf<Inside> | NamesIn<Rest> : never;
type NameOf<Inside extends string> = Inside extends `${infer Name}, ${string}`
  ? Name
  : Inside extends `${string} ${string}` | `#${string}` | ''
    ? never
    : Inside;
export type MessageParams<K extends MessageKey> = Record<NamesIn<English[K]>, string | number>;
type ParamsArgument<K extends MessageKey> = [NamesIn<English[K]>] extends [never] ? [] : [params: MessageParams<K>];

/** The catalogue's language for a platform's locale tag (`de-DE`, `de_AT`, `en-GB`); English for anything else. */
export function resolveLocale(tag: string | null | undefined): Locale {
  const language = (tag ?? '').trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return Object.hasOwn(CATALOGUE, language) ? (language as Locale) : DEFAULT_LOCALE;
}

/** The message `key` in `locale`'s language, its placeholders filled. */
export function say<K extends MessageKey>(locale: Locale, key: K, ...[params]: ParamsArgument<K>): string {
  const template: string = CATALOGUE[locale][key] ?? en[key];
  return formatMessage(template, params ?? {}, locale);
}

/** Where each `{…}` of `template` starts and ends, at the top level (a plural's branches inside). */
function* topLevelBraces(template: string): Generator<{ start: number; end: number }> {
  let depth = 0;
  let start = -1;
  for (let index = 0; index < template.length; index += 1) {
    if (template[index] === '{') {
      if (depth === 0) start = index;
      depth += 1;
    } else if (template[index] === '}' && depth > 0) {
      depth -= 1;
      if (depth === 0) yield { start, end: index };
    }
  }
  if (depth !== 0) throw new Error(`unbalanced braces in message: ${template}`);
}

export function formatMessage(template: string, params: Record<string, string | number>, locale: Locale): string {
  let text = '';
  let from = 0;
  for (const { start, end } of topLevelBraces(template)) {
    text += template.slice(from, start) + formatPlaceholder(template.slice(start + 1, end), params, locale);
    from = end + 1;
  }
  return text + template.slice(from);
}

function formatPlaceholder(inside: string, params: Record<string, string | number>, locale: Locale): string {
  const plural = /^(\w+), plural, ([\s\S]*)$/.exec(inside);
  const name = plural ? plural[1]! : inside;
  if (!Object.hasOwn(params, name)) throw new Error(`message placeholder {${name}} has no value`);
  const value = params[name]!;
  if (!plural) return String(value);
  const count = Number(value);
  const branches = pluralBranches(plural[2]!);
  const chosen = branches.get(`=${count}`) ?? branches.get(new Intl.PluralRules(locale).select(count)) ?? branches.get('other');
  if (chosen === undefined) throw new Error(`message plural {${name}} has no "other" branch`);
  return chosen.replaceAll('#', String(count));
}

/** `one {# approval} other {# approvals}` as selector → text. */
export function pluralBranches(options: string): Map<string, string> {
  const branches = new Map<string, string>();
  let from = 0;
  for (const { start, end } of topLevelBraces(options)) {
    branches.set(options.slice(from, start).trim(), options.slice(start + 1, end));
    from = end + 1;
  }
  return branches;
}

/**
 * A template's placeholders, as `name` or `name:plural`: what every language must share (a
 * plural's branches are the language's own, but each has `other`).
 */
export function placeholdersOf(template: string): string[] {
  const found: string[] = [];
  for (const { start, end } of topLevelBraces(template)) {
    const inside = template.slice(start + 1, end);
    const plural = /^(\w+), plural, ([\s\S]*)$/.exec(inside);
    if (plural && !pluralBranches(plural[2]!).has('other')) throw new Error(`message plural {${plural[1]}} has no "other" branch: ${template}`);
    found.push(plural ? `${plural[1]}:plural` : inside);
  }
  return [...new Set(found)].sort();
}
