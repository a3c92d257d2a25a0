/**
 * The bots act through Vigil's own GraphQL schema, as the chat user's Vigil user: every row and
 * field rule of the API holds in chat without being written again. A refusal comes back as the
 * error's code and message, to be said in one line.
 */
import { execute, parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../../server/auth/actor.js';
import type { ChatProvider } from '../../server/chat/bot-services.js';
import { createGraphQLContext, type SchemaDependencies } from '../../schema/context.js';
import { formatGraphQLError } from '../../schema/format-error.js';
import { DEFAULT_LOCALE, say, type Locale } from './messages/catalogue.js';

export interface OperationError {
  readonly code: string;
  readonly message: string;
  readonly field?: string;
}

/**
 * An API message as a person reads it in chat: the API starts many with the input path it names
 * for programs ("input.servers.0: no server named …"); chat drops the path and keeps the sentence.
 */
export function forPeople(message: string, field?: string, locale: Locale = DEFAULT_LOCALE): string {
  // An id chat sent is one of Vigil's own buttons or cards: one that is not an id was tampered with or is from another version.
  if (field && message === `${field} is not a valid id`) return say(locale, 'operation.staleId');
  const sentence = field && message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

export type OperationResult<T> = { readonly data: T; readonly error?: undefined } | { readonly data?: undefined; readonly error: OperationError };

const documents = new Map<string, DocumentNode>();

export interface ChatCaller {
  readonly actor: Actor;
  readonly provider: ChatProvider;
  readonly chatUserId: string;
  /** The language the person reads (their chat client's, where the platform says); English when unknown. */
  readonly locale?: Locale;
}

/** The bot itself (Vigil, as the system), reading what it posts about a tenant. */
export const botCaller = (tenantId: string, provider: ChatProvider): ChatCaller => ({
  actor: { type: 'system', tenantId, name: `${provider}-bot` },
  provider,
  chatUserId: `${provider}-bot`,
});

export async function runOperation<T = Record<string, unknown>>(
  schema: GraphQLSchema,
  deps: SchemaDependencies,
  caller: ChatCaller,
  operation: string,
  variables: Record<string, unknown> = {},
): Promise<OperationResult<T>> {
  let document = documents.get(operation);
  if (!document) documents.set(operation, (document = parse(operation)));
  const contextValue = createGraphQLContext(deps, caller.actor, {
    requestId: randomUUID(),
    channel: caller.provider,
    chatUserId: caller.chatUserId,
  });
  const result = await execute({ schema, document, contextValue, variableValues: variables });
  const [first] = result.errors ?? [];
  if (first) {
    // The same mapping as the API's responses (schema/format-error.ts).
    const formatted = formatGraphQLError(first.toJSON(), first, { includeStacktrace: false });
    const code = String(formatted.extensions?.code);
    if (code === 'INTERNAL_SERVER_ERROR') deps.logger.error({ err: first.originalError ?? first, provider: caller.provider }, 'chat operation failed');
    const field = typeof formatted.extensions?.field === 'string' ? formatted.extensions.field : undefined;
    const locale = caller.locale ?? DEFAULT_LOCALE;
    const message = code === 'INTERNAL_SERVER_ERROR' ? say(locale, 'operation.internalError') : forPeople(formatted.message, field, locale);
    return { error: { code, message, field } };
  }
  return { data: result.data as T };
}
