/**
 * The operation checks as an Apollo plugin, once the operation is known and before it runs: no
 * subscriptions over HTTP, what a stream token may run, who may introspect, no unstorable text,
 * and the limits.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Actor } from '../../server/auth/actor.js';
import type { IntrospectionPolicy } from '../../server/config.js';
import { inputTextError } from './input-text.js';
import { introspectionError } from './introspection.js';
import { streamCredentialError } from './stream-credential.js';
import { fragmentsOf, limitErrors, measureOperation, type OperationLimits } from './operation-limits.js';

export function operationLimitsPlugin<Context extends { readonly actor: Actor | null }>(
  limits: OperationLimits & { readonly introspection: IntrospectionPolicy },
): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document, operation, request, schema }) {
          if (!operation) return;
          if (operation.operation === 'subscription') {
            throw new GraphQLError('Subscriptions are served over WebSocket (graphql-transport-ws) at /graphql, not over HTTP', {
              extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
            });
          }
          const streamRefusal = streamCredentialError(document, operation, contextValue.actor);
          if (streamRefusal) throw streamRefusal;
          const refusal = introspectionError(schema, document, limits.introspection, contextValue.actor);
          if (refusal) throw refusal;
          const badText = inputTextError(document, request.variables);
          if (badText) throw badText;
          const measure = measureOperation(schema, operation, fragmentsOf(document.definitions), request.variables ?? {});
          const [first] = limitErrors(measure, limits);
          if (first) throw first;
        },
      };
    },
  };
}
