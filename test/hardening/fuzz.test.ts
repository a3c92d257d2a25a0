/**
 * A fuzz test of the GraphQL API over real HTTP (fast-check). Every Query, Mutation and
 * Subscription field of schema.graphql gets operations built from its own argument types: values
 * of the right type with hostile contents (huge and unicode strings, NUL, lone surrogates, page
 * sizes out of range, random and well-formed-but-wrong cursors, UUIDs and non-UUIDs for ids,
 * dates out of PostgreSQL's range, invalid enums) and values of the wrong type (nulls for required
 * arguments, input objects with fields missing and extra, numbers out of Int's range), sent as
 * variables and inlined, with a selection set picked from the return type. Beside them go raw
 * requests: random bytes and invalid UTF-8 as JSON, truncated JSON, bodies that are not an
 * operation, selections and values nested 50-200 deep, thousands of aliases, huge variable
 * objects, wrong content types and encodings, GET with query parameters, other methods, odd
 * Authorization headers. Tokens are mixed: none, a regular user's, an admin's, an agent's, another
 * tenant's admin, and forged or malformed ones.
 *
 * Every response must be below 500, JSON (or a plain 4xx), with a known code on each error
 * (INTERNAL_SERVER_ERROR is a failure), and the server must still answer /healthz. A call that is
 * rejected (a 4xx, or errors and no data) must write no row: the row count of every table in the
 * public schema is taken before and after it (see `allowedGrowth` for the writes a rejected call
 * makes by design).
 *
 * Bounded: FUZZ_RUNS cases (default 600) from a fixed seed (FUZZ_SEED overrides it); both are
 * printed, with the number of cases run and of server errors. The Vigil under test runs with
 * NODE_ENV=development only so that an internal error's response carries its stack trace, which is
 * what a finding needs; nothing else differs from the `test` environment.
 */
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import {
  buildSchema,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../server/db/database.js';
import { createOutboundPolicy } from '../../server/outbound/outbound-policy.js';
import { encodeCursor } from '../../server/pagination/keyset.js';
import { buildRecordsFixture, reportCommands, type RecordsFixture } from '../support/records-fixture.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

const DEFAULT_SEED = 20_240_917;
const SEED = Number.parseInt(process.env.FUZZ_SEED ?? '', 10) || DEFAULT_SEED;
const RUNS = Math.max(1, Number.parseInt(process.env.FUZZ_RUNS ?? '', 10) || 600);
/** A request that takes longer than this is a finding (a hang is as bad as a crash). */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Codes a rejected call may carry: Vigil's own (server/errors.ts), Apollo's client-error codes, and
 * BAD_REQUEST from Vigil's HTTP layer (malformed JSON, oversized bodies, batches). Any other code,
 * INTERNAL_SERVER_ERROR above all, or an error without a code, is a finding.
 */
const KNOWN_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  // Rate limiting, when a request is over its window.
  'RATE_LIMITED',
  'TOO_MANY_REQUESTS',
]);

type OperationType = 'query' | 'mutation' | 'subscription' | 'other';

/** One HTTP request to make. */
interface FuzzCase {
  readonly kind: string;
  readonly method: string;
  /** Path and query string, from the server's base URL. */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: Buffer;
  readonly operation: OperationType;
  /** Which credential was sent (a name from `tokens`, or a kind of forged one). */
  readonly token: string;
  /** A forged token naming an existing tenant: its refusal is recorded as a failed sign-in. */
  readonly isForgedToken?: boolean;
  readonly accept?: string;
}

interface Finding {
  readonly index: number;
  readonly problem: string;
  readonly request: string;
  readonly response: string;
}

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly json: unknown;
  readonly contentType: string;
}

const schema: GraphQLSchema = buildSchema(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'));

let t: TestVigil;
let f: RecordsFixture;
let tables: string[];
let aliceStreamToken: string;

beforeAll(async () => {
  t = await startTestVigil({ env: { NODE_ENV: 'development' } });
  f = await buildRecordsFixture(t);
  // A few records, so lists have rows to page over and ids point at real things.
  await reportCommands(t, f, 'alice@example.test', [
    { line: 'uptime', server: 'web', status: 'SUCCESS', minutes: 30 },
    { line: 'false', server: 'db', status: 'FAILED', minutes: 20 },
  ]);
  // A stream token: every operation but the event stream and `me` is refused whole, before it runs.
  const made = await t.gql<{ createStreamToken: { token: string } }>(
    `mutation { createStreamToken(input: { name: "fuzz collector" }) { token } }`,
    f.alice.token,
  );
  if (!made.data) throw new Error(`createStreamToken failed: ${JSON.stringify(made.errors)}`);
  aliceStreamToken = made.data.createStreamToken.token;
  tables = (
    await queryRows<{ table_name: string }>(
      t.vigil.database.db,
      sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
    )
  ).map((row) => row.table_name);
});

afterAll(async () => t?.close());

// ---------------------------------------------------------------------------------------------
// Values

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

const NASTY_PIECES = [
  '\u0000',
  '\uD800',
  '\uDFFF',
  '\uD83D',
  '\uDE00',
  '\uFFFF',
  '\uFFFE',
  '\uFEFF',
  '\u202E',
  '\u2028',
  '\u0085',
  '\n',
  '\r\n',
  '\t',
  '"',
  '\\',
  "'",
  '`',
  '%',
  '_',
  '*',
  '.*',
  '(?:',
  '[',
  '$1',
  '${x}',
  '{{x}}',
  '<script>',
  '😀',
  '👩‍👩‍👧',
  '𝕍',
  'é',
  'e\u0301',
  'ß',
  'İ',
  'ﬀ',
  '中文',
  'العربية',
  ' ',
];

const SPECIAL_STRINGS = [
  '',
  ' ',
  '   \t\n',
  'null',
  'undefined',
  'NaN',
  '0',
  '-1',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  "' OR 1=1 --",
  '"; drop table users; --',
  '\\x00',
  'admin',
  'alice@example.test',
  'ALICE@EXAMPLE.TEST',
  'nobody@nowhere.test',
  'web-01',
  'db-01',
  'other-01',
  'env=prod',
  'env',
  'prod',
  'dev',
  'sre',
  'sudo *',
  'rm -rf /',
  '/bin/sh -c "id"',
  'http://127.0.0.1:9/hook',
  'https://[::1]:9/x',
  'http://169.254.169.254/latest/meta-data/',
  'file:///etc/passwd',
  'javascript:alert(1)',
  // Outbound addresses that are never destinations, in the forms that slipped past before.
  'http://192.0.2.1/hook',
  'http://198.18.0.1/hook',
  'http://[64:ff9b::a00:1]/hook',
  'http://[::ffff:10.0.0.1]/hook',
  'http://[2002::1]/hook',
  // Sudo commands that smuggle a second command past a pattern.
  'journalctl -u nginx; sh',
  'journalctl -u "$(sh)"',
  'systemctl restart `id`',
  'journalctl -u nginx\nsh',
  // Dates at the edges of what can be stored.
  '0000-06-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '../../../../etc/passwd',
  'users.manage',
  'USERS_MANAGE',
  'audit.log_viewed',
  '*',
  '%%',
  '2024-01-01T00:00:00Z',
];

/** Strings of every kind; now and then a large one, and rarely one of up to ~1 MB. */
const stringArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 150, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 100, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  {
    weight: 150,
    arbitrary: fc.array(fc.oneof(fc.constantFrom(...NASTY_PIECES), fc.string({ maxLength: 4 })), { minLength: 1, maxLength: 8 }).map((parts) => parts.join('')),
  },
  { weight: 150, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  {
    weight: 12,
    arbitrary: fc.tuple(fc.constantFrom('a', 'é', '𝕍', 'x\u0000', '%_', 'ab\uD800'), fc.integer({ min: 500, max: 20_000 })).map(([unit, n]) => unit.repeat(n)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('a', 'é', 'z '), fc.integer({ min: 200_000, max: 1_000_000 }))
      .map(([unit, n]) => unit.repeat(Math.floor(n / Buffer.byteLength(unit)))),
  },
);

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

function idArb(knownIds: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.uuid() },
    { weight: 4, arbitrary: fc.constantFrom(...knownIds) },
    { weight: 1, arbitrary: fc.constantFrom(...knownIds).map((id) => id.toUpperCase()) },
    { weight: 1, arbitrary: fc.constantFrom(...knownIds).map((id) => ` ${id} `) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        NIL_UUID,
        'ffffffff-ffff-ffff-ffff-ffffffffffff',
        '{00000000-0000-0000-0000-000000000000}',
        '00000000000000000000000000000000',
      ),
    },
    { weight: 1, arbitrary: fc.uuid().map((id) => id.slice(0, 35) + 'g') },
    { weight: 3, arbitrary: stringArb },
    { weight: 1, arbitrary: fc.integer().map(String) },
  );
}

const INT_EDGES = [0, -1, 1, 49, 50, 51, 499, 500, 501, 1000, 2_147_483_647, -2_147_483_648];
const intArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: -5, max: 600 }) },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 2, arbitrary: fc.constantFrom(...INT_EDGES) },
);
const floatArb: fc.Arbitrary<number> = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -1, 1.5, 1e308, -1e308, 5e-324, 2 ** 53 + 2, -(2 ** 63)),
);

/** ISO strings across JavaScript's whole date range (beyond PostgreSQL's), and broken ones. */
const dateArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((date) => date.toISOString()) },
  { weight: 3, arbitrary: fc.date({ min: new Date('1999-01-01'), max: new Date('2040-01-01'), noInvalidDate: true }).map((date) => date.toISOString()) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '2024-02-30T00:00:00Z',
      '2024-01-01',
      '2024-01-01T25:61:61Z',
      '0000-01-01T00:00:00Z',
      '-000001-01-01T00:00:00Z',
      '+275760-09-13T00:00:00.000Z',
      '-271821-04-20T00:00:00.000Z',
      '9999-12-31T23:59:59.999Z',
      '1970-01-01T00:00:00.000Z',
      '2024-01-01T00:00:00+25:00',
      'yesterday',
      '',
      '0',
    ),
  },
  { weight: 1, arbitrary: stringArb },
);

const jsonObjectArb: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }) },
  { weight: 1, arbitrary: fc.integer({ min: 50, max: 200 }).map((depth) => nestedObject(depth)) },
);

function nestedObject(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < depth; i += 1) value = { a: value };
  return value;
}

/** Base64url of JSON arrays in the shape of Vigil's cursors, holding values of the wrong kind. */
const cursorArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.base64String({ maxLength: 64 }) },
  {
    weight: 4,
    arbitrary: fc
      .array(
        fc.oneof(
          fc.uuid(),
          fc.constantFrom('2024-01-01T00:00:00.000Z', '', 'now', 'x', '\u0000', '-1', '1e400', '99999999999999999999', '+275760-09-13T00:00:00.000Z', NIL_UUID),
          fc.string({ maxLength: 10 }),
        ),
        { minLength: 1, maxLength: 3 },
      )
      .map((values) => encodeCursor(values)),
  },
  {
    weight: 1,
    arbitrary: fc.jsonValue({ maxDepth: 2 }).map((value) => Buffer.from(JSON.stringify(value) ?? 'null').toString('base64url')),
  },
  { weight: 1, arbitrary: stringArb },
);

type Mode = 'typed' | 'wrong';

interface ValueContext {
  readonly knownIds: readonly string[];
}

/** A value for `type`: of the type (hostile contents) in `typed` mode, often not in `wrong` mode. */
function valueArb(type: GraphQLInputType, mode: Mode, argName: string, depth: number, ctx: ValueContext): fc.Arbitrary<unknown> {
  const typed = typedValueArb(type, mode, argName, depth, ctx);
  if (mode === 'typed') return typed;
  return fc.oneof({ weight: 3, arbitrary: typed }, { weight: 1, arbitrary: wrongValueArb(type) });
}

function typedValueArb(type: GraphQLInputType, mode: Mode, argName: string, depth: number, ctx: ValueContext): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return valueArb(type.ofType, mode, argName, depth, ctx);
  if (isListType(type)) {
    const item = valueArb(type.ofType, mode, argName, depth + 1, ctx);
    return fc.oneof(
      { weight: 12, arbitrary: fc.array(item, { maxLength: 4 }) },
      { weight: 1, arbitrary: fc.tuple(item, fc.integer({ min: 200, max: 3000 })).map(([one, n]) => Array.from({ length: n }, () => one)) },
    );
  }
  if (isInputObjectType(type)) {
    if (depth > 4) return fc.constant({});
    const fields = Object.values(type.getFields());
    const model = Object.fromEntries(fields.map((field) => [field.name, valueArb(field.type, mode, field.name, depth + 1, ctx)]));
    const required = fields.filter((field) => isNonNullType(field.type) && field.defaultValue === undefined).map((field) => field.name);
    return fc.record(model, { requiredKeys: mode === 'typed' ? required : [] });
  }
  if (isEnumType(type)) return fc.constantFrom(...type.getValues().map((value) => value.name));
  switch (type.name) {
    case 'ID':
      return idArb(ctx.knownIds);
    case 'Int':
      return intArb;
    case 'Float':
      return floatArb;
    case 'Boolean':
      return fc.boolean();
    case 'DateTimeISO':
      return dateArb;
    case 'JSONObject':
      return jsonObjectArb;
    case 'String':
      return ['after', 'before'].includes(argName) ? cursorArb : stringArb;
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Values of the wrong type for `type`: nulls, other JSON, out-of-range numbers, bad enums, bad objects. */
function wrongValueArb(type: GraphQLInputType): fc.Arbitrary<unknown> {
  const nullable = getNullableType(type);
  const specific: fc.Arbitrary<unknown>[] = [fc.constant(null), fc.jsonValue({ maxDepth: 2 })];
  if (isListType(nullable)) specific.push(fc.constant('not a list'), fc.constant([[[]]]), fc.constant([null]));
  else if (isInputObjectType(nullable)) {
    const fields = Object.keys(nullable.getFields());
    specific.push(
      fc.dictionary(
        fc.oneof(fc.constantFrom(...fields), fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'extra')),
        fc.jsonValue({ maxDepth: 2 }),
        {
          maxKeys: 6,
        },
      ),
      fc.constant([]),
      fc.constant('{}'),
    );
  } else if (isEnumType(nullable)) {
    const names = nullable.getValues().map((value) => value.name);
    specific.push(
      fc.constantFrom(...names.map((name) => name.toLowerCase()), ...names.map((name) => `${name}_`), '', 'NOPE', 'null'),
      fc.constantFrom(0, 1, true),
    );
  } else if (isScalarType(nullable)) {
    if (nullable.name === 'Int' || nullable.name === 'Float') {
      specific.push(fc.constantFrom(2_147_483_648, -2_147_483_649, 1e20, -1e308, 1.5, -0.5, Number.MAX_SAFE_INTEGER + 2, '5', 'ten', true));
    } else {
      specific.push(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant({}), fc.constant(['a']));
    }
  }
  return fc.oneof(...specific);
}

/** `value` as a GraphQL literal for `type` (enum-looking strings bare, unknown keys made names). */
function literal(value: unknown, type: GraphQLInputType | undefined): string {
  const named = type ? getNamedType(type) : undefined;
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(Object.is(value, -0) ? 0 : value) : 'null';
  if (typeof value === 'string')
    return named && isEnumType(named) && NAME.test(value) && !['true', 'false', 'null'].includes(value) ? value : JSON.stringify(value);
  if (Array.isArray(value)) {
    const nullable = type ? getNullableType(type) : undefined;
    const item = nullable && isListType(nullable) ? nullable.ofType : type;
    return `[${value.map((entry) => literal(entry, item)).join(', ')}]`;
  }
  if (typeof value === 'object') {
    const fields = named && isInputObjectType(named) ? named.getFields() : {};
    const entries = Object.entries(value as Record<string, unknown>).map(([key, entry]) => {
      const name = NAME.test(key) ? key : `x_${key.replace(/[^_0-9A-Za-z]/g, '_')}`;
      return `${name}: ${literal(entry, fields[key]?.type)}`;
    });
    return `{${entries.join(', ')}}`;
  }
  // What is left is a boolean, a bigint, a symbol or a function: their own text, quoted.
  return JSON.stringify(typeof value === 'boolean' || typeof value === 'bigint' ? value.toString() : typeof value);
}

// ---------------------------------------------------------------------------------------------
// Operations

const MAX_SELECTION_DEPTH = 2;

/** A selection set for `type`: some leaf fields, and now and then an object field, up to depth 2. */
function selectionArb(type: GraphQLOutputType, depth: number): fc.Arbitrary<string> {
  const named = getNamedType(type);
  if (!isObjectType(named)) return fc.constant('');
  const fields = Object.values(named.getFields()).filter((field) => !field.args.some((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined));
  const leaves = fields.filter((field) => isLeafType(getNamedType(field.type))).map((field) => field.name);
  const objects = depth < MAX_SELECTION_DEPTH ? fields.filter((field) => isObjectType(getNamedType(field.type))) : [];
  const leafPick = leaves.length > 0 ? fc.subarray(leaves, { minLength: 1, maxLength: Math.min(6, leaves.length) }) : fc.constant(['__typename']);
  const objectPick: fc.Arbitrary<string[]> =
    objects.length > 0
      ? fc
          .subarray(objects, { maxLength: Math.min(2, objects.length) })
          .chain((chosen) =>
            chosen.length === 0
              ? fc.constant<string[]>([])
              : fc.tuple(...chosen.map((field) => selectionArb(field.type, depth + 1).map((inner) => `${field.name} ${inner}`))),
          )
      : fc.constant([]);
  const extra = fc.oneof(
    { weight: 30, arbitrary: fc.constant<string[]>([]) },
    { weight: 1, arbitrary: fc.constantFrom(['notAField'], ['__typename'], ['__schema { queryType { name } }']) },
  );
  return fc.tuple(leafPick, objectPick, extra).map(([a, b, c]) => `{ ${[...a, ...b, ...c].join(' ')} }`);
}

interface TokenChoice {
  readonly name: string;
  readonly authorization?: string;
  readonly isForged?: boolean;
}

interface Pools {
  readonly tokens: fc.Arbitrary<TokenChoice>;
  /** Tokens that pass most permission checks: the admin's, and the agent's for agent operations. */
  readonly adminToken: fc.Arbitrary<TokenChoice>;
  readonly ctx: ValueContext;
}

const WRONG_VARIABLE_TYPES = ['String', 'Int!', '[ID]', 'Boolean', 'NoSuchType', 'JSONObject', '[[String!]!]!'];

/** Operations on one root field of `root` (query, mutation, subscription). */
function fieldCaseArb(
  root: Exclude<OperationType, 'other'>,
  field: GraphQLField<unknown, unknown>,
  pools: Pools,
  forcedStyle?: 'variables' | 'inline',
): fc.Arbitrary<FuzzCase> {
  return fc
    .record({
      mode: fc.constantFrom<Mode>('typed', 'typed', 'wrong'),
      style: forcedStyle ? fc.constant(forcedStyle) : fc.constantFrom<'variables' | 'inline'>('variables', 'inline'),
      token: pools.tokens,
      alias: fc.option(fc.constantFrom('a', 'x1', '_f'), { freq: 5 }),
      shorthand: fc.boolean(),
      operationName: fc.option(fc.constantFrom('Fuzz', 'Other', ''), { freq: 3 }),
    })
    .chain(({ mode, style, token, alias, shorthand, operationName }) =>
      fc
        .tuple(
          argsArb(field.args, mode, pools.ctx),
          selectionArb(field.type, 0),
          fc.array(fc.constantFrom(...field.args.map((arg) => arg.name), 'x'), { maxLength: mode === 'wrong' ? 2 : 0 }),
          fc.constantFrom(...WRONG_VARIABLE_TYPES),
        )
        .map(([args, selection, misdeclared, wrongType]) => {
          const present = field.args.filter((arg) => arg.name in args);
          const argType = (name: string) => field.args.find((arg) => arg.name === name)!.type;
          let header = '';
          let argText = '';
          let variables: Record<string, unknown> | undefined;
          if (present.length > 0 || misdeclared.length > 0) {
            if (style === 'variables') {
              const declared = [...new Set([...present.map((arg) => arg.name), ...misdeclared])];
              header = `(${declared.map((name) => `$${name}: ${misdeclared.includes(name) || !field.args.some((arg) => arg.name === name) ? wrongType : String(argType(name))}`).join(', ')})`;
              argText = present.length > 0 ? `(${present.map((arg) => `${arg.name}: $${arg.name}`).join(', ')})` : '';
              variables = Object.fromEntries(present.map((arg) => [arg.name, args[arg.name]]));
            } else {
              argText = `(${present.map((arg) => `${arg.name}: ${literal(args[arg.name], arg.type)}`).join(', ')})`;
            }
          }
          const keyword = root === 'query' && shorthand && !header ? '' : `${root} Fuzz${header} `;
          const query = `${keyword}{ ${alias ? `${alias}: ` : ''}${field.name}${argText} ${selection} }`;
          const payload: Record<string, unknown> = { query };
          if (variables) payload.variables = variables;
          if (operationName != null && keyword) payload.operationName = operationName || undefined;
          return jsonCase(`${root}.${field.name} (${style}, ${mode})`, payload, root, token);
        }),
    );
}

function argsArb(args: readonly GraphQLArgument[], mode: Mode, ctx: ValueContext): fc.Arbitrary<Record<string, unknown>> {
  if (args.length === 0) return fc.constant({});
  const model = Object.fromEntries(args.map((arg) => [arg.name, valueArb(arg.type, mode, arg.name, 0, ctx)]));
  const required = args.filter((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined).map((arg) => arg.name);
  return fc.record(model, { requiredKeys: mode === 'typed' ? required : [] });
}

function jsonCase(kind: string, payload: unknown, operation: OperationType, token: TokenChoice, extraHeaders: Record<string, string> = {}): FuzzCase {
  return {
    kind,
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json', ...authHeader(token), ...extraHeaders },
    body: Buffer.from(JSON.stringify(payload)),
    operation,
    token: token.name,
    isForgedToken: token.isForged,
  };
}

function rawJsonCase(kind: string, body: string, operation: OperationType, token: TokenChoice): FuzzCase {
  return { ...jsonCase(kind, null, operation, token), body: Buffer.from(body) };
}

function authHeader(token: TokenChoice): Record<string, string> {
  return token.authorization === undefined ? {} : { authorization: token.authorization };
}

/**
 * Cursors on every paged list, with a token that may read it, so the cursor (and not the
 * permission check or another argument) is what the server has to cope with.
 */
function cursorProbeArb(field: GraphQLField<unknown, unknown>, pools: Pools, direction: 'after' | 'before'): fc.Arbitrary<FuzzCase> {
  const size = direction === 'after' ? 'first' : 'last';
  // Other required arguments (searchTerminalRecordings' text) get a value of their type.
  const required = field.args.filter((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined);
  return fc
    .record({
      cursor: cursorArb,
      n: fc.oneof(fc.constantFrom(1, 2, 50, 500), intArb),
      token: pools.adminToken,
      inline: fc.boolean(),
      others: argsArb(required, 'typed', pools.ctx),
    })
    .map(({ cursor, n, token, inline, others }) => {
      const otherArgs = required.map((arg) => `, ${arg.name}: ${literal(others[arg.name], arg.type)}`).join('');
      return jsonCase(
        `cursor probe: Query.${field.name}(${direction})`,
        inline
          ? { query: `{ ${field.name}(${direction}: ${JSON.stringify(cursor)}, ${size}: ${n}${otherArgs}) { pageInfo { hasNextPage endCursor } } }` }
          : {
              query: `query($c: String, $n: Int) { ${field.name}(${direction}: $c, ${size}: $n${otherArgs}) { pageInfo { hasNextPage endCursor } } }`,
              variables: { c: cursor, n },
            },
        'query',
        token,
      );
    });
}

// ---------------------------------------------------------------------------------------------
// Raw requests

const BAD_UTF8 = [
  [0xff],
  [0xfe, 0xfe],
  [0xc3, 0x28],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xc0, 0xaf],
  [0x80],
  [0xf0, 0x9f, 0x98],
  [0x00],
];

/** Operations whose string variable reaches a resolver (and the database) when the body is read. */
const STRING_SINKS: { query: string; variable: string; operation: OperationType; extra?: Record<string, unknown> }[] = [
  { query: 'query($s: String) { servers(filter: { search: $s }) { nodes { id name } } }', variable: 's', operation: 'query' },
  { query: 'query($s: String) { auditLog(filter: { keyword: $s }) { nodes { seq action } } }', variable: 's', operation: 'query' },
  { query: 'query($s: String) { commands(filter: { search: $s }) { nodes { id line } } }', variable: 's', operation: 'query' },
  { query: 'mutation($s: String!) { registerServer(input: { name: $s, hostname: "fuzz.example.test" }) { id name } }', variable: 's', operation: 'mutation' },
  {
    query: 'mutation($s: String!) { requestAccess(input: { durationMinutes: 60, reason: $s, servers: ["web-01"] }) { id } }',
    variable: 's',
    operation: 'mutation',
  },
  { query: 'mutation($s: String!) { createUserToken(input: { name: $s }) { token } }', variable: 's', operation: 'mutation' },
];

const NOT_OPERATIONS = [
  '[]',
  '"{ me { id } }"',
  '42',
  'null',
  'true',
  '{}',
  '{"query":null}',
  '{"query":123}',
  '{"query":["{ me { id } }"]}',
  '{"query":{"kind":"Document","definitions":[]}}',
  '{"query":""}',
  '{"query":"   "}',
  '{"query":"# only a comment"}',
  '{"query":"{ me { id } }","variables":"{}"}',
  '{"query":"{ me { id } }","variables":[]}',
  '{"query":"{ me { id } }","variables":7}',
  '{"query":"{ me { id } }","operationName":5}',
  '{"query":"{ me { id } }","operationName":{}}',
  '{"query":"{ me { id } }","operationName":"Nope"}',
  '{"query":"query A { me { id } } query B { me { email } }"}',
  '{"query":"query A { me { id } } query A { me { id } }","operationName":"A"}',
  '{"query":"query A { me { id } } mutation B { markAllNotificationsRead }","operationName":"B"}',
  '{"query":"{ me { id } }","extensions":"x"}',
  '{"query":"{ me { id } }","extensions":{"persistedQuery":{"version":1,"sha256Hash":"0000"}}}',
  '{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38"}}}',
  '{"extensions":{"persistedQuery":{"version":2,"sha256Hash":"abc"}}}',
  '{"extensions":{"persistedQuery":"yes"}}',
  '{"query":"fragment A on Query { ...B } fragment B on Query { ...A } { ...A }"}',
  '{"query":"{ me @nope { id } }"}',
  '{"query":"{ me @skip(if: \\"yes\\") { id } }"}',
  '{"query":"{ me { id ...on Server { name } } }"}',
  '{"query":"{ __proto__ { id } }"}',
  '{"query":"query($input: RegisterServerInput!) { registerServer(input: $input) { id } }","variables":{"input":{"__proto__":{"name":"polluted"},"hostname":"h.example.test"}}}',
  '{"query":"query($input: RegisterServerInput!) { registerServer(input: $input) { id } }","variables":{"input":{"constructor":{"prototype":{"isAdmin":true}},"name":"n","hostname":"h"}}}',
  '{"query":"mutation($input: RegisterServerInput!) { registerServer(input: $input) { id } }","variables":{"input":{"name":"dup","name":"dup2","hostname":"h"}}}',
  '{"query":"{ me { id } }", "query":"mutation { markAllNotificationsRead }"}',
  '[{"query":"{ me { id } }"},{"query":"{ me { email } }"}]',
  '[{"query":"{ me { id } }"},"x",null,7]',
  '[[{"query":"{ me { id } }"}]]',
  '{"query":"{ me { id } }"}garbage',
  '\ufeff{"query":"{ me { id } }"}',
  '{"query":"{ me { id } }"',
  '{"query":"\\ud800"}',
  '{"query":"{ me { id } } \\u0000"}',
  '{"query":"query { me { id } } subscription { approvalRequested { id } }"}',
];

const CONTENT_TYPES = [
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=fuzz',
  'application/graphql',
  'application/graphql-response+json',
  'application/xml',
  'application/json; charset=utf-7',
  'application/json; charset=latin1',
  'application/json; charset=utf-16le',
  'application/json; boundary=x; charset',
  '*/*',
  'application/json, text/plain',
  '',
];

const AUTHORIZATION_HEADERS = [
  'Bearer',
  'Bearer ',
  'bearer a b',
  'Basic dXNlcjpwYXNz',
  'Token abc',
  'Bearer vigil_',
  'Bearer vigil_user_',
  `Bearer vigil_agent_${'0'.repeat(32)}_${'A'.repeat(43)}`,
  'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbkBleGFtcGxlLnRlc3QiLCJ0ZW5hbnQiOiJkZWZhdWx0In0.',
  `Bearer ${'a'.repeat(6000)}`,
  `Bearer ${'a'.repeat(20_000)}`,
];

function rawCaseArb(pools: Pools): fc.Arbitrary<FuzzCase> {
  const json = { 'content-type': 'application/json' };
  const randomBytes = fc.record({ bytes: fc.uint8Array({ maxLength: 4096 }), token: pools.tokens }).map(({ bytes, token }): FuzzCase => ({
    kind: 'raw: random bytes as JSON',
    method: 'POST',
    path: '/graphql',
    headers: { ...json, ...authHeader(token) },
    body: Buffer.from(bytes),
    operation: 'other',
    token: token.name,
    isForgedToken: token.isForged,
  }));

  const badUtf8 = fc
    .record({
      sink: fc.constantFrom(...STRING_SINKS),
      bad: fc.oneof(fc.constantFrom(...BAD_UTF8), fc.array(fc.integer({ min: 0x80, max: 0xff }), { minLength: 1, maxLength: 16 })),
      where: fc.constantFrom('variable', 'query', 'key'),
      token: pools.tokens,
      contentType: fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'application/json; charset=latin1',
        'application/json; charset=utf-16le',
      ),
    })
    .map(({ sink, bad, where, token, contentType }): FuzzCase => {
      const marker = 'FUZZ_BAD_BYTES';
      const payload =
        where === 'variable'
          ? JSON.stringify({ query: sink.query, variables: { [sink.variable]: `a${marker}b` } })
          : where === 'query'
            ? JSON.stringify({ query: sink.query.replace('{', `{ # ${marker}\n`), variables: { [sink.variable]: 'x' } })
            : JSON.stringify({ query: sink.query, variables: { [sink.variable]: 'x', [marker]: 1 } });
      const [before, after] = payload.split(marker) as [string, string];
      return {
        kind: `raw: invalid UTF-8 in the ${where} (${contentType})`,
        method: 'POST',
        path: '/graphql',
        headers: { 'content-type': contentType, ...authHeader(token) },
        body: Buffer.concat([Buffer.from(before), Buffer.from(bad), Buffer.from(after)]),
        operation: sink.operation,
        token: token.name,
        isForgedToken: token.isForged,
      };
    });

  const hostileStrings = fc
    .record({ sink: fc.constantFrom(...STRING_SINKS), value: stringArb, token: pools.adminToken })
    .map(({ sink, value, token }) =>
      jsonCase(
        `string probe: ${sink.query.split(/[({]/)[2]?.trim() ?? sink.query}`,
        { query: sink.query, variables: { [sink.variable]: value } },
        sink.operation,
        token,
      ),
    );

  const truncated = fc
    .record({ sink: fc.constantFrom(...STRING_SINKS), value: stringArb, cut: fc.double({ min: 0, max: 1, noNaN: true }), token: pools.tokens })
    .map(({ sink, value, cut, token }): FuzzCase => {
      const full = Buffer.from(JSON.stringify({ query: sink.query, variables: { [sink.variable]: value } }));
      return {
        kind: 'raw: truncated JSON',
        method: 'POST',
        path: '/graphql',
        headers: { ...json, ...authHeader(token) },
        body: full.subarray(0, Math.floor(full.length * cut)),
        operation: sink.operation,
        token: token.name,
        isForgedToken: token.isForged,
      };
    });

  const notOperations = fc.record({ body: fc.constantFrom(...NOT_OPERATIONS), token: pools.tokens }).map(({ body, token }): FuzzCase => ({
    kind: 'raw: a body that is not one operation',
    method: 'POST',
    path: '/graphql',
    headers: { ...json, ...authHeader(token) },
    body: Buffer.from(body),
    operation: body.includes('mutation') || body.includes('registerServer') ? 'mutation' : 'query',
    token: token.name,
    isForgedToken: token.isForged,
  }));

  const batch = fc.record({ n: fc.integer({ min: 2, max: 60 }), token: pools.tokens, mixed: fc.boolean() }).map(({ n, token, mixed }) =>
    jsonCase(
      `raw: a batch of ${n}`,
      Array.from({ length: n }, (_, i) => (mixed && i % 2 ? { query: 'mutation { markAllNotificationsRead }' } : { query: `{ me { id } }` })),
      mixed ? 'mutation' : 'query',
      token,
    ),
  );

  const deep = fc
    .record({
      depth: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 50, max: 200 }) }, { weight: 1, arbitrary: fc.integer({ min: 2000, max: 20_000 }) }),
      shape: fc.constantFrom(
        'fields',
        'inline fragments',
        'introspection',
        'list literal',
        'object literal',
        'unbalanced',
        'JSON variable',
        'list variable',
        'JSONObject literal',
      ),
      token: pools.tokens,
    })
    .map(({ depth, shape, token }): FuzzCase => {
      const d = shape === 'JSON variable' || shape === 'list variable' ? depth : Math.min(depth, 200);
      switch (shape) {
        case 'fields':
          return jsonCase(`raw: selections ${d} deep`, { query: `{ me ${'{ a '.repeat(d)}${'} '.repeat(d)}}` }, 'query', token);
        case 'inline fragments':
          return jsonCase(
            `raw: inline fragments ${d} deep`,
            { query: `{ ${'... on Query { '.repeat(d)}me { id email } unreadNotificationCount ${'} '.repeat(d)}}` },
            'query',
            token,
          );
        case 'introspection':
          return jsonCase(
            `raw: introspection ${d} deep`,
            { query: `{ __type(name: "Query") { name ${'ofType { name '.repeat(d)}${'} '.repeat(d)}} }` },
            'query',
            token,
          );
        case 'list literal':
          return jsonCase(
            `raw: list literal ${d} deep`,
            { query: `{ servers(filter: { labels: ${'['.repeat(d)}{ key: "env", value: "prod" }${']'.repeat(d)} }) { nodes { id } } }` },
            'query',
            token,
          );
        case 'object literal':
          return jsonCase(
            `raw: object literal ${d} deep`,
            { query: `mutation { registerServer(input: ${'{ name: "n", hostname: "h", labels: '.repeat(d)}null${' }'.repeat(d)}) { id } }` },
            'mutation',
            token,
          );
        case 'unbalanced':
          return jsonCase(`raw: ${d} unclosed braces`, { query: '{ me '.repeat(d) }, 'query', token);
        case 'JSON variable':
          // Written out by hand: JSON.stringify itself overflows the stack this deep.
          return rawJsonCase(
            `raw: a JSONObject variable ${d} deep`,
            `{"query":"mutation($entries: [ActivityReportInput!]!) { reportActivity(entries: $entries) }","variables":{"entries":[{"action":"AUTH_SIGNED_IN","result":200,"occurredAt":"2024-01-01T00:00:00Z","details":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}]}}`,
            'mutation',
            token,
          );
        case 'JSONObject literal':
          return jsonCase(
            `raw: a JSONObject literal ${d} deep`,
            {
              query: `mutation { reportActivity(entries: [{ action: AUTH_SIGNED_IN, result: 200, occurredAt: "2024-01-01T00:00:00Z", details: ${'{ a: '.repeat(d)}1${' }'.repeat(d)} }]) }`,
            },
            'mutation',
            token,
          );
        default:
          return rawJsonCase(
            `raw: a list variable ${d} deep`,
            `{"query":"query($f: ServerFilterInput) { servers(filter: $f) { nodes { id } } }","variables":{"f":{"labels":${'['.repeat(d)}{"key":"env","value":"prod"}${']'.repeat(d)}}}}`,
            'query',
            token,
          );
      }
    });

  const aliases = fc
    .record({
      n: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1000, max: 5000 }) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 40 }) }),
      field: fc.constantFrom(
        '__typename',
        'me { id }',
        'unreadNotificationCount',
        'servers(first: 500) { nodes { id name labels { key value } } }',
        'recentAuditActivity { seq }',
        'MUTATION markAllNotificationsRead',
        'MUTATION createChatLinkCode { code }',
      ),
      token: pools.tokens,
    })
    .map(({ n, field, token }): FuzzCase => {
      const isMutation = field.startsWith('MUTATION ');
      const selection = field.replace('MUTATION ', '');
      const body = Array.from({ length: n }, (_, i) => `a${i}: ${selection}`).join(' ');
      return jsonCase(
        `raw: ${n} aliases of ${selection.split(/[ ({]/)[0]}`,
        { query: `${isMutation ? 'mutation ' : ''}{ ${body} }` },
        isMutation ? 'mutation' : 'query',
        token,
      );
    });

  const hugeVariables = fc
    .record({
      shape: fc.constantFrom('many keys', 'long list', 'one big string', 'over the body limit', 'many declared'),
      n: fc.integer({ min: 5000, max: 40_000 }),
      token: pools.tokens,
      value: fc.jsonValue({ maxDepth: 1 }),
    })
    .map(({ shape, n, token, value }): FuzzCase => {
      switch (shape) {
        case 'many keys':
          return jsonCase(
            `raw: ${n} unused variables`,
            { query: '{ me { id } }', variables: Object.fromEntries(Array.from({ length: n }, (_, i) => [`v${i}`, value])) },
            'query',
            token,
          );
        case 'long list':
          return jsonCase(
            `raw: a list variable of ${n}`,
            {
              query: 'mutation($p: [Permission!]!, $u: ID!) { grantPermissions(userId: $u, permissions: $p) { id } }',
              variables: { u: f.bob.id, p: Array.from({ length: n }, (_, i) => (i % 2 ? 'USERS_MANAGE' : 'NOPE')) },
            },
            'mutation',
            token,
          );
        case 'one big string':
          return jsonCase(
            'raw: a 1.9 MB variable',
            { query: 'query($s: String) { servers(filter: { search: $s }) { nodes { id } } }', variables: { s: 'x'.repeat(1_900_000) } },
            'query',
            token,
          );
        case 'over the body limit':
          return jsonCase('raw: a 2.5 MB body', { query: `{ me { id } } # ${'x'.repeat(2_500_000)}` }, 'query', token);
        default: {
          const count = Math.min(n, 3000);
          return jsonCase(
            `raw: ${count} declared variables`,
            { query: `query(${Array.from({ length: count }, (_, i) => `$v${i}: String`).join(', ')}) { me { id } }`, variables: {} },
            'query',
            token,
          );
        }
      }
    });

  const contentTypes = fc
    .record({
      contentType: fc.constantFrom(...CONTENT_TYPES),
      encoding: fc.option(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-nope'), { freq: 4 }),
      form: fc.boolean(),
      token: pools.tokens,
    })
    .map(({ contentType, encoding, form, token }): FuzzCase => {
      const query = '{ me { id email } }';
      const body = form ? `query=${encodeURIComponent(query)}` : contentType.startsWith('application/graphql') ? query : JSON.stringify({ query });
      return {
        kind: `raw: content-type "${contentType}"${encoding ? `, content-encoding ${encoding}` : ''}`,
        method: 'POST',
        path: '/graphql',
        headers: { ...(contentType ? { 'content-type': contentType } : {}), ...(encoding ? { 'content-encoding': encoding } : {}), ...authHeader(token) },
        body: Buffer.from(body),
        operation: 'query',
        token: token.name,
        isForgedToken: token.isForged,
      };
    });

  const getRequests = fc
    .record({
      params: fc.constantFrom(
        'query=%7B%20me%20%7B%20id%20%7D%20%7D',
        'query=mutation%20%7B%20markAllNotificationsRead%20%7D',
        'query=%7B%20me%20%7B%20id%20%7D%20%7D&variables=not-json',
        'query=%7B%20me%20%7B%20id%20%7D%20%7D&variables=%5B%5D',
        'query=%7B%20me%20%7B%20id%20%7D%20%7D&extensions=%7B',
        'query=%7B%20me%20%7B%20id%20%7D%20%7D&extensions=%7B%22persistedQuery%22%3A%7B%22version%22%3A1%2C%22sha256Hash%22%3A%22x%22%7D%7D',
        'query=%7B%20me%20%7B%20id%20%7D%20%7D&query=%7B%20me%20%7B%20email%20%7D%20%7D',
        'query=%FF%FE%00',
        'query=%ED%A0%80',
        'query=%7B%20me',
        'query=',
        '',
        'query[]=x',
        'query[a]=b',
        `query=${encodeURIComponent(`{ me { id } } #${'x'.repeat(20_000)}`)}`,
        `query=${encodeURIComponent('query($s: String) { servers(filter: { search: $s }) { nodes { id } } }')}&variables=${encodeURIComponent(JSON.stringify({ s: '\u0000\uD800' }))}`,
      ),
      preflight: fc.boolean(),
      accept: fc.constantFrom('application/json', 'text/html', '*/*', 'application/graphql-response+json'),
      token: pools.tokens,
    })
    .map(({ params, preflight, accept, token }): FuzzCase => ({
      kind: `raw: GET ?${params.slice(0, 60)}${preflight ? ' (preflight header)' : ''}`,
      method: 'GET',
      path: `/graphql${params ? `?${params}` : ''}`,
      headers: { accept, ...(preflight ? { 'apollo-require-preflight': 'true' } : {}), ...authHeader(token) },
      operation: params.includes('mutation') ? 'mutation' : 'query',
      token: token.name,
      isForgedToken: token.isForged,
      accept,
    }));

  const otherMethods = fc
    .record({ method: fc.constantFrom('PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'), token: pools.tokens })
    .map(({ method, token }): FuzzCase => ({
      kind: `raw: ${method}`,
      method,
      path: '/graphql',
      headers: { ...json, ...authHeader(token) },
      body: method === 'HEAD' ? undefined : Buffer.from(JSON.stringify({ query: 'mutation { markAllNotificationsRead }' })),
      operation: 'mutation',
      token: token.name,
      isForgedToken: token.isForged,
    }));

  const authorization = fc
    .constantFrom(...AUTHORIZATION_HEADERS)
    .map((header) =>
      jsonCase('raw: Authorization header', { query: '{ me { id email } }' }, 'query', { name: `header "${header.slice(0, 40)}"`, authorization: header }),
    );

  return fc.oneof(
    { weight: 2, arbitrary: randomBytes },
    { weight: 4, arbitrary: badUtf8 },
    { weight: 4, arbitrary: hostileStrings },
    { weight: 2, arbitrary: truncated },
    { weight: 4, arbitrary: notOperations },
    { weight: 1, arbitrary: batch },
    { weight: 4, arbitrary: deep },
    { weight: 2, arbitrary: aliases },
    { weight: 1, arbitrary: hugeVariables },
    { weight: 2, arbitrary: contentTypes },
    { weight: 2, arbitrary: getRequests },
    { weight: 1, arbitrary: otherMethods },
    { weight: 1, arbitrary: authorization },
  );
}

// ---------------------------------------------------------------------------------------------
// Sending and checking

async function send(testCase: FuzzCase, requestId: string): Promise<Answer> {
  const response = await fetch(`${t.vigil.baseUrl}${testCase.path}`, {
    method: testCase.method,
    headers: { 'x-request-id': requestId, ...testCase.headers },
    body: testCase.body ? new Uint8Array(testCase.body) : undefined,
    redirect: 'manual',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json, contentType: response.headers.get('content-type') ?? '' };
}

async function isHealthy(): Promise<boolean> {
  try {
    const response = await fetch(`${t.vigil.baseUrl}/healthz`, { signal: AbortSignal.timeout(10_000) });
    return response.status === 200;
  } catch {
    return false;
  }
}

async function countRows(): Promise<Map<string, number>> {
  const statement = tables.map((table) => `select '${table}' as t, count(*)::int as n from "${table}"`).join(' union all ');
  const rows = await queryRows<{ t: string; n: number }>(t.vigil.database.db, sql.raw(statement));
  return new Map(rows.map((row) => [row.t, Number(row.n)]));
}

type GraphQLBody = { data?: Record<string, unknown> | null; errors?: { message?: string; extensions?: { code?: unknown; stacktrace?: unknown } }[] };

/** The GraphQL responses in an answer: one, or one per operation of a batch. */
function responsesOf(answer: Answer): GraphQLBody[] | undefined {
  const isResponse = (value: unknown): value is GraphQLBody =>
    typeof value === 'object' && value !== null && !Array.isArray(value) && ('data' in value || 'errors' in value);
  if (isResponse(answer.json)) return [answer.json];
  if (Array.isArray(answer.json) && answer.json.length > 0 && answer.json.every(isResponse)) return answer.json;
  return undefined;
}

/** An internal error's cause, from the stack trace the development environment adds. */
function causeOf(error: NonNullable<GraphQLBody['errors']>[number]): string {
  const stack = error?.extensions?.stacktrace;
  const cause = Array.isArray(stack)
    ? stack
        .slice(0, 2)
        .map((line) => String(line).trim())
        .join(' ')
    : String(error?.message);
  // drizzle's "Failed query" names every column: keep the statement's shape and its parameters.
  return cause
    .replace(/select "[\s\S]*?" from "/, 'select … from "')
    .replace(/\("\w+"(?:, "\w+")*\) values \([^)]*\)/, '(…) values (…)')
    .replace(/ returning "[\s\S]*?"(?= params:|$)/, '');
}

/** What is wrong with an answer (empty when nothing is). */
function problemsOf(testCase: FuzzCase, answer: Answer): string[] {
  const problems: string[] = [];
  if (answer.status >= 500) problems.push(`HTTP ${answer.status}`);
  const responses = responsesOf(answer);
  if (answer.status < 300 && !responses) {
    const isLandingPage = testCase.method === 'GET' && testCase.accept === 'text/html' && answer.contentType.startsWith('text/html');
    const isPreflight = testCase.method === 'OPTIONS' || testCase.method === 'HEAD';
    if (!isLandingPage && !isPreflight) problems.push(`HTTP ${answer.status} without a GraphQL JSON body`);
  }
  for (const response of responses ?? []) {
    for (const error of Array.isArray(response.errors) ? response.errors : []) {
      const code = error?.extensions?.code;
      if (typeof code !== 'string') problems.push(`an error without extensions.code: ${JSON.stringify(error).slice(0, 300)}`);
      else if (!KNOWN_CODES.has(code)) problems.push(`error code ${code} (HTTP ${answer.status}): ${causeOf(error).slice(0, 400)}`);
    }
  }
  return [...new Set(problems)];
}

/** Rejected: a 4xx (or worse), or errors with no data (or only nulls) for the operation (each of a batch). */
function isRejected(answer: Answer): boolean {
  if (answer.status >= 400) return true;
  const responses = responsesOf(answer);
  if (!responses) return true;
  return responses.every((body) => Boolean(body.errors?.length) && (body.data == null || Object.values(body.data).every((value) => value === null)));
}

/**
 * The rows a rejected call may add, by design:
 * - activity_log: `auth.sign_in_failed` for a refused API token that names an existing tenant
 *   (recordFailedSignIn writes it outside the request's transaction, so the attempt stays visible
 *   after the request fails) — only for the forged tokens, checked by request id.
 * - audit_entries: `audit.log_viewed` / `audit.verified` for the audit reads (auditLog, auditEntry,
 *   recentAuditActivity, auditStatistics, auditIntegrity), which record the read itself before
 *   answering — a query whose root resolver ran and recorded the view can still end with
 *   `data: null` if a field below it fails. With them may come a tenant's first audit_chain_heads row.
 * - rate_limit_windows: per-key request counters, counted for every request before anything else.
 * - audit_checkpoints: signed every N audit entries, and by the periodic checkpointer on its own
 *   timer (a tenant without a checkpoint is due at its first tick, a minute after start, which a
 *   slow run reaches) — not attributable to one call, and never tenant data.
 * - log_leaves: one leaf for each of the rows above that the verifiable log covers (audit and
 *   activity entries), never more.
 * - log_nodes, log_heads, log_checkpoints: the sequencer integrating queued leaves (this call's,
 *   and earlier calls' not yet integrated) and signing due checkpoints — not attributable to one call.
 * Nothing else: above all, a rejected mutation adds no row to any other table.
 */
async function unexpectedGrowth(testCase: FuzzCase, requestId: string, before: Map<string, number>, after: Map<string, number>): Promise<string[]> {
  const grown = [...after].filter(([table, n]) => n !== (before.get(table) ?? 0)).map(([table, n]) => ({ table, delta: n - (before.get(table) ?? 0) }));
  const problems: string[] = [];
  const auditGrew = grown.some((g) => g.table === 'audit_entries');
  const loggedRows = grown.filter((g) => g.table === 'audit_entries' || g.table === 'activity_log').reduce((sum, g) => sum + Math.max(0, g.delta), 0);
  for (const { table, delta } of grown) {
    if (['rate_limit_windows', 'audit_checkpoints', 'log_nodes', 'log_heads', 'log_checkpoints'].includes(table)) continue;
    if (table === 'log_leaves' && delta <= loggedRows) continue;
    if (table === 'activity_log' && delta > 0) {
      const rows = await queryRows<{ action: string }>(t.vigil.database.db, sql`select action from activity_log where request_id = ${requestId}`);
      const isExpected = testCase.isForgedToken && rows.length === delta && rows.every((row) => row.action === 'auth.sign_in_failed');
      if (!isExpected) problems.push(`activity_log +${delta} (${rows.map((row) => row.action).join(', ') || 'rows without this request id'})`);
      continue;
    }
    if (table === 'audit_entries' && delta > 0) {
      const rows = await queryRows<{ action: string }>(t.vigil.database.db, sql`select action from audit_entries where request_id = ${requestId}`);
      const isExpected =
        testCase.operation === 'query' && rows.length === delta && rows.every((row) => row.action === 'audit.log_viewed' || row.action === 'audit.verified');
      if (!isExpected) problems.push(`audit_entries +${delta} (${rows.map((row) => row.action).join(', ') || 'rows without this request id'})`);
      continue;
    }
    if (table === 'audit_chain_heads' && delta > 0 && auditGrew) continue;
    problems.push(`${table} ${delta > 0 ? '+' : ''}${delta}`);
  }
  return problems;
}

/** `text` with control characters and lone surrogates escaped, so findings print cleanly. */
function printable(text: string): string {
  return text.replace(
    /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function describeRequest(testCase: FuzzCase): string {
  const body = testCase.body ? testCase.body.toString('utf8') : '';
  const shown = body.length > 1500 ? `${body.slice(0, 1500)}… (${testCase.body!.length} bytes)` : body;
  const headers = Object.entries(testCase.headers)
    .map(([name, value]) => `${name}: ${name === 'authorization' ? `<${testCase.token}>` : value.length > 80 ? `${value.slice(0, 80)}…` : value}`)
    .join('; ');
  return `${testCase.kind}\n    ${testCase.method} ${testCase.path.length > 300 ? `${testCase.path.slice(0, 300)}…` : testCase.path}\n    token: ${testCase.token}; headers: ${headers}\n    body: ${shown}`;
}

function describeAnswer(answer: Answer): string {
  return `HTTP ${answer.status} ${answer.text.length > 2500 ? `${answer.text.slice(0, 2500)}…` : answer.text}`;
}

// ---------------------------------------------------------------------------------------------

describe('GraphQL fuzzing', () => {
  it('answers every fuzzed request below 500, with known error codes, and writes nothing for a rejected call', { timeout: 300_000 }, async () => {
    const tenantHex = t.admin.tenantId.replaceAll('-', '');
    const otherHex = f.other.tenantId.replaceAll('-', '');
    const tokenSuffix = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString('base64url'));
    const tokens: fc.Arbitrary<TokenChoice> = fc.oneof(
      { weight: 2, arbitrary: fc.constant<TokenChoice>({ name: 'none' }) },
      { weight: 5, arbitrary: fc.constant<TokenChoice>({ name: 'admin', authorization: `Bearer ${f.admin.token}` }) },
      { weight: 3, arbitrary: fc.constant<TokenChoice>({ name: 'alice (user)', authorization: `Bearer ${f.alice.token}` }) },
      { weight: 1, arbitrary: fc.constant<TokenChoice>({ name: 'carol (recordings viewer)', authorization: `Bearer ${f.carol.token}` }) },
      { weight: 1, arbitrary: fc.constant<TokenChoice>({ name: 'dave (monitoring viewer)', authorization: `Bearer ${f.dave.token}` }) },
      { weight: 3, arbitrary: fc.constant<TokenChoice>({ name: 'agent web-01', authorization: `Bearer ${f.web.agentToken}` }) },
      { weight: 2, arbitrary: fc.constant<TokenChoice>({ name: 'alice (stream token)', authorization: `Bearer ${aliceStreamToken}` }) },
      { weight: 1, arbitrary: fc.constant<TokenChoice>({ name: 'admin of tenant other', authorization: `Bearer ${f.other.admin.token}` }) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.constantFrom('user', 'agent', 'stream'), fc.constantFrom(tenantHex, otherHex), tokenSuffix)
          .map(([kind, hex, suffix]): TokenChoice => ({
            name: `forged vigil_${kind} token`,
            authorization: `Bearer vigil_${kind}_${hex}_${suffix}`,
            isForged: true,
          })),
      },
      {
        weight: 1,
        arbitrary: fc
          .oneof(
            fc.string({ minLength: 1, maxLength: 40 }).filter((s) => /^[\x21-\x7e]+$/.test(s)),
            fc.uuid().map((id) => `vigil_user_${id.replaceAll('-', '')}_${'x'.repeat(43)}`),
          )
          .map((token): TokenChoice => ({ name: 'garbage token', authorization: `Bearer ${token}` })),
      },
    );
    const knownIds = [f.bob.id, f.dave.id, f.other.admin.id, f.db.id, f.other.server.id, f.aliceAccess.id, f.aliceAccess.approvalId, t.admin.tenantId];
    const adminToken = fc.constant<TokenChoice>({ name: 'admin', authorization: `Bearer ${f.admin.token}` });
    const pools: Pools = { tokens, adminToken, ctx: { knownIds } };

    const roots = (['query', 'mutation', 'subscription'] as const).map((root) => {
      const type = root === 'query' ? schema.getQueryType() : root === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
      return { root, fields: Object.values(type!.getFields()) };
    });
    const allFields = roots.flatMap(({ root, fields }) => fields.map((field) => ({ root, field })));

    // Every field twice (once with variables, once inlined), then a random mix of fields and raw requests.
    const coverage = allFields.flatMap(({ root, field }, i) => [
      ...fc.sample(fieldCaseArb(root, field, pools, 'variables'), { seed: SEED + 2 * i + 1, numRuns: 1 }),
      ...fc.sample(fieldCaseArb(root, field, pools, 'inline'), { seed: SEED + 2 * i + 2, numRuns: 1 }),
    ]);
    // …and every paged list once with a hostile `after` cursor and once with a hostile `before`.
    const pagedFields = Object.values(schema.getQueryType()!.getFields()).filter((field) => field.args.some((arg) => arg.name === 'after'));
    const cursorProbes = pagedFields.flatMap((field, i) => [
      ...fc.sample(cursorProbeArb(field, pools, 'after'), { seed: SEED + 10_000 + 2 * i, numRuns: 1 }),
      ...fc.sample(cursorProbeArb(field, pools, 'before'), { seed: SEED + 10_001 + 2 * i, numRuns: 1 }),
    ]);
    coverage.push(...cursorProbes);
    const anyField = fc.constantFrom(...allFields.filter(({ root }) => root !== 'subscription')).chain(({ root, field }) => fieldCaseArb(root, field, pools));
    const rest =
      RUNS > coverage.length
        ? fc.sample(fc.oneof({ weight: 3, arbitrary: anyField }, { weight: 2, arbitrary: rawCaseArb(pools) }), { seed: SEED, numRuns: RUNS - coverage.length })
        : [];
    const cases = [...coverage, ...rest].slice(0, RUNS);

    console.log(`fuzz: seed ${SEED} (FUZZ_SEED), ${cases.length} cases (FUZZ_RUNS), ${allFields.length} root fields, ${tables.length} tables watched`);

    const findings: Finding[] = [];
    const statuses = new Map<number, number>();
    const codes = new Map<string, number>();
    let serverErrors = 0;
    let rejected = 0;
    let executed = 0;
    let wrote = 0;
    let rejectedExecutedMutations = 0;
    let ran = 0;
    let before = await countRows();
    for (const [index, testCase] of cases.entries()) {
      const requestId = `fuzz-${SEED}-${index}`;
      let answer: Answer;
      try {
        answer = await send(testCase, requestId);
      } catch (error) {
        serverErrors += 1;
        findings.push({
          index,
          problem: `no answer: ${String((error as Error)?.cause ?? error)}`,
          request: printable(describeRequest(testCase)),
          response: '',
        });
        if (!(await isHealthy())) break;
        before = await countRows();
        continue;
      }
      ran += 1;
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      for (const error of (responsesOf(answer) ?? []).flatMap((response) => response.errors ?? [])) {
        const code = typeof error?.extensions?.code === 'string' ? error.extensions.code : 'none';
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
      const problems = problemsOf(testCase, answer);
      if (problems.some((problem) => problem.startsWith('HTTP 5') || problem.includes('INTERNAL_SERVER_ERROR'))) serverErrors += 1;

      if (responsesOf(answer)?.some((response) => 'data' in response)) executed += 1;
      const after = await countRows();
      if ([...after].some(([table, n]) => table !== 'rate_limit_windows' && n !== before.get(table))) wrote += 1;
      if (isRejected(answer)) {
        rejected += 1;
        if (testCase.operation === 'mutation' && responsesOf(answer)?.some((response) => 'data' in response)) rejectedExecutedMutations += 1;
        problems.push(...(await unexpectedGrowth(testCase, requestId, before, after)).map((problem) => `rejected call wrote rows: ${problem}`));
      }
      before = after;
      if (!(await isHealthy())) problems.push('the server no longer answers /healthz');
      if (problems.length > 0)
        findings.push({
          index,
          problem: printable(problems.join('; ')),
          request: printable(describeRequest(testCase)),
          response: printable(describeAnswer(answer)),
        });
      if (problems.includes('the server no longer answers /healthz')) break;
    }

    for (const finding of findings) {
      console.log(`fuzz finding #${finding.index}: ${finding.problem}\n  request: ${finding.request}\n  response: ${finding.response}`);
    }
    const distinct = new Map<string, number>();
    for (const finding of findings) {
      for (const problem of finding.problem.split('; ')) {
        const key = problem
          .replace(/Failed query: (\w+)[\s\S]*?(?:from|into|update) "(\w+)"[\s\S]*/, 'Failed query: $1 on $2')
          .replace(/ at [\s\S]*/, '')
          .slice(0, 160);
        distinct.set(key, (distinct.get(key) ?? 0) + 1);
      }
    }
    if (distinct.size > 0) console.log(`fuzz: distinct problems:\n${[...distinct].map(([problem, n]) => `  ${n}× ${problem}`).join('\n')}`);
    const histogram = (map: Map<string | number, number>) =>
      [...map]
        .sort(([a], [b]) => String(a).localeCompare(String(b)))
        .map(([key, n]) => `${key}×${n}`)
        .join(' ');
    console.log(
      `fuzz: statuses ${histogram(statuses)}; error codes ${histogram(codes)}; ${executed} reached execution, ${rejected} rejected (${rejectedExecutedMutations} of them mutations that ran), ${wrote} wrote rows`,
    );
    console.log(
      `fuzz: ${ran} cases, ${serverErrors} server errors${findings.length > serverErrors ? `, ${findings.length} findings in all` : ''} (seed ${SEED})`,
    );

    expect(findings.map((finding) => `#${finding.index} ${finding.problem}`)).toEqual([]);

    // Whatever the fuzzer got stored, no webhook points at an address Vigil does not send to.
    const policy = createOutboundPolicy([]);
    const stored = await queryRows<{ url: string }>(t.vigil.database.db, sql`select url from webhook_subscriptions`);
    const unsafe = stored.filter(({ url }) => {
      try {
        policy.checkUrl(url);
        return false;
      } catch {
        return true;
      }
    });
    expect(unsafe.map(({ url }) => url)).toEqual([]);
  });
});
