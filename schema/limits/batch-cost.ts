/**
 * The total cost of a batched request (a JSON array of operations), measured as each operation is
 * (operation-limits.ts), so a batch of operations each just under VIGIL_GRAPHQL_MAX_COST cannot
 * add up to many times it. An operation that does not parse, or names no operation it holds, costs
 * nothing here: Apollo refuses it on its own.
 */
import { Kind, parse, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { fragmentsOf, measureOperation } from './operation-limits.js';

interface BatchedOperation {
  readonly query?: unknown;
  readonly operationName?: unknown;
  readonly variables?: unknown;
}

function costOf(schema: GraphQLSchema, request: BatchedOperation): number {
  if (typeof request?.query !== 'string') return 0;
  let definitions;
  try {
    definitions = parse(request.query).definitions;
  } catch {
    return 0;
  }
  const operations = definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
  const operation =
    typeof request.operationName === 'string'
      ? operations.find((candidate) => candidate.name?.value === request.operationName)
      : operations.length === 1
        ? operations[0]
        : undefined;
  if (!operation) return 0;
  const variables = request.variables !== null && typeof request.variables === 'object' ? (request.variables as Record<string, unknown>) : {};
  try {
    return measureOperation(schema, operation, fragmentsOf(definitions), variables).cost;
  } catch {
    return 0;
  }
}

export function batchCost(schema: GraphQLSchema, requests: readonly unknown[]): number {
  return requests.reduce<number>((total, request) => total + costOf(schema, request as BatchedOperation), 0);
}
