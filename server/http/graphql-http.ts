/**
 * GraphQL over HTTP at /graphql (Apollo Server on express). Authentication happens once per
 * request, in the context function: no token gives an anonymous context (resolvers then answer
 * UNAUTHENTICATED), a bad token fails the whole request with 401. Apollo's landing page (which
 * loads from Apollo's CDN) is off: a browser opening /graphql gets Vigil's own explorer
 * (server/http/explorer-routes.ts).
 */
import type { Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type RequestHandler } from 'express';
import type { GraphQLSchema } from 'graphql';
import type { Disposable } from 'graphql-ws';
import { createGraphQLContext, type GraphQLContext, type SchemaDependencies } from '../../schema/context.js';
import { formatGraphQLError, requestErrorOf } from '../../schema/format-error.js';
import type { Authenticator } from '../auth/authenticate.js';
import { AppError } from '../errors.js';
import { observabilityPlugin, readAfterWritePlugin } from './apollo-plugins.js';
import { compiledExecution } from './compiled-execution.js';
import { batchCost } from '../../schema/limits/batch-cost.js';
import { operationLimitsPlugin } from '../../schema/limits/limits-plugin.js';
import type { Config } from '../config.js';
import type { Metrics } from './metrics.js';
import { readAfterOf } from './read-after.js';
import { requestInfoOf } from './request-info.js';

export interface GraphQLHttpOptions {
  httpServer: Server;
  schema: GraphQLSchema;
  deps: SchemaDependencies;
  authenticator: Authenticator;
  metrics: Metrics;
  /** Closed when Apollo drains, before the HTTP server stops. */
  webSocket: Disposable;
  includeStacktrace: boolean;
  bodyLimit: string;
  shutdownGraceMs: number;
  limits: Config['graphql'];
}

export async function startGraphQLHttp(options: GraphQLHttpOptions): Promise<{ handler: RequestHandler[]; apollo: ApolloServer<GraphQLContext> }> {
  const { deps, authenticator } = options;
  const apollo = new ApolloServer<GraphQLContext>({
    // The schema, with execution compiled per operation (graphql-jit).
    gateway: compiledExecution(options.schema),
    // Who may introspect is decided per caller, by operationLimitsPlugin (VIGIL_GRAPHQL_INTROSPECTION).
    introspection: true,
    // A batch is an array of operations in one request; batchCap() bounds how many.
    allowBatchedHttpRequests: true,
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: options.includeStacktrace,
    formatError: (formatted, error) => formatGraphQLError(formatted, error, { includeStacktrace: options.includeStacktrace }),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: options.httpServer, stopGracePeriodMillis: options.shutdownGraceMs }),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await options.webSocket.dispose();
            },
          };
        },
      },
      observabilityPlugin(options.metrics, deps.logger),
      readAfterWritePlugin(deps.reads, deps.logger),
      operationLimitsPlugin(options.limits),
      // Vigil sets no cache hints; the built-in cache-control plugin would still wrap every field
      // of every response to compute a policy (a large share of a 100-row page's CPU).
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  const handler = expressMiddleware(apollo, {
    async context({ req, res }) {
      const request = requestInfoOf(req, String(res.getHeader('x-request-id') ?? ''));
      try {
        // A stream token runs only the event stream's operations: operationLimitsPlugin refuses the rest.
        const identity = await authenticator.identify(req.headers.authorization, request, { acceptsStreamTokens: true });
        return createGraphQLContext(deps, identity?.actor ?? null, request, { signedInUser: identity?.user, readAfter: readAfterOf(req) });
      } catch (error) {
        if (error instanceof AppError) throw requestErrorOf(error);
        throw error;
      }
    },
  });
  return { handler: [express.json({ limit: options.bodyLimit }), batchCap(options.schema, options.limits), handler], apollo };
}

/**
 * A batched request (a JSON array of operations) of more than VIGIL_GRAPHQL_MAX_BATCH operations,
 * or whose operations cost more than VIGIL_GRAPHQL_MAX_COST together, is refused before any runs.
 */
function batchCap(schema: GraphQLSchema, limits: Config['graphql']): RequestHandler {
  const refuse = (res: Parameters<RequestHandler>[1], message: string, extensions: Record<string, unknown>) =>
    res.status(400).json({ errors: [{ message, extensions: { code: 'BAD_REQUEST', ...extensions } }] });
  return (req, res, next) => {
    if (!Array.isArray(req.body)) return next();
    const max = limits.maxBatch;
    if (req.body.length > max) {
      refuse(res, `A batch of ${req.body.length} operations is over the limit of ${max} (VIGIL_GRAPHQL_MAX_BATCH)`, {
        limit: 'batch',
        max,
        actual: req.body.length,
      });
      return;
    }
    const cost = batchCost(schema, req.body);
    if (cost > limits.maxCost) {
      refuse(res, `The batch costs ${cost} together, over the limit of ${limits.maxCost} (VIGIL_GRAPHQL_MAX_COST)`, {
        limit: 'batch_cost',
        max: limits.maxCost,
        actual: cost,
      });
      return;
    }
    next();
  };
}
