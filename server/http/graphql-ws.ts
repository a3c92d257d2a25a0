/**
 * GraphQL over WebSocket (graphql-ws) on the HTTP server's /graphql path.
 *
 * - The token comes in the connection_init payload (`{ authorization: "Bearer …" }` or
 *   `{ token: "…" }`); a connection without a valid one is closed with 4401 before any operation.
 * - A stream token connects like any token but runs only what schema/limits/stream-credential.ts
 *   lets it (the event stream, `me`); anything else it sends is refused with FORBIDDEN.
 * - Who the connection acts as is re-checked whenever that person or token changes (a domain
 *   event from any instance; for every person of the tenant when a custom role, its assignments or a
 *   server's labels change): a revoked token or a disabled user closes it with 4401; changed
 *   permissions apply to its open subscriptions from the next event on, as they do when one of
 *   the person's custom roles expires. A token or JWT that expires closes its socket (4401) when it does.
 * - A client that does not read what it is sent is closed with 4290: per subscription once too
 *   many events wait (schema/realtime/event-stream.ts), and per socket once the messages its
 *   subscriptions hold unsent (about one each: graphql-ws waits for each send) pass a byte limit,
 *   which matters for sockets with many subscriptions or large messages.
 * - Every socket is pinged (VIGIL_WS_PING_SECONDS); one that missed the previous pong is terminated.
 * - `dispose()` closes every socket with 1001 (going away).
 */
import type { Server } from 'node:http';
import { getOperationAST, GraphQLError, type GraphQLSchema } from 'graphql';
import type { Disposable } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { fragmentsOf, limitErrors, measureOperation } from '../../schema/limits/operation-limits.js';
import { inputTextError } from '../../schema/limits/input-text.js';
import { introspectionError } from '../../schema/limits/introspection.js';
import { streamCredentialError } from '../../schema/limits/stream-credential.js';
import type { Config } from '../config.js';
import { WebSocketServer, type WebSocket } from 'ws';
import { createGraphQLContext, type GraphQLContext, type SchemaDependencies } from '../../schema/context.js';
import { formatGraphQLError } from '../../schema/format-error.js';
import { CLOSE_SLOW_CONSUMER } from '../../schema/realtime/event-stream.js';
import type { Actor, RequestInfo } from '../auth/actor.js';
import type { Authenticator } from '../auth/authenticate.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { identityChangeConcerns } from '../auth/identity-change.js';
import { ALL_TENANTS, type EventBus } from '../realtime/event-bus.js';
import { operationDocuments } from './operation-documents.js';
import { requestIdOf, requestInfoOf } from './request-info.js';

export const CLOSE_UNAUTHORIZED = 4401;

interface ConnectionState extends Record<PropertyKey, unknown> {
  actor?: Actor;
  /** The upgrade request as the audit trail names it (address, agent, channel), read once per connection. */
  requestInfo?: RequestInfo;
  /** A re-check of who the connection acts as, in progress: deliveries wait for it. */
  recheck?: Promise<void>;
  /** The re-check due when a custom role of the person expires. */
  grantsTimer?: NodeJS.Timeout;
}

/** What the server keeps of each authenticated connection to re-check who it acts as. */
interface Connection {
  readonly socket: WebSocket;
  readonly authorization: string;
  readonly request: RequestInfo;
  readonly state: ConnectionState;
}

function tokenFromParams(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const authorization = params?.authorization ?? params?.Authorization;
  if (typeof authorization === 'string') return authorization;
  if (typeof params?.token === 'string') return `Bearer ${params.token}`;
  return undefined;
}

/** A browser cannot set headers on a WebSocket: the workspace an account admin acts in may come in connection_init. */
function withWorkspaceParam(request: RequestInfo, params: Readonly<Record<string, unknown>> | undefined): RequestInfo {
  const workspace = params?.workspace;
  return typeof workspace === 'string' && workspace.trim() !== '' ? { ...request, workspace: workspace.trim() } : request;
}

const closeReason = (message: string) => message.slice(0, 120); // the protocol allows 123 bytes

/** Closes a socket, and drops it a second later if the client never answers the close (it is not reading). */
function closeAndDrop(socket: WebSocket, code: number, reason: string): void {
  socket.close(code, closeReason(reason));
  setTimeout(() => socket.terminate(), 1000).unref();
}

export function startGraphQLWebSocket(options: {
  httpServer: Server;
  schema: GraphQLSchema;
  deps: SchemaDependencies;
  authenticator: Authenticator;
  bus: EventBus;
  logger: Logger;
  includeStacktrace: boolean;
  maxBufferedBytes: number;
  pingIntervalMs: number;
  limits: Config['graphql'];
}): Disposable {
  const { deps, authenticator, logger } = options;
  const wsServer = new WebSocketServer({ server: options.httpServer, path: '/graphql' });
  const format = (error: GraphQLError) => formatGraphQLError(error.toJSON(), error, { includeStacktrace: options.includeStacktrace });
  const connections = new Set<Connection>();
  const documents = operationDocuments(options.schema);

  async function recheck(connection: Connection): Promise<void> {
    let actor: Actor | null = null;
    try {
      actor = await authenticator.authenticate(connection.authorization, connection.request, { acceptsStreamTokens: true });
    } catch (error) {
      if (!(error instanceof AppError)) logger.warn({ err: error }, 'subscription re-authentication failed');
    }
    if (!actor) {
      connection.socket.close(CLOSE_UNAUTHORIZED, 'The token is no longer valid');
      return;
    }
    connection.state.actor = actor;
    recheckWhenGrantsChange(connection, actor);
  }

  function queueRecheck(connection: Connection): void {
    const previous = connection.state.recheck ?? Promise.resolve();
    connection.state.recheck = previous.then(() => recheck(connection));
  }

  /** A custom role that expires while the socket is open narrows its subscriptions then, not at the next identity change. */
  function recheckWhenGrantsChange(connection: Connection, actor: Actor): void {
    clearTimeout(connection.state.grantsTimer);
    connection.state.grantsTimer = undefined;
    const changeAt = actor.type === 'user' ? actor.grantsChangeAt : undefined;
    if (!changeAt) return;
    const delay = changeAt.getTime() - deps.clock.now().getTime();
    if (delay > 2 ** 31 - 1) return;
    connection.state.grantsTimer = setTimeout(() => queueRecheck(connection), Math.max(0, delay));
    connection.state.grantsTimer.unref();
  }

  /** A credential that expires closes its socket then (timers cap at ~24.8 days; longer ones wait). */
  function closeAtExpiry(connection: Connection, expiresAt: Date | undefined): NodeJS.Timeout | undefined {
    if (!expiresAt) return undefined;
    const delay = expiresAt.getTime() - deps.clock.now().getTime();
    if (delay > 2 ** 31 - 1) return undefined;
    const timer = setTimeout(() => connection.socket.close(CLOSE_UNAUTHORIZED, 'The token has expired'), Math.max(0, delay));
    timer.unref();
    return timer;
  }

  const stopWatching = options.bus.subscribe(ALL_TENANTS, (event) => {
    if (event.type !== 'identity.changed') return;
    for (const connection of connections) {
      const actor = connection.state.actor;
      if (actor && identityChangeConcerns(actor, event)) queueRecheck(connection);
    }
  });

  const server = useServer<Record<string, unknown> | undefined, ConnectionState & { socket: WebSocket }>(
    {
      schema: options.schema,
      async onConnect(ctx) {
        const authorization = tokenFromParams(ctx.connectionParams);
        try {
          const request = withWorkspaceParam(requestInfoOf(ctx.extra.request, requestIdOf(ctx.extra.request)), ctx.connectionParams);
          const actor = authorization ? await authenticator.authenticate(authorization, request, { acceptsStreamTokens: true }) : null;
          if (!actor) throw new GraphQLError('Authentication required: send the token in connection_init');
          ctx.extra.actor = actor;
          ctx.extra.requestInfo = request;
          const connection: Connection = { socket: ctx.extra.socket, authorization: authorization!, request, state: ctx.extra };
          connections.add(connection);
          const expiry = closeAtExpiry(connection, actor.type === 'system' ? undefined : actor.expiresAt);
          recheckWhenGrantsChange(connection, actor);
          ctx.extra.socket.once('close', () => {
            connections.delete(connection);
            if (expiry) clearTimeout(expiry);
            clearTimeout(connection.state.grantsTimer);
          });
          return true;
        } catch (error) {
          const reason = error instanceof AppError || error instanceof GraphQLError ? error.message : 'Unauthorized';
          ctx.extra.socket.close(CLOSE_UNAUTHORIZED, closeReason(reason));
          return false;
        }
      },
      // The same checks as over HTTP (a stream token's operations, introspection, depth, aliases, cost), before anything runs.
      // Returning the execution arguments spares graphql-ws parsing and validating the text again.
      onSubscribe(ctx, _id, payload) {
        const prepared = documents.prepare(payload.query);
        if ('errors' in prepared) return [...prepared.errors];
        const { document } = prepared;
        const operation = getOperationAST(document, payload.operationName);
        const streamRefusal = operation && streamCredentialError(document, operation, ctx.extra.actor ?? null);
        if (streamRefusal) return [streamRefusal];
        const refusal = introspectionError(options.schema, document, options.limits.introspection, ctx.extra.actor ?? null);
        if (refusal) return [refusal];
        const execution = { schema: options.schema, document, operationName: payload.operationName, variableValues: payload.variables };
        if (!operation) return execution;
        const badText = inputTextError(document, payload.variables ?? undefined);
        if (badText) return [badText];
        const errors = limitErrors(measureOperation(options.schema, operation, fragmentsOf(document.definitions), payload.variables ?? {}), options.limits);
        return errors.length > 0 ? errors : execution;
      },
      context(ctx): GraphQLContext {
        const state = ctx.extra;
        // Each operation has a request id of its own (the caller's X-Request-Id when it sent one).
        const requestId = requestIdOf(ctx.extra.request);
        const request = state.requestInfo ? { ...state.requestInfo, requestId } : requestInfoOf(ctx.extra.request, requestId);
        const base = createGraphQLContext(deps, state.actor ?? null, request);
        return {
          ...base,
          // Read at each use: a re-check after an identity change applies to open subscriptions.
          get actor() {
            return state.actor ?? null;
          },
          connection: { close: (code, reason) => closeAndDrop(ctx.extra.socket, code, reason) },
          whenCurrent: () => state.recheck ?? Promise.resolve(),
        };
      },
      onNext(ctx, _id, _payload, _args, result) {
        const socket = ctx.extra.socket;
        if (socket.bufferedAmount > options.maxBufferedBytes) {
          logger.warn({ bufferedBytes: socket.bufferedAmount }, 'slow WebSocket client disconnected');
          closeAndDrop(socket, CLOSE_SLOW_CONSUMER, `Client too slow: more than ${options.maxBufferedBytes} bytes unsent`);
          // graphql-ws sends nothing on a socket that is no longer open.
          return result;
        }
        if (!('errors' in result) || !result.errors) return result;
        return { ...result, errors: result.errors.map((error) => format(error)) };
      },
      onError(_ctx, _id, _payload, errors) {
        return errors.map(format);
      },
    },
    wsServer,
    // graphql-ws pings every socket this often and terminates one that missed the previous pong.
    options.pingIntervalMs,
  );

  return {
    async dispose() {
      stopWatching();
      await server.dispose();
    },
  };
}
