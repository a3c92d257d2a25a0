/**
 * The operation checks as an Apollo plugin, once the operation is known and before it runs: no
 * subscriptions over HTTP, no unstorable text, and the limits.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { inputTextError } from './input-text.js';
import { fragmentsOf, limitErrors, measureOperation, type OperationLimits } from './operation-limits.js';

export function operationLimitsPlugin<Context extends object>(limits: OperationLimits): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, schema }) {
          if (!operation) return;
          if (operation.operation === 'subscription') {
            throw new GraphQLError('Subscriptions are served over WebSocket (graphql-transport-ws) at /graphql, not over HTTP', {
              extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
            });
          }
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
