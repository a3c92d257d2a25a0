/**
 * GraphQL over WebSocket (graphql-ws) on the HTTP server's /graphql path. The token comes in the
 * connection_init payload (`{ authorization: "Bearer …" }` or `{ token: "…" }`); a connection
 * without a valid one is closed with 4401 before any operation runs. `dispose()` closes every
 * socket with 1001 (going away).
 */
import type { Server } from 'node:http';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { Disposable } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { createGraphQLContext, type SchemaDependencies } from '../../schema/context.js';
import { formatGraphQLError } from '../../schema/format-error.js';
import type { Actor } from '../auth/actor.js';
import type { Authenticator } from '../auth/authenticate.js';
import { AppError } from '../errors.js';
import { requestIdOf, requestInfoOf } from './request-info.js';

export const CLOSE_UNAUTHORIZED = 4401;

interface ConnectionState extends Record<PropertyKey, unknown> {
  actor?: Actor;
}

function tokenFromParams(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const authorization = params?.authorization ?? params?.Authorization;
  if (typeof authorization === 'string') return authorization;
  if (typeof params?.token === 'string') return `Bearer ${params.token}`;
  return undefined;
}

export function startGraphQLWebSocket(options: {
  httpServer: Server;
  schema: GraphQLSchema;
  deps: SchemaDependencies;
  authenticator: Authenticator;
  includeStacktrace: boolean;
}): Disposable {
  const { deps, authenticator } = options;
  const wsServer = new WebSocketServer({ server: options.httpServer, path: '/graphql' });
  const format = (error: GraphQLError) => formatGraphQLError(error.toJSON(), error, { includeStacktrace: options.includeStacktrace });

  return useServer<Record<string, unknown> | undefined, ConnectionState>(
    {
      schema: options.schema,
      async onConnect(ctx) {
        const authorization = tokenFromParams(ctx.connectionParams);
        try {
          const request = requestInfoOf(ctx.extra.request, requestIdOf(ctx.extra.request));
          const actor = authorization ? await authenticator.authenticate(authorization, request) : null;
          if (!actor) throw new GraphQLError('Authentication required: send the token in connection_init');
          ctx.extra.actor = actor;
          return true;
        } catch (error) {
          const reason = error instanceof AppError || error instanceof GraphQLError ? error.message : 'Unauthorized';
          // Close reasons are limited to 123 bytes by the WebSocket protocol.
          ctx.extra.socket.close(CLOSE_UNAUTHORIZED, reason.slice(0, 120));
          return false;
        }
      },
      context(ctx) {
        const requestId = requestIdOf(ctx.extra.request);
        return createGraphQLContext(deps, ctx.extra.actor ?? null, requestInfoOf(ctx.extra.request, requestId));
      },
      onNext(_ctx, _id, _payload, _args, result) {
        if (!('errors' in result) || !result.errors) return result;
        return { ...result, errors: result.errors.map((error) => format(error as GraphQLError)) };
      },
      onError(_ctx, _id, _payload, errors) {
        return errors.map(format);
      },
    },
    wsServer,
  );
}
