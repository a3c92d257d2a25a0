/**
 * Answers an `/audit` list for a chat caller: names in filters become ids (a server by name, a
 * person by email), the list's operation runs as the caller, and a refusal becomes one clear line.
 */
import type { GraphQLSchema } from 'graphql';
import type { SchemaDependencies } from '../../schema/context.js';
import type { ChatBotServices } from '../../server/chat/bot-services.js';
import { AUDIT_SUBCOMMANDS, type AuditFilters, type AuditSubcommand } from './audit-command.js';
import { AUDIT_LISTS, type ListData, type ListRow, type ResolvedFilters } from './audit-lists.js';
import { DEFAULT_LOCALE, say, type Locale } from './messages/catalogue.js';
import { runOperation, type ChatCaller } from './run-operation.js';

export const PAGE_SIZE = 10;

export interface ListAnswer {
  /** The language its heading and rows are in, for the rest of the list's words. */
  readonly locale: Locale;
  readonly heading: string;
  readonly rows: readonly ListRow[];
  /** What the "more" button carries to ask for the next page; null on the last one. */
  readonly more: MoreState | null;
}

export interface MoreState {
  readonly subcommand: AuditSubcommand;
  readonly filters: { serverId?: string; userId?: string; from?: string; status?: string };
  /** Null: the first page. */
  readonly after: string | null;
}

export async function resolveFilters(
  services: ChatBotServices,
  tenantId: string,
  filters: AuditFilters,
  locale: Locale = DEFAULT_LOCALE,
): Promise<ResolvedFilters | { error: string }> {
  const resolved: { -readonly [K in keyof ResolvedFilters]: ResolvedFilters[K] } = { from: filters.since, status: filters.status };
  if (filters.server) {
    const serverId = await services.serverIdOf(tenantId, filters.server);
    if (!serverId) return { error: say(locale, 'list.noServer', { server: filters.server }) };
    resolved.serverId = serverId;
  }
  if (filters.user) {
    const userId = await services.userIdOf(tenantId, filters.user);
    if (!userId) return { error: say(locale, 'list.noUser', { user: filters.user }) };
    resolved.userId = userId;
  }
  return resolved;
}

export async function answerList(
  bot: { readonly schema: GraphQLSchema; readonly deps: SchemaDependencies; readonly services: ChatBotServices },
  caller: ChatCaller,
  subcommand: AuditSubcommand,
  filters: ResolvedFilters,
  after: string | null,
): Promise<ListAnswer | { error: string }> {
  const spec = AUDIT_LISTS[subcommand];
  const locale = caller.locale ?? DEFAULT_LOCALE;
  // Someone else's rows, asked by a person who sees only their own: say so, rather than "0 shown".
  if (filters.userId && spec.recordKind && !bot.services.canSeeRecordsOf(caller.actor, spec.recordKind, filters.userId)) {
    return { error: say(locale, spec.recordKind === 'terminalSessions' ? 'list.onlyOwnSessions' : 'list.onlyOwn', { subcommand }) };
  }
  const filter = Object.fromEntries(Object.entries(spec.filter(filters, bot.deps.clock.now())).filter(([, value]) => value !== undefined));
  const result = await runOperation<ListData>(bot.schema, bot.deps, caller, spec.query, { first: PAGE_SIZE, after, filter });
  if (result.error) {
    return { error: result.error.code === 'FORBIDDEN' ? say(locale, 'list.forbidden', { subcommand, message: result.error.message }) : result.error.message };
  }
  const page = spec.page(result.data, locale);
  const more: MoreState | null =
    page.pageInfo.hasNextPage && page.pageInfo.endCursor
      ? {
          subcommand,
          filters: { serverId: filters.serverId, userId: filters.userId, from: filters.from?.toISOString(), status: filters.status },
          after: page.pageInfo.endCursor,
        }
      : null;
  return { locale, heading: say(locale, spec.heading), rows: page.rows, more };
}

/** A "More" button's value, checked: a value that is not a list's paging state is out of date. */
export function parseMoreState(value: string | undefined): MoreState | undefined {
  try {
    const state = JSON.parse(value ?? '') as Partial<MoreState> | null;
    if (!state || typeof state !== 'object' || (state.after !== null && typeof state.after !== 'string')) return undefined;
    if (!(AUDIT_SUBCOMMANDS as readonly string[]).includes(String(state.subcommand))) return undefined;
    const filters = state.filters && typeof state.filters === 'object' ? state.filters : {};
    for (const field of ['serverId', 'userId', 'from', 'status'] as const) {
      if (filters[field] !== undefined && typeof filters[field] !== 'string') return undefined;
    }
    return { subcommand: state.subcommand as AuditSubcommand, filters, after: state.after ?? null };
  } catch {
    return undefined;
  }
}

export function filtersOfMore(state: MoreState): ResolvedFilters {
  return {
    serverId: state.filters.serverId,
    userId: state.filters.userId,
    from: state.filters.from ? new Date(state.filters.from) : undefined,
    status: state.filters.status,
  };
}
