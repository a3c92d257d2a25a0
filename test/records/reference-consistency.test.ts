/**
 * An agent token holder may report anything about its own server, but may not place an event
 * where another person reads it as theirs: an access session must be the event's user's, cover the
 * agent's server and be in force when the event happened; a terminal session must be the command's
 * user's and span its time; an approval or policy a sudo grant names must exist and fit. Each
 * refusal names the field and writes nothing of the batch.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../server/db/database.js';
import { createAccessSession } from '../../server/records/access-sessions.js';
import { inTransaction } from '../../server/service-context.js';
import { errorCodes } from '../support/graphql-client.js';
import { buildRecordsFixture, ingest, minutesAgo, type RecordsFixture } from '../support/records-fixture.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let f: RecordsFixture;
let pendingSessionId: string;

beforeAll(async () => {
  t = await startTestVigil();
  f = await buildRecordsFixture(t);
  const pending = await inTransaction(t.systemContext(t.admin.tenantId), (tx) =>
    createAccessSession(tx, {
      requesterId: f.alice.id,
      reason: 'not yet decided',
      status: 'pending',
      serverIds: [f.web.id],
      requestedAt: new Date(t.clock.now().getTime() - 60_000),
    }),
  );
  pendingSessionId = pending.id;
  const sessions = await ingest(t, f.web.agentToken, [
    {
      eventId: 'bob-shell',
      kind: 'TERMINAL_SESSION_STARTED',
      terminalSessionStarted: { userEmail: 'bob@example.test', username: 'bob', source: 'SHELL_CLI', startedAt: minutesAgo(t, 30) },
    },
  ]);
  expect(sessions.errors).toBeUndefined();
});
afterAll(async () => t?.close());

const command = (eventId: string, fields: Record<string, unknown>) => ({
  eventId,
  kind: 'COMMAND',
  command: { shell: 'SYSTEM', line: `echo ${eventId}`, status: 'SUCCESS', submittedAt: minutesAgo(t, 5), ...fields },
});

/** A valid event first, so a refusal shows the whole batch was refused, not only the bad event. */
async function expectRefused(agentToken: string, bad: Record<string, unknown>, field: string, message: string): Promise<void> {
  const fine = command(`fine-${field}-${message.length}`, { userEmail: 'alice@example.test' });
  const response = await ingest(t, agentToken, [fine, bad]);
  expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
  expect(response.errors![0]!.extensions.field).toBe(field);
  expect(response.errors![0]!.message).toContain(message);
  const written = await queryRows<{ count: number }>(
    t.vigil.database.db,
    sql`select count(*)::int as count from commands where tenant_id = ${t.admin.tenantId} and event_id = ${fine.eventId}`,
  );
  expect(written[0]!.count).toBe(0);
}

describe('references an agent sends', () => {
  it('places an event in an access session of its own user, on a server the session covers, while it is in force', async () => {
    const response = await ingest(t, f.web.agentToken, [command('alice-in-session', { userEmail: 'alice@example.test', accessSessionId: f.aliceAccess.id })]);
    expect(response.errors).toBeUndefined();
    const [row] = await queryRows<{ access_session_id: string }>(
      t.vigil.database.db,
      sql`select access_session_id::text from commands where tenant_id = ${t.admin.tenantId} and event_id = 'alice-in-session'`,
    );
    expect(row!.access_session_id).toBe(f.aliceAccess.id);
  });

  it('refuses an access session that does not cover the agent’s server', async () => {
    await expectRefused(
      f.db.agentToken,
      command('db-in-web-session', { userEmail: 'alice@example.test', accessSessionId: f.aliceAccess.id }),
      'events.1.command.accessSessionId',
      'does not cover',
    );
  });

  it('refuses another person’s access session, for a command, a transfer and a sudo grant', async () => {
    await expectRefused(
      f.web.agentToken,
      command('bob-in-alice-session', { userEmail: 'bob@example.test', accessSessionId: f.aliceAccess.id }),
      'events.1.command.accessSessionId',
      'another user',
    );
    await expectRefused(
      f.web.agentToken,
      {
        eventId: 'bob-transfer',
        kind: 'FILE_TRANSFER',
        fileTransfer: {
          userEmail: 'bob@example.test',
          username: 'bob',
          direction: 'DOWNLOAD',
          objectName: 'x',
          path: '/tmp/x',
          status: 'SUCCESS',
          occurredAt: minutesAgo(t, 5),
          accessSessionId: f.aliceAccess.id,
        },
      },
      'events.1.fileTransfer.accessSessionId',
      'another user',
    );
    await expectRefused(
      f.web.agentToken,
      {
        eventId: 'bob-sudo',
        kind: 'SUDO_AUTHORIZATION',
        sudoAuthorization: { userId: f.bob.id, command: 'id', grantedVia: 'POLICY', grantedAt: minutesAgo(t, 5), accessSessionId: f.aliceAccess.id },
      },
      'events.1.sudoAuthorization.accessSessionId',
      'another user',
    );
  });

  it('refuses an access session not in force when the event happened, or never in force', async () => {
    await expectRefused(
      f.web.agentToken,
      command('before-session', {
        userEmail: 'alice@example.test',
        accessSessionId: f.aliceAccess.id,
        submittedAt: new Date(t.clock.now().getTime() - 40 * 86_400_000).toISOString(),
      }),
      'events.1.command.accessSessionId',
      'not in force',
    );
    await expectRefused(
      f.web.agentToken,
      command('pending-session', { userEmail: 'alice@example.test', accessSessionId: pendingSessionId }),
      'events.1.command.accessSessionId',
      'not in force',
    );
  });

  it('refuses a command placed in another person’s terminal session, or outside its time', async () => {
    await expectRefused(
      f.web.agentToken,
      command('alice-in-bob-shell', { userEmail: 'alice@example.test', terminalSessionEventId: 'bob-shell' }),
      'events.1.command.terminalSessionEventId',
      'another user',
    );
    await expectRefused(
      f.web.agentToken,
      command('before-bob-shell', { userEmail: 'bob@example.test', terminalSessionEventId: 'bob-shell', submittedAt: minutesAgo(t, 90) }),
      'events.1.command.terminalSessionEventId',
      'outside',
    );
  });

  it('refuses a sudo grant naming an approval or policy that does not exist in the tenant', async () => {
    const sudo = (eventId: string, fields: Record<string, unknown>) => ({
      eventId,
      kind: 'SUDO_AUTHORIZATION',
      sudoAuthorization: { userId: f.alice.id, command: 'id', grantedVia: 'APPROVAL', grantedAt: minutesAgo(t, 5), ...fields },
    });
    await expectRefused(
      f.web.agentToken,
      sudo('made-up-approval', { approvalId: '01a21c00-0000-7000-8000-0000000dead1' }),
      'events.1.sudoAuthorization.approvalId',
      'no such approval',
    );
    await expectRefused(
      f.web.agentToken,
      sudo('made-up-policy', { policyId: '01a21c00-0000-7000-8000-0000000dead2' }),
      'events.1.sudoAuthorization.policyId',
      'no such approval policy',
    );
  });
});
