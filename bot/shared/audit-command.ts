/**
 * `/audit` (Slack) and `audit` (Teams): the same words, the same answers. Parsing only: what to
 * ask, with which filters; the bots run it as the caller (run-operation.ts) and render the rows.
 */
import { parseSince, splitWords, takeOptions } from './command-words.js';
import { DEFAULT_LOCALE, say, type Locale } from './messages/catalogue.js';

export const AUDIT_SUBCOMMANDS = ['my-commands', 'my-sessions', 'my-transfers', 'my-sudo', 'commands', 'sessions', 'approvals', 'activity'] as const;
export type AuditSubcommand = (typeof AUDIT_SUBCOMMANDS)[number];

export interface AuditFilters {
  /** A server name or id, resolved by the bot. */
  readonly server?: string;
  readonly since?: Date;
  readonly status?: string;
  /** A person's email or id, resolved by the bot. */
  readonly user?: string;
}

export type AuditCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'link'; readonly code: string }
  | { readonly kind: 'bind'; readonly code: string }
  | { readonly kind: 'list'; readonly subcommand: AuditSubcommand; readonly filters: AuditFilters }
  | { readonly kind: 'error'; readonly message: string };

/** The statuses each list can be filtered by, as typed (lower case). */
export const STATUSES: Partial<Record<AuditSubcommand, readonly string[]>> = {
  'my-commands': ['scheduled', 'running', 'success', 'failed', 'unresponsive'],
  commands: ['scheduled', 'running', 'success', 'failed', 'unresponsive'],
  'my-sessions': ['active', 'ended'],
  sessions: ['active', 'ended'],
  'my-transfers': ['success', 'failed'],
  approvals: ['pending', 'approved', 'denied', 'cancelled', 'expired'],
  'my-sudo': ['active'],
};

const OPTIONS = ['server', 'since', 'status', 'user'];

/** The help, as Slack spells it (slash commands); Teams' own is in turns.ts. */
export const auditHelp = (locale: Locale) => `${say(locale, 'help.heading')}\n${say(locale, 'help.body')}`;

export function parseAuditCommand(text: string, now: Date, locale: Locale = DEFAULT_LOCALE): AuditCommand {
  const words = splitWords(text);
  const [first, ...rest] = words;
  if (!first || first === 'help') return { kind: 'help' };
  if (first === 'link') {
    if (rest.length !== 1) return { kind: 'error', message: say(locale, 'audit.linkUsage') };
    return { kind: 'link', code: rest[0]! };
  }
  if (first === 'bind') {
    if (rest.length === 0) return { kind: 'error', message: say(locale, 'audit.bindUsage') };
    return { kind: 'bind', code: rest.join('') };
  }
  if (!(AUDIT_SUBCOMMANDS as readonly string[]).includes(first)) {
    const subcommands = AUDIT_SUBCOMMANDS.map((name) => `\`${name}\``).join(', ');
    return { kind: 'error', message: say(locale, 'audit.unknownSubcommand', { subcommand: first, subcommands }) };
  }
  const subcommand = first as AuditSubcommand;
  const taken = takeOptions(rest, OPTIONS, locale);
  if ('error' in taken) return { kind: 'error', message: taken.error };
  if (taken.rest.length > 0) return { kind: 'error', message: say(locale, 'audit.unexpectedWord', { word: taken.rest[0]! }) };
  const { server, since, status, user } = taken.options;
  const filters: { -readonly [K in keyof AuditFilters]: AuditFilters[K] } = {};
  if (server !== undefined) filters.server = server;
  if (since !== undefined) {
    const from = parseSince(since, now);
    if (!from) return { kind: 'error', message: say(locale, 'audit.badSince', { since }) };
    filters.since = from;
  }
  if (status !== undefined) {
    const allowed = STATUSES[subcommand];
    if (!allowed) return { kind: 'error', message: say(locale, 'audit.statusNotApplicable', { subcommand }) };
    if (!allowed.includes(status.toLowerCase()))
      return { kind: 'error', message: say(locale, 'audit.badStatus', { subcommand, statuses: allowed.join(', '), status }) };
    filters.status = status.toLowerCase();
  }
  if (user !== undefined) {
    if (subcommand.startsWith('my-')) return { kind: 'error', message: say(locale, 'audit.userOnOwnList', { subcommand }) };
    filters.user = user;
  }
  if (subcommand === 'activity' && filters.server) return { kind: 'error', message: say(locale, 'audit.serverOnActivity') };
  return { kind: 'list', subcommand, filters };
}
