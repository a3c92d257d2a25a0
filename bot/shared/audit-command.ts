/**
 * `/audit` (Slack) and `audit` (Teams): the same words, the same answers. Parsing only: what to
 * ask, with which filters; the bots run it as the caller (run-operation.ts) and render the rows.
 */
import { parseSince, splitWords, takeOptions } from './command-words.js';

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

export const AUDIT_HELP = [
  'Ask about the record:',
  '`my-commands`, `my-sessions`, `my-transfers`, `my-sudo`: yours',
  '`commands`, `sessions`, `approvals`: yours, or everyone’s if your role allows; `activity`: admins',
  'Filters: `--server web-01` `--since 24h` (or 7d, 30m, 2026-11-01) `--status failed` `--user bob@example.com` (not with my-…)',
  '`link CODE`: link this chat account to your Vigil user with a one-time code from Vigil (a Vigil admin makes one for you)',
  '`bind CODE`: workspace admins: connect this workspace to a Vigil tenant with the code its admin got from bindChatWorkspace',
  'Requests: `/access web-01,db-01 2h --reason "…"` and `/sudo web-01 systemctl restart nginx --reason "…"`',
].join('\n');

export function parseAuditCommand(text: string, now: Date): AuditCommand {
  const words = splitWords(text);
  const [first, ...rest] = words;
  if (!first || first === 'help') return { kind: 'help' };
  if (first === 'link') {
    if (rest.length !== 1) return { kind: 'error', message: 'Usage: `link CODE`, with the one-time code from Vigil (a Vigil admin makes one for you)' };
    return { kind: 'link', code: rest[0]! };
  }
  if (first === 'bind') {
    if (rest.length === 0) return { kind: 'error', message: 'Usage: `bind CODE`, with the code your Vigil admin got from bindChatWorkspace' };
    return { kind: 'bind', code: rest.join('') };
  }
  if (!(AUDIT_SUBCOMMANDS as readonly string[]).includes(first)) {
    return { kind: 'error', message: `Unknown subcommand \`${first}\`. Try ${AUDIT_SUBCOMMANDS.map((name) => `\`${name}\``).join(', ')} or \`help\`.` };
  }
  const subcommand = first as AuditSubcommand;
  const taken = takeOptions(rest, OPTIONS);
  if ('error' in taken) return { kind: 'error', message: taken.error };
  if (taken.rest.length > 0) return { kind: 'error', message: `Unexpected \`${taken.rest[0]}\`: filters are options such as \`--server web-01\`` };
  const { server, since, status, user } = taken.options;
  const filters: { -readonly [K in keyof AuditFilters]: AuditFilters[K] } = {};
  if (server !== undefined) filters.server = server;
  if (since !== undefined) {
    const from = parseSince(since, now);
    if (!from) return { kind: 'error', message: `--since takes a duration such as 24h, 7d or 30m, or a date such as 2026-11-01 (not \`${since}\`)` };
    filters.since = from;
  }
  if (status !== undefined) {
    const allowed = STATUSES[subcommand];
    if (!allowed) return { kind: 'error', message: `--status does not apply to \`${subcommand}\`` };
    if (!allowed.includes(status.toLowerCase()))
      return { kind: 'error', message: `--status for \`${subcommand}\` is one of ${allowed.join(', ')} (not \`${status}\`)` };
    filters.status = status.toLowerCase();
  }
  if (user !== undefined) {
    if (subcommand.startsWith('my-'))
      return { kind: 'error', message: `\`${subcommand}\` lists your own records: --user applies to commands, sessions, approvals and activity` };
    filters.user = user;
  }
  if (subcommand === 'activity' && filters.server) return { kind: 'error', message: '--server does not apply to `activity`' };
  return { kind: 'list', subcommand, filters };
}
