/** The operation limits as an Apollo plugin: checked once the operation is known, before execution. */
import type { ApolloServerPlugin } from '@apollo/server';
import { fragmentsOf, limitErrors, measureOperation, type OperationLimits } from './operation-limits.js';

export function operationLimitsPlugin<Context extends object>(limits: OperationLimits): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, schema }) {
          if (!operation) return;
          const measure = measureOperation(schema, operation, fragmentsOf(document.definitions), request.variables ?? {});
          const [first] = limitErrors(measure, limits);
          if (first) throw first;
        },
      };
    },
  };
}
