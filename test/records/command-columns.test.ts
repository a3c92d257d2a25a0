/**
 * A page of commands reads only the columns its fields need (schema/records/command.type.ts).
 * The guard: every field of Command, asked alone on a page, answers exactly what the same command
 * answers when looked up by id (which reads the whole row), for an admin and for a regular user,
 * over commands that fill every column. A field whose columns are listed wrong fails here by name.
 */
import { parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionNodeFields } from '../../schema/common/selected-fields.js';
import { commandColumnsFor } from '../../schema/records/command.type.js';
import { buildRecordsFixture, ingest, minutesAgo, type RecordsFixture } from '../support/records-fixture.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

interface IntrospectedType {
  kind: string;
  name: string | null;
  ofType: IntrospectedType | null;
}

const named = (type: IntrospectedType): IntrospectedType => (type.ofType ? named(type.ofType) : type);

describe('a page of commands, field by field', () => {
  let t: TestVigil;
  let f: RecordsFixture;
  /** Each field of Command with the selection that asks for it. */
  let selections: { field: string; selection: string }[];

  beforeAll(async () => {
    t = await startTestVigil();
    f = await buildRecordsFixture(t);
    const tokens = await t.gql<any>('{ apiTokens(first: 1) { nodes { id } } }', f.alice.token);
    const aliceTokenId: string = tokens.data.apiTokens.nodes[0].id;
    const reported = await ingest(t, f.web.agentToken, [
      {
        eventId: 'cols-session',
        kind: 'TERMINAL_SESSION_STARTED',
        terminalSessionStarted: {
          userEmail: f.alice.email,
          username: 'alice',
          source: 'WEB_TERMINAL',
          startedAt: minutesAgo(t, 40),
          accessSessionId: f.aliceAccess.id,
        },
      },
      {
        eventId: 'cols-typed',
        kind: 'COMMAND',
        command: {
          shell: 'SYSTEM',
          line: 'systemctl restart app',
          workingDirectory: '/srv/app',
          terminalSessionEventId: 'cols-session',
          operatorTokenId: aliceTokenId,
          status: 'FAILED',
          exitCode: 3,
          result: 'unit app.service not found',
          submittedAt: minutesAgo(t, 30),
          startedAt: minutesAgo(t, 29),
          finishedAt: minutesAgo(t, 28),
        },
      },
      {
        eventId: 'cols-bob',
        kind: 'COMMAND',
        command: {
          shell: 'SYSTEM',
          line: 'df -h',
          userEmail: f.bob.email,
          status: 'SUCCESS',
          exitCode: 0,
          result: 'bob output',
          submittedAt: minutesAgo(t, 20),
          startedAt: minutesAgo(t, 20),
        },
      },
      { eventId: 'cols-agent', kind: 'COMMAND', command: { shell: 'INTERNAL', line: 'apt-get update', status: 'RUNNING', submittedAt: minutesAgo(t, 10) } },
    ]);
    expect(reported.errors).toBeUndefined();
    // Each field with what it holds: an object field with its own scalar fields and one level of
    // objects below (a server with its name, address and labels), so rows that arrive joined to
    // the page are compared whole too.
    const schema = await t.gql<any>(
      '{ __schema { types { name kind fields { name args { type { kind } } type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }',
      f.admin.token,
    );
    const types = new Map<
      string,
      { name: string; kind: string; fields: { name: string; args: { type: { kind: string } }[]; type: IntrospectedType }[] | null }
    >(schema.data.__schema.types.map((type: any) => [type.name, type]));
    const selectionOf = (typeName: string, depth: number): string => {
      const parts: string[] = [];
      for (const field of types.get(typeName)?.fields ?? []) {
        if (field.args.some((arg) => arg.type.kind === 'NON_NULL')) continue;
        const type = named(field.type);
        if (type.kind !== 'OBJECT') parts.push(field.name);
        else if (depth > 0 && !/Connection$/.test(type.name!) && type.name !== 'LogLeaf') parts.push(`${field.name} { ${selectionOf(type.name!, depth - 1)} }`);
      }
      return parts.length > 0 ? parts.join(' ') : '__typename';
    };
    selections = types.get('Command')!.fields!.map((field) => {
      const type = named(field.type);
      return { field: field.name, selection: type.kind === 'OBJECT' ? `${field.name} { ${selectionOf(type.name!, 1)} }` : field.name };
    });
  }, 60_000);
  afterAll(() => t?.close());

  it('covers every field of Command, and each one has a list of its columns', () => {
    expect(selections.length).toBeGreaterThanOrEqual(22);
    for (const { field } of selections) expect(commandColumnsFor([field]), field).toBeDefined();
  });

  for (const who of ['admin', 'alice'] as const) {
    it(`answers each field on a page as the command's own lookup does (${who})`, async () => {
      const user: TestUser = f[who];
      const page = await t.gql<any>('{ commands(first: 100) { nodes { id } } }', user.token);
      const ids: string[] = page.data.commands.nodes.map((node: { id: string }) => node.id);
      expect(ids.length).toBeGreaterThanOrEqual(who === 'admin' ? 3 : 1);
      const everything = selections.map(({ selection }) => selection).join(' ');
      const lookups = await t.gql<any>(`{ ${ids.map((id, index) => `c${index}: command(id: "${id}") { ${everything} }`).join(' ')} }`, user.token);
      expect(lookups.errors).toBeUndefined();
      const whole = ids.map((_, index) => lookups.data[`c${index}`]);
      // The comparison means something only where the columns hold values.
      const filled = new Set(selections.map(({ field }) => field).filter((field) => whole.some((command) => command[field] !== null)));
      expect([...filled]).toEqual(
        expect.arrayContaining(['result', 'workingDirectory', 'exitCode', 'terminalSession', 'accessSession', 'operator', 'elapsedSeconds']),
      );
      if (who === 'admin') expect([...filled]).toContain('operatorToken');
      for (const { field, selection } of selections) {
        const alone = await t.gql<any>(`{ commands(first: 100) { edges { node { ${selection} } } } }`, user.token);
        expect(alone.errors, field).toBeUndefined();
        expect(
          alone.data.commands.edges.map((edge: any) => edge.node[field]),
          field,
        ).toEqual(whole.map((command) => command[field]));
      }
    });
  }

  it('reads only the columns a page asks for', async () => {
    const statements: string[] = [];
    const stop = t.vigil.database.onQuery((text) => statements.push(text));
    try {
      const page = await t.gql<any>('{ commands(first: 5) { nodes { line status } } }', f.admin.token);
      expect(page.data.commands.nodes.length).toBeGreaterThan(0);
    } finally {
      stop();
    }
    const select = statements.find((text) => /from "commands"/.test(text))!;
    expect(select).toMatch(/"line"/);
    expect(select).toMatch(/"submitted_at"/);
    expect(select).not.toMatch(/"result"|"working_directory"|"operator_token_id"/);
  });
});

describe('connectionNodeFields', () => {
  const infoOf = (query: string) => {
    const document = parse(query);
    const operation = document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === 'OperationDefinition')!;
    const fragments = Object.fromEntries(
      document.definitions
        .filter((definition): definition is FragmentDefinitionNode => definition.kind === 'FragmentDefinition')
        .map((fragment) => [fragment.name.value, fragment]),
    );
    const list = operation.selectionSet.selections[0]!;
    if (list.kind !== 'Field') throw new Error('expected a field');
    return { fieldNodes: [list], fragments };
  };

  it('collects the fields under nodes and edges.node, through fragments and aliases, and nothing else', () => {
    const fields = connectionNodeFields(
      infoOf(`{
        commands(first: 5) {
          pageInfo { endCursor }
          nodes { id renamed: line ...Times }
          edges { cursor node { ... on Command { status server { name } } } }
        }
      }
      fragment Times on Command { submittedAt finishedAt }`),
    );
    expect([...fields].sort()).toEqual(['finishedAt', 'id', 'line', 'server', 'status', 'submittedAt']);
  });

  it('makes a page read whole rows when a field has no known columns', () => {
    expect(commandColumnsFor(['line', 'notAField'])).toBeUndefined();
    expect(commandColumnsFor(['line'])?.sort()).toEqual(['id', 'line', 'submittedAt']);
  });
});
