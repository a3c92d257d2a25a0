/**
 * Executes operations compiled by graphql-jit instead of interpreting them with graphql-js. Apollo
 * still parses, validates and runs its plugins; only the execution step is swapped, through the
 * executor hook Apollo keeps for gateways. A page of 100 rows resolves ~1,000 fields, and graphql-js
 * walks the selection for each (bench/RESULTS.md, finding 2); the compiled function is made once
 * per distinct operation and reads plain fields as properties.
 *
 * An operation graphql-jit cannot compile runs on graphql-js, as before.
 */
import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { execute, GraphQLError, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';

/** Distinct operations kept compiled; clients send few, but an attacker could send many. */
const MAX_COMPILED = 500;

/**
 * graphql-jit's errors leave `extensions` undefined where graphql-js always gives an object, and
 * Apollo's error formatting reads into it: each becomes the error graphql-js would have made.
 */
function asGraphQLJsError(error: GraphQLError): GraphQLError {
  const rebuilt = new GraphQLError(error.message, {
    path: error.path,
    originalError: error.originalError ?? undefined,
    extensions: error.extensions ?? undefined,
  });
  (rebuilt as { locations?: GraphQLError['locations'] }).locations = error.locations;
  return rebuilt;
}

export function compiledExecution(schema: GraphQLSchema): GatewayInterface {
  const compiled = new LRUCache<string, CompiledQuery | 'interpreted'>({ max: MAX_COMPILED });

  const executor: GatewayExecutor = async (request) => {
    // The operation the client named (Apollo's `operationName` is the one it resolved, null when none).
    const operationName = request.request.operationName ?? undefined;
    const key = `${request.queryHash}:${operationName ?? ''}`;
    let query = compiled.get(key);
    if (!query) {
      const result = compileQuery(schema, request.document, operationName);
      query = isCompiledQuery(result) ? result : 'interpreted';
      compiled.set(key, query);
    }
    const variables = request.request.variables ?? {};
    const interpret = () => execute({ schema, document: request.document, operationName, contextValue: request.context, variableValues: variables });
    // Apollo found no single operation to run: graphql-js gives the error Apollo expects then.
    if (query === 'interpreted' || !request.operation) return interpret();
    const result: ExecutionResult = await query.query(undefined, request.context, variables);
    if (!result.errors) return result;
    // Refused before any resolver ran (variables that do not coerce): graphql-js's errors name the
    // variable's definition, which is how Apollo tells a client's bad input (BAD_USER_INPUT).
    if (!('data' in result)) return interpret();
    return { ...result, errors: result.errors.map(asGraphQLJsError) };
  };

  return {
    async load() {
      return { executor };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => {};
    },
    async stop() {},
  };
}
