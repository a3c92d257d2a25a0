/**
 * Every query and mutation that takes an ID, given one that no Vigil row can have (not a UUID, a
 * UUID of nothing, one with trailing text): the answer is a clear NOT_FOUND or BAD_USER_INPUT (or
 * null/empty where the field says so), never INTERNAL_SERVER_ERROR from a database that refused
 * to read the text as a UUID. Found by the fuzz test on `auditEntry(id: "-470056220")`; this holds
 * the whole class, field by field, as the schema grows.
 */
import { readFileSync } from 'node:fs';
import {
  buildSchema,
  getNamedType,
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  isLeafType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

const schema = buildSchema(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'));
const NOT_IDS = ['-470056220', '01a24919-9c23-70ce-a038-05981261a96d', '01a24919-9c23-70ce-a038-05981261a96d; drop table users'];
const ACCEPTED_CODES = ['NOT_FOUND', 'BAD_USER_INPUT', 'FORBIDDEN', 'CONFLICT'];

/** A value of `type` for a required argument that is not an ID: the simplest the type accepts. */
function fillerOf(type: GraphQLInputType, id: string): unknown {
  if (type instanceof GraphQLNonNull) return fillerOf(type.ofType, id);
  if (type instanceof GraphQLList) return [fillerOf(type.ofType, id)];
  if (type instanceof GraphQLEnumType) return type.getValues()[0]!.value;
  if (type instanceof GraphQLInputObjectType) {
    const fields = Object.values(type.getFields()).filter((field) => field.type instanceof GraphQLNonNull);
    return Object.fromEntries(fields.map((field) => [field.name, fillerOf(field.type, id)]));
  }
  const scalar = type;
  switch (scalar.name) {
    case 'ID':
      return id;
    case 'Int':
      return 1;
    case 'Float':
      return 1;
    case 'Boolean':
      return false;
    case 'DateTimeISO':
      return '2026-01-01T00:00:00.000Z';
    case 'JSONObject':
      return {};
    default:
      return 'x';
  }
}

const takesAnId = (arg: GraphQLArgument) => getNamedType(arg.type).name === 'ID';

/** The root fields with an ID argument whose other required arguments can be filled in plainly. */
function fieldsWithIds(root: 'query' | 'mutation'): GraphQLField<unknown, unknown>[] {
  const type = root === 'query' ? schema.getQueryType()! : schema.getMutationType()!;
  return Object.values(type.getFields()).filter((field) => field.args.some(takesAnId));
}

/** The operation: the field with every ID argument given `id`, the rest filled, selecting __typename. */
function operationFor(root: 'query' | 'mutation', field: GraphQLField<unknown, unknown>, id: string): { query: string; variables: Record<string, unknown> } {
  const args = field.args.filter((arg) => takesAnId(arg) || arg.type instanceof GraphQLNonNull);
  const variables = Object.fromEntries(args.map((arg) => [arg.name, fillerOf(arg.type, id)]));
  const declared = args.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
  const passed = args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
  return { query: `${root} Probe(${declared}) { ${field.name}(${passed})${selection} }`, variables };
}

let t: TestVigil;

beforeAll(async () => {
  t = await startTestVigil();
});
afterAll(async () => t?.close());

describe('ID arguments that name no row', () => {
  for (const root of ['query', 'mutation'] as const) {
    it(`every ${root} answers NOT_FOUND, BAD_USER_INPUT or nothing, never an internal error`, async () => {
      const fields = fieldsWithIds(root);
      expect(fields.length).toBeGreaterThan(root === 'query' ? 10 : 20);
      const problems: string[] = [];
      for (const field of fields) {
        for (const id of NOT_IDS) {
          const { query, variables } = operationFor(root, field, id);
          const answer = await t.gql(query, t.admin.token, variables);
          const codes = (answer.errors ?? []).map((error) => String(error.extensions?.code));
          const bad = codes.filter((code) => !ACCEPTED_CODES.includes(code));
          if (answer.status >= 500 || bad.length > 0)
            problems.push(`${field.name}(${JSON.stringify(variables)}): HTTP ${answer.status} ${bad.join(', ')} ${answer.errors?.[0]?.message ?? ''}`);
        }
      }
      expect(problems).toEqual([]);
    }, 120_000);
  }
});
