/**
 * `DateTimeISO` (graphql-scalars', as type-graphql maps Date) held to the times Vigil can store
 * (server/storable-time.ts): a date such as year 0000 is refused while GraphQL reads the
 * arguments, naming the argument, instead of failing in the database after work has begun.
 */
import { GraphQLError, GraphQLScalarType, type ValueNode } from 'graphql';
import { GraphQLDateTimeISO } from 'graphql-scalars';
import { isStorableTime, STORABLE_RANGE } from '../../server/storable-time.js';

function storable(date: Date): Date {
  if (!isStorableTime(date)) throw new GraphQLError(`DateTimeISO must be ${STORABLE_RANGE}`);
  return date;
}

const base = GraphQLDateTimeISO.toConfig();

export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  ...base,
  // What resolvers hand out is a valid Date nearly always (a page has hundreds): straight to text.
  serialize: (value: unknown) => (value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString() : base.serialize(value)),
  parseValue: (value: unknown) => storable(base.parseValue(value)),
  parseLiteral: (ast: ValueNode, variables?: Record<string, unknown> | null) => storable(base.parseLiteral(ast, variables)),
});
