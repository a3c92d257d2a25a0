/**
 * Abuse limits on GraphQL operations, checked before any resolver runs (over HTTP in Apollo's
 * didResolveOperation, over WebSocket in onSubscribe): the selection depth, the number of aliases,
 * and a cost in which every list multiplies what it selects by its page size (`first`/`last`,
 * `limit`, or the default page), so one request cannot ask for a million rows through nesting.
 * Over a limit, the operation fails whole with a message naming the limit, its maximum and what
 * the operation came to.
 */
import {
  GraphQLError,
  getNamedType,
  isObjectType,
  isInterfaceType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  valueFromASTUntyped,
} from 'graphql';
import { DEFAULT_PAGE_SIZE } from '../../server/pagination/keyset.js';

export interface OperationLimits {
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxCost: number;
}

export interface OperationMeasure {
  depth: number;
  aliases: number;
  cost: number;
}

const PAGE_ARGUMENTS = ['first', 'last', 'limit'];

/** Depth, aliases and cost of `operation`, with page sizes read from its arguments and variables. */
export function measureOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  variables: Readonly<Record<string, unknown>> = {},
): OperationMeasure {
  const root =
    operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  const measure: OperationMeasure = { depth: 0, aliases: 0, cost: 0 };
  if (!root) return measure;

  const pageSize = (field: FieldNode): number => {
    for (const argument of field.arguments ?? []) {
      if (!PAGE_ARGUMENTS.includes(argument.name.value)) continue;
      const value = valueFromASTUntyped(argument.value, variables);
      if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
    }
    return DEFAULT_PAGE_SIZE;
  };

  /** The cost of a selection set on `type` at `depth`; counts aliases as it goes. */
  const costOf = (selectionSet: SelectionSetNode, type: GraphQLNamedType, depth: number, seen: ReadonlySet<string>): number => {
    measure.depth = Math.max(measure.depth, depth);
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.alias) measure.aliases += 1;
        const definition = fieldOf(type, selection.name.value);
        if (!definition || !selection.selectionSet) {
          total += selection.name.value.startsWith('__') ? 0 : 1;
          continue;
        }
        // A paged field (one taking first, last or limit) returns up to a page of what it selects;
        // the lists inside a page (a connection's nodes) are that page, not another multiplier.
        const isPaged = definition.args.some((argument) => PAGE_ARGUMENTS.includes(argument.name));
        const children = costOf(selection.selectionSet, getNamedType(definition.type), depth + 1, seen);
        total += 1 + (isPaged ? pageSize(selection) : 1) * children;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition ? (schema.getType(selection.typeCondition.name.value) ?? type) : type;
        total += costOf(selection.selectionSet, on, depth, seen);
      } else {
        const name = selection.name.value;
        const fragment = fragments[name];
        // A fragment spread inside itself is a validation error already; never loop on one.
        if (!fragment || seen.has(name)) continue;
        const on = schema.getType(fragment.typeCondition.name.value) ?? type;
        total += costOf(fragment.selectionSet, on, depth, new Set([...seen, name]));
      }
    }
    return total;
  };

  measure.cost = costOf(operation.selectionSet, root, 1, new Set());
  return measure;
}

function fieldOf(type: GraphQLNamedType, name: string): GraphQLField<unknown, unknown> | undefined {
  return isObjectType(type) || isInterfaceType(type) ? type.getFields()[name] : undefined;
}

/** The errors for an operation over the limits (none when it is within them). */
export function limitErrors(measure: OperationMeasure, limits: OperationLimits): GraphQLError[] {
  const errors: GraphQLError[] = [];
  const over = (limit: 'depth' | 'aliases' | 'cost', actual: number, max: number, variable: string, what: string) => {
    if (actual <= max) return;
    errors.push(
      new GraphQLError(`${what} ${actual} is over the limit of ${max} (${variable})`, {
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit, max, actual, http: { status: 400 } },
      }),
    );
  };
  over('depth', measure.depth, limits.maxDepth, 'VIGIL_GRAPHQL_MAX_DEPTH', 'The selection depth');
  over('aliases', measure.aliases, limits.maxAliases, 'VIGIL_GRAPHQL_MAX_ALIASES', 'The number of aliases');
  over('cost', measure.cost, limits.maxCost, 'VIGIL_GRAPHQL_MAX_COST', 'The operation cost (fields, multiplied by the page size of each list)');
  return errors;
}

/** Collects a document's fragments by name. */
export function fragmentsOf(definitions: readonly { kind: string }[]): Record<string, FragmentDefinitionNode> {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[(definition as FragmentDefinitionNode).name.value] = definition as FragmentDefinitionNode;
  }
  return fragments;
}
