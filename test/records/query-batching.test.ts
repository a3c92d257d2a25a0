/**
 * Nested fields are batched: the number of SQL statements for a page does not grow with its size.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../support/graphql-client.js';
import { addServer, buildRecordsFixture, ingest, minutesAgo, type RecordsFixture, type TestServer } from '../support/records-fixture.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let f: RecordsFixture;

beforeAll(async () => {
  t = await startTestVigil();
  f = await buildRecordsFixture(t);
  const operators: TestUser[] = [f.alice, f.bob, f.carol, f.dave];
  for (let index = 0; index < 6; index++) operators.push(await t.createUser(t.admin.tenantId, { email: `op${index}@example.test` }));
  const servers: TestServer[] = [f.web, f.db];
  for (let index = 0; index < 3; index++) servers.push(await addServer(t, t.admin.tenantId, `app-0${index}`));
  for (const [serverIndex, server] of servers.entries()) {
    const events: Record<string, unknown>[] = [];
    for (let s = 0; s < 6; s++) {
      const operator = operators[(serverIndex * 6 + s) % operators.length]!;
      events.push({
        eventId: `ts-${s}`,
        kind: 'TERMINAL_SESSION_STARTED',
        terminalSessionStarted: { userId: operator.id, username: 'deploy', source: 'WEB_TERMINAL', startedAt: minutesAgo(t, 500 - s * 10) },
      });
      for (let c = 0; c < 8; c++) {
        events.push({
          eventId: `cmd-${s}-${c}`,
          kind: 'COMMAND',
          command: {
            shell: 'SYSTEM',
            line: `echo ${s} ${c}`,
            terminalSessionEventId: `ts-${s}`,
            status: 'SUCCESS',
            submittedAt: minutesAgo(t, 499 - s * 10 - c),
          },
        });
      }
    }
    const response = await ingest(t, server.agentToken, events);
    expect(response.errors).toBeUndefined();
  }
}, 60_000);
afterAll(async () => t?.close());

/** Runs a query and returns the number of SQL statements Vigil sent for it. */
async function countStatements(query: string, variables: Record<string, unknown>, token = t.admin.token): Promise<{ statements: number; data: any }> {
  // A first run warms the token's last-used stamp, which is written at most once a minute.
  await graphql(t.url, '{ me { id } }', { token });
  // Sequencer runs that earlier writers asked for are not this query's statements.
  await t.vigil.log.whenIdle();
  let statements = 0;
  const stop = t.vigil.database.onQuery(() => statements++);
  try {
    const response = await graphql(t.url, query, { token, variables });
    expect(response.errors).toBeUndefined();
    return { statements, data: response.data };
  } finally {
    stop();
  }
}

const COMMAND_PAGE =
  'query($first: Int!) { commands(first: $first) { nodes { line server { name hostname } operator { email } terminalSession { username } } } }';
const SESSION_PAGE =
  'query($first: Int!) { terminalSessions(first: $first) { nodes { username user { email } server { name } commands(first: 5) { nodes { line operator { email } } } } } }';

describe('nested fields', () => {
  it('serves a page of 100 commands with server and operator in a bounded number of statements, whatever the page size', async () => {
    const small = await countStatements(COMMAND_PAGE, { first: 10 });
    const large = await countStatements(COMMAND_PAGE, { first: 100 });
    expect(small.data.commands.nodes).toHaveLength(10);
    expect(large.data.commands.nodes).toHaveLength(100);
    expect(new Set(large.data.commands.nodes.map((node: any) => node.server.name)).size).toBe(5);
    expect(new Set(large.data.commands.nodes.map((node: any) => node.operator.email)).size).toBeGreaterThan(5);
    // authentication (1) + the page (1) + servers (1) + operators (1) + terminal sessions (1)
    expect(large.statements).toBe(5);
    expect(large.statements).toBe(small.statements);
  });

  it('answers the operator of a page of one’s own commands with the user authentication read: no statement for it', async () => {
    const own = await countStatements('query { commands(first: 20) { nodes { line operator { email } } } }', {}, f.alice.token);
    expect(own.data.commands.nodes.length).toBeGreaterThan(0);
    expect(own.data.commands.nodes.every((node: any) => node.operator.email === 'alice@example.test')).toBe(true);
    // authentication (1) + the page (1)
    expect(own.statements).toBe(2);
  });

  it("batches every terminal session's first commands into one statement", async () => {
    const small = await countStatements(SESSION_PAGE, { first: 3 });
    const large = await countStatements(SESSION_PAGE, { first: 30 });
    expect(large.data.terminalSessions.nodes).toHaveLength(30);
    for (const session of large.data.terminalSessions.nodes) {
      expect(session.commands.nodes).toHaveLength(5);
      expect(session.commands.nodes.every((command: any) => command.operator.email === session.user.email)).toBe(true);
    }
    expect(large.statements).toBe(small.statements);
    expect(large.statements).toBeLessThanOrEqual(6);
  });

  it("returns each session's newest commands, the same as paging that session alone", async () => {
    const batched = await graphql<any>(t.url, '{ terminalSessions(first: 4) { nodes { id commands(first: 3) { nodes { line } } } } }', {
      token: t.admin.token,
    });
    for (const session of batched.data!.terminalSessions.nodes) {
      const alone = await graphql<any>(t.url, `{ commands(first: 3, filter: { terminalSessionId: "${session.id}" }) { nodes { line } } }`, {
        token: t.admin.token,
      });
      expect(session.commands.nodes).toEqual(alone.data!.commands.nodes);
    }
  });
});
