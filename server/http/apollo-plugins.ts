import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLContext } from '../../schema/context.js';
import { errorCodeOf } from '../../schema/format-error.js';
import type { ReadRouting } from '../reads/read-routing.js';
import type { Logger } from '../logger.js';
import { READ_AFTER_HEADER } from './read-after.js';
import type { Metrics } from './metrics.js';

/**
 * Times each operation, counts errors by code, and logs the faults (not the client's mistakes,
 * which the client already sees) with the request id so they can be found.
 */
export function observabilityPlugin(metrics: Metrics, logger: Logger): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      const stop = metrics.graphqlOperationDuration.startTimer();
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            const code = errorCodeOf(error);
            metrics.graphqlErrors.inc({ code });
            if (code === 'INTERNAL_SERVER_ERROR') {
              logger.error({ err: error.originalError ?? error, requestId: contextValue?.request?.requestId, path: error.path }, 'graphql operation failed');
            }
          }
        },
        async willSendResponse({ operationName, operation }) {
          stop({ operation: metrics.operationLabel(operationName), type: operation?.operation ?? 'unknown' });
        },
      };
    },
  };
}

/**
 * With a read replica: once an operation is a mutation, the rest of its request reads the primary,
 * and its response names the primary's WAL position after it (X-Vigil-Read-After), which a later
 * request passes back to read its own write wherever it lands.
 */
export function readAfterWritePlugin(routing: ReadRouting, logger: Logger): ApolloServerPlugin<GraphQLContext> {
  if (!routing.hasReplica) return {};
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue }) {
          if (operation?.operation === 'mutation') contextValue.reads.noteWrite();
        },
        async willSendResponse({ operation, response }) {
          if (operation?.operation !== 'mutation') return;
          try {
            response.http.headers.set(READ_AFTER_HEADER.toLowerCase(), await routing.writePosition());
          } catch (error) {
            // The write is done; without the position, a later read may only land on the primary.
            logger.warn({ err: error }, 'reading the WAL position after a write failed');
          }
        },
      };
    },
  };
}
