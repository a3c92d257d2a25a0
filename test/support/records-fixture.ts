/**
 * A tenant with people, servers, agents and a known set of records, for the record tests:
 *
 * tenant `default`: admin (first-run), alice and bob (regular users), carol (SESSION_RECORDINGS_VIEW),
 * dave (MONITORING_VIEW); servers web-01 and db-01, each with an agent token; an access session
 * of alice's (approved by admin) on web-01.
 * tenant `other`: its admin, server other-01 and its agent.
 */
import { createAgentToken } from '../../server/identity/api-tokens.js';
import { registerServer } from '../../server/identity/servers.js';
import { createAccessSession } from '../../server/records/access-sessions.js';
import { inTransaction } from '../../server/service-context.js';
import { graphql, type GraphQLResponse } from './graphql-client.js';
import type { TestUser, TestVigil } from './test-vigil.js';

export interface TestServer {
  readonly id: string;
  readonly name: string;
  readonly agentToken: string;
}

export interface RecordsFixture {
  readonly admin: TestUser;
  readonly alice: TestUser;
  readonly bob: TestUser;
  readonly carol: TestUser;
  readonly dave: TestUser;
  readonly web: TestServer;
  readonly db: TestServer;
  readonly aliceAccess: { id: string; approvalId: string };
  readonly other: { admin: TestUser; server: TestServer; tenantId: string };
}

export async function addServer(t: TestVigil, tenantId: string, name: string, labels: { key: string; value: string }[] = []): Promise<TestServer> {
  return inTransaction(t.systemContext(tenantId), async (tx) => {
    const server = await registerServer(tx, { name, hostname: `${name}.example.test`, os: 'Debian 12', ipAddress: '10.1.0.1', labels });
    const { token } = await createAgentToken(tx, { serverId: server.id, name: `agent ${name}` });
    return { id: server.id, name, agentToken: token };
  });
}

export async function buildRecordsFixture(t: TestVigil): Promise<RecordsFixture> {
  const tenantId = t.admin.tenantId;
  const alice = await t.createUser(tenantId, { email: 'alice@example.test' });
  const bob = await t.createUser(tenantId, { email: 'bob@example.test' });
  const carol = await t.createUser(tenantId, { email: 'carol@example.test', permissions: ['session_recordings.view'] });
  const dave = await t.createUser(tenantId, { email: 'dave@example.test', permissions: ['monitoring.view'] });
  const web = await addServer(t, tenantId, 'web-01', [{ key: 'env', value: 'prod' }]);
  const db = await addServer(t, tenantId, 'db-01', [{ key: 'env', value: 'prod' }]);
  const approvalId = '01a21c00-0000-7000-8000-00000000a001';
  const session = await inTransaction(t.systemContext(tenantId), (tx) =>
    createAccessSession(tx, {
      requesterId: alice.id,
      approverId: t.admin.id,
      approvalId,
      reason: 'deploy hotfix',
      status: 'active',
      serverIds: [web.id],
      isSudoAllowed: true,
      // In force over every time the tests report events at (agents may only place an event in a
      // session in force when it happened).
      requestedAt: new Date(t.clock.now().getTime() - 31 * 86_400_000),
      startsAt: new Date(t.clock.now().getTime() - 30 * 86_400_000),
      expiresAt: new Date(t.clock.now().getTime() + 30 * 86_400_000),
    }),
  );
  const other = await t.createTenant('other');
  const otherServer = await addServer(t, other.tenantId, 'other-01');
  return {
    admin: t.admin,
    alice,
    bob,
    carol,
    dave,
    web,
    db,
    aliceAccess: { id: session.id, approvalId },
    other: { admin: other.admin, server: otherServer, tenantId: other.tenantId },
  };
}

export const INGEST = `mutation Ingest($events: [AgentEventInput!]!) {
  ingestEvents(events: $events) { accepted duplicates events { index eventId kind recordId isDuplicate } }
}`;

/** Sends a batch as an agent. */
export function ingest(t: TestVigil, agentToken: string, events: Record<string, unknown>[]): Promise<GraphQLResponse<any>> {
  return graphql(t.url, INGEST, { token: agentToken, variables: { events } });
}

/**
 * Alice's web terminal session on web-01 within her access session, one command in it and one
 * upload: a row in each of the record tables, for tests that read every table.
 */
export async function reportOneOfEachRecord(t: TestVigil, f: RecordsFixture): Promise<void> {
  const reported = await ingest(t, f.web.agentToken, [
    {
      eventId: 'ts-alice',
      kind: 'TERMINAL_SESSION_STARTED',
      terminalSessionStarted: {
        userEmail: 'alice@example.test',
        username: 'alice',
        source: 'WEB_TERMINAL',
        startedAt: minutesAgo(t, 30),
        accessSessionId: f.aliceAccess.id,
      },
    },
    {
      eventId: 'c-1',
      kind: 'COMMAND',
      command: {
        shell: 'SYSTEM',
        line: 'uptime',
        userEmail: 'alice@example.test',
        terminalSessionEventId: 'ts-alice',
        status: 'SUCCESS',
        submittedAt: minutesAgo(t, 20),
      },
    },
    {
      eventId: 'ft-1',
      kind: 'FILE_TRANSFER',
      fileTransfer: {
        userEmail: 'alice@example.test',
        username: 'alice',
        direction: 'UPLOAD',
        objectName: 'a',
        path: '/tmp/a',
        status: 'SUCCESS',
        occurredAt: minutesAgo(t, 10),
      },
    },
  ]);
  if (reported.errors) throw new Error(`the agent's batch was refused: ${JSON.stringify(reported.errors)}`);
}

/** An ISO time `minutes` before the test clock's now. */
export function minutesAgo(t: TestVigil, minutes: number): string {
  return new Date(t.clock.now().getTime() - minutes * 60_000).toISOString();
}

/** A finished command to report: its line, which of the two servers, its status, and how long ago. */
export interface CommandFact {
  readonly line: string;
  readonly server: 'web' | 'db';
  readonly status: 'SUCCESS' | 'FAILED';
  readonly minutes: number;
}

let reportedCommands = 0;

/** Reports `facts` as `email`'s commands through each server's agent; fails the test if any is refused. */
export async function reportCommands(t: TestVigil, servers: { web: TestServer; db: TestServer }, email: string, facts: readonly CommandFact[]): Promise<void> {
  for (const server of ['web', 'db'] as const) {
    const events = facts
      .filter((fact) => fact.server === server)
      .map((fact) => ({
        eventId: `reported-cmd-${(reportedCommands += 1)}`,
        kind: 'COMMAND',
        command: {
          shell: 'SYSTEM',
          line: fact.line,
          status: fact.status,
          userEmail: email,
          submittedAt: minutesAgo(t, fact.minutes),
          startedAt: minutesAgo(t, fact.minutes),
          finishedAt: minutesAgo(t, fact.minutes - 0.5),
          exitCode: fact.status === 'FAILED' ? 1 : 0,
          result: fact.status === 'FAILED' ? 'boom' : 'ok',
        },
      }));
    if (events.length === 0) continue;
    const response = await ingest(t, servers[server].agentToken, events);
    if (response.errors || response.data.ingestEvents.accepted !== events.length) throw new Error(`commands not reported: ${JSON.stringify(response.errors)}`);
  }
}
