import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLContext } from '../../schema/context.js';
import { errorCodeOf } from '../../schema/format-error.js';
import type { Logger } from '../logger.js';
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
