/**
 * The one place where errors become what clients see. Vigil's typed errors keep their message and
 * code; GraphQL's own errors (parse, validation, variable coercion) pass through; anything else is
 * an internal error whose message and stack stay in the logs, not in the response.
 */
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { AppError, Unauthenticated } from '../server/errors.js';

export function formatGraphQLError(formatted: GraphQLFormattedError, error: unknown, options: { includeStacktrace: boolean }): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  // `http` tells Apollo the status of a refused request and is removed by it; over WebSocket no
  // one reads it.
  const { stacktrace, http: _http, ...extensions } = (formatted.extensions ?? {}) as Record<string, unknown>;
  const keepStack = options.includeStacktrace && stacktrace ? { stacktrace } : {};
  if (original instanceof AppError) {
    return { ...formatted, message: original.message, extensions: { code: original.code, ...original.details, ...keepStack } };
  }
  const code = extensions.code;
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
    return { ...formatted, extensions: { ...extensions, ...keepStack } };
  }
  if (isRequestError(error)) return { ...formatted, extensions: { ...extensions, code: 'BAD_REQUEST', ...keepStack } };
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR', ...keepStack },
  };
}

/**
 * A Vigil error that refuses a whole request before anything runs, as a GraphQLError: its code and
 * details, and the HTTP status Apollo answers with (and WWW-Authenticate for UNAUTHENTICATED).
 */
export function requestErrorOf(error: AppError): GraphQLError {
  const headers = error instanceof Unauthenticated ? { headers: new Map([['www-authenticate', 'Bearer']]) } : {};
  return new GraphQLError(error.message, { extensions: { code: error.code, ...error.details, http: { status: error.httpStatus, ...headers } } });
}

/** The code a client sees for `error`: Vigil's own, GraphQL's, or INTERNAL_SERVER_ERROR for faults. */
export function errorCodeOf(error: unknown): string {
  const original = unwrapResolverError(error);
  if (original instanceof AppError) return original.code;
  const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
  if (typeof code === 'string') return code;
  return isRequestError(error) ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR';
}

/**
 * An error GraphQL or Apollo raised about the request itself (too many variable errors, an
 * unsupported persisted query) rather than a fault while running it: no resolver path, nothing
 * thrown underneath. The client's to fix.
 */
function isRequestError(error: unknown): boolean {
  return error instanceof GraphQLError && !error.originalError && !error.path;
}
