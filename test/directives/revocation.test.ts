/**
 * Directives to agents (issue 24): revoking an access session while a scripted agent holds its
 * shell open ends the shell through the agent, within a second, and the record says why and who;
 * directives wait for an agent that was away; only the agent of the server reads or answers them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../support/graphql-client.js';
import { buildApprovalsFixture, decideAs, requestAccessAs, type ApprovalsFixture } from '../support/approvals-fixture.js';
import { ingest, minutesAgo } from '../support/records-fixture.js';
import { ScriptedAgent } from '../support/scripted-agent.js';
import { connectSubscriber, settle } from '../support/subscription-client.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let f: ApprovalsFixture;

beforeAll(async () => {
  t = await startTestVigil();
  f = await buildApprovalsFixture(t);
});
afterAll(() => t?.close());

const REVOKE = `mutation($id: ID!, $reason: String!) { revokeAccessSession(id: $id, reason: $reason) { id status } }`;
const TERMINATE = `mutation($id: ID!, $reason: String!) { terminateTerminalSession(id: $id, reason: $reason) { id kind cause reason terminalSessionId issuedById acknowledgedAt } }`;
const SESSION = `query($id: ID!) { terminalSession(id: $id) { id isActive endedAt endReason endedBy { email } } }`;
const ACKNOWLEDGE = `mutation($input: DirectiveAcknowledgementInput!) { acknowledgeDirective(input: $input) { id outcome acknowledgedAt } }`;
const PENDING = `{ pendingDirectives { id kind terminalSessionId } }`;
const INTEGRITY = `{ logIntegrity { isIntact faultCount faults { kind recordKind message } } }`;

/** An active access session of `who` to web-01 (approved by the admin). */
async function activeAccess(who: TestUser): Promise<string> {
  const requested = await requestAccessAs(t, who, { servers: ['web-01'] });
  expect(requested.errors).toBeUndefined();
  const approved = await decideAs(t, f.admin, requested.data!.requestAccess.id, 'APPROVE');
  expect(approved.data!.decideApproval.accessSession.status).toBe('ACTIVE');
  return approved.data!.decideApproval.accessSession.id as string;
}

/** A shell opened on web-01 as the agent reports it; its terminal session's id. */
async function openShell(who: TestUser, eventId: string, accessSessionId: string | null): Promise<string> {
  const response = await ingest(t, f.web.agentToken, [
    {
      eventId,
      kind: 'TERMINAL_SESSION_STARTED',
      terminalSessionStarted: { userId: who.id, username: who.email.split('@')[0], source: 'WEB_TERMINAL', startedAt: minutesAgo(t, 1), accessSessionId },
    },
  ]);
  expect(response.errors).toBeUndefined();
  const sessions = await t.gql(`query($id: ID!) { terminalSessions(filter: { userId: $id }) { nodes { id eventId } } }`, f.admin.token, { id: who.id });
  return sessions.data!.terminalSessions.nodes.find((node: { eventId: string }) => node.eventId === eventId).id as string;
}

describe('an access session revoked while its shell is open', () => {
  it('ends the shell through the agent within a second, and the session records the revocation as its end', async () => {
    const access = await activeAccess(f.alice);
    const shell = await openShell(f.alice, 'shell-revoked', access);
    // Another person's shell on the same server, under no access session: it stays open.
    const bystander = await openShell(f.dave, 'shell-bystander', null);
    const agent = new ScriptedAgent(t.url, f.web.agentToken);
    agent.holdShell(shell);
    agent.holdShell(bystander);
    await agent.connect();
    try {
      const revokedAt = performance.now();
      const revoked = await t.gql(REVOKE, f.admin.token, { id: access, reason: 'credentials leaked' });
      expect(revoked.data!.revokeAccessSession.status).toBe('REVOKED');
      await agent.waitForAcknowledged(1, 3000);

      expect(agent.received).toHaveLength(1);
      const [directive] = agent.received;
      expect(directive).toMatchObject({
        kind: 'TERMINATE_SESSION',
        cause: 'ACCESS_SESSION_REVOKED',
        reason: 'credentials leaked',
        terminalSessionId: shell,
        accessSessionId: access,
      });
      expect(directive!.arrivedAt - revokedAt).toBeLessThan(1000);
      expect(agent.acknowledgements).toEqual([{ id: directive!.id, outcome: 'DONE', errors: undefined }]);
      expect(agent.shells.get(shell)!.closedAt).not.toBeNull();
      expect(agent.shells.get(bystander)!.closedAt).toBeNull();

      const ended = await t.gql(SESSION, f.admin.token, { id: shell });
      expect(ended.data!.terminalSession).toMatchObject({
        isActive: false,
        endReason: 'access_session.revoked: credentials leaked',
        endedBy: { email: f.admin.email },
      });
      expect(new Date(ended.data!.terminalSession.endedAt).getTime()).toBe(agent.shells.get(shell)!.closedAt!.getTime());
      // The session's own user reads why it ended too.
      const asAlice = await t.gql(SESSION, f.alice.token, { id: shell });
      expect(asAlice.data!.terminalSession.endReason).toBe('access_session.revoked: credentials leaked');
      const untouched = await t.gql(SESSION, f.admin.token, { id: bystander });
      expect(untouched.data!.terminalSession).toMatchObject({ isActive: true, endReason: null, endedBy: null });

      // Nothing waits any more; an answer sent again changes nothing, a different one is refused.
      expect((await t.gql(PENDING, f.web.agentToken)).data!.pendingDirectives).toEqual([]);
      const again = await t.gql(ACKNOWLEDGE, f.web.agentToken, { input: { id: directive!.id, outcome: 'DONE' } });
      expect(again.data!.acknowledgeDirective.outcome).toBe('DONE');
      const early = await t.gql(ACKNOWLEDGE, f.web.agentToken, { input: { id: directive!.id, outcome: 'DONE', endedAt: '2020-01-01T00:00:00Z' } });
      expect(errorCodes(early)).toEqual(['BAD_USER_INPUT']);
      const other = await t.gql(ACKNOWLEDGE, f.web.agentToken, { input: { id: directive!.id, outcome: 'FAILED' } });
      expect(errorCodes(other)).toEqual(['CONFLICT']);
      // Another server's agent does not see it.
      const stranger = await t.gql(ACKNOWLEDGE, f.db.agentToken, { input: { id: directive!.id, outcome: 'DONE' } });
      expect(errorCodes(stranger)).toEqual(['NOT_FOUND']);

      // The directive and its answer are in the log, each explained by its audit entry.
      const integrity = await t.gql(INTEGRITY, f.admin.token);
      expect(integrity.data!.logIntegrity).toMatchObject({ isIntact: true, faultCount: 0 });
      const audit = await t.gql(`{ auditLog(filter: { resourceType: "agent_directive" }) { nodes { action actorType resourceId after } } }`, f.admin.token);
      expect(audit.data!.auditLog.nodes[0]).toMatchObject({ action: 'agent_directive.acknowledged', actorType: 'AGENT', resourceId: directive!.id });
    } finally {
      await agent.disconnect();
    }
  });
});

describe('directives', () => {
  it('wait for an agent that was away, and reach it when it subscribes again', async () => {
    const shell = await openShell(f.alice, 'shell-away', null);
    const terminated = await t.gql(TERMINATE, f.admin.token, { id: shell, reason: 'incident 42' });
    expect(terminated.errors).toBeUndefined();
    expect(terminated.data!.terminateTerminalSession).toMatchObject({
      kind: 'TERMINATE_SESSION',
      cause: 'TERMINAL_SESSION_TERMINATED',
      reason: 'incident 42',
      terminalSessionId: shell,
      issuedById: f.admin.id,
      acknowledgedAt: null,
    });
    // Asked again while it waits: the same directive.
    const twice = await t.gql(TERMINATE, f.admin.token, { id: shell, reason: 'incident 42' });
    expect(twice.data!.terminateTerminalSession.id).toBe(terminated.data!.terminateTerminalSession.id);
    expect((await t.gql(PENDING, f.web.agentToken)).data!.pendingDirectives).toEqual([
      { id: terminated.data!.terminateTerminalSession.id, kind: 'TERMINATE_SESSION', terminalSessionId: shell },
    ]);

    // The agent restarted and lost track of its shells: it answers GONE, and the session still records its end.
    const agent = new ScriptedAgent(t.url, f.web.agentToken);
    await agent.connect();
    try {
      await agent.waitForAcknowledged(1);
      expect(agent.received.map((directive) => directive.id)).toEqual([terminated.data!.terminateTerminalSession.id]);
      expect(agent.acknowledgements[0]).toMatchObject({ outcome: 'GONE', errors: undefined });
    } finally {
      await agent.disconnect();
    }
    const ended = await t.gql(SESSION, f.admin.token, { id: shell });
    expect(ended.data!.terminalSession).toMatchObject({
      isActive: false,
      endReason: 'terminal_session.terminated: incident 42',
      endedBy: { email: f.admin.email },
    });
    const closed = await t.gql(TERMINATE, f.admin.token, { id: shell, reason: 'again' });
    expect(errorCodes(closed)).toEqual(['CONFLICT']);
  });

  it('leave the end of a shell that ended on its own as it was, when the agent answers GONE', async () => {
    const shell = await openShell(f.bob, 'shell-ended-alone', null);
    const terminated = await t.gql(TERMINATE, f.admin.token, { id: shell, reason: 'too late' });
    expect(terminated.errors).toBeUndefined();
    // The user logged out before the agent heard of the directive: the end arrives first.
    const endedAt = minutesAgo(t, 0);
    const ended = await ingest(t, f.web.agentToken, [
      { eventId: 'shell-ended-alone-end', kind: 'TERMINAL_SESSION_ENDED', terminalSessionEnded: { sessionEventId: 'shell-ended-alone', endedAt } },
    ]);
    expect(ended.errors).toBeUndefined();
    const gone = await t.gql(ACKNOWLEDGE, f.web.agentToken, { input: { id: terminated.data!.terminateTerminalSession.id, outcome: 'GONE' } });
    expect(gone.data!.acknowledgeDirective).toMatchObject({ outcome: 'GONE' });
    const session = await t.gql(SESSION, f.admin.token, { id: shell });
    expect(session.data!.terminalSession).toEqual({ id: shell, isActive: false, endedAt, endReason: null, endedBy: null });
  });

  it('go to the agents of a disabled user’s open shells, and to none other', async () => {
    const user = await t.createUser(t.admin.tenantId, { email: 'leaver@example.test' });
    const shell = await openShell(user, 'shell-leaver', null);
    const disabled = await t.gql(`mutation($id: ID!) { disableUser(id: $id) { id } }`, f.admin.token, { id: user.id });
    expect(disabled.errors).toBeUndefined();
    const waiting = (await t.gql(PENDING, f.web.agentToken)).data!.pendingDirectives;
    expect(waiting).toEqual([expect.objectContaining({ kind: 'TERMINATE_SESSION', terminalSessionId: shell })]);
    expect((await t.gql(PENDING, f.db.agentToken)).data!.pendingDirectives).toEqual([]);
    const done = await t.gql(ACKNOWLEDGE, f.web.agentToken, { input: { id: waiting[0].id, outcome: 'DONE' } });
    expect(done.errors).toBeUndefined();
    const ended = await t.gql(SESSION, f.admin.token, { id: shell });
    expect(ended.data!.terminalSession).toMatchObject({ isActive: false, endReason: 'user.disabled', endedBy: { email: f.admin.email } });
  });

  it('are listed for admins: by terminal session, server, and whether they wait; for nobody else', async () => {
    const shell = await openShell(f.dave, 'shell-listed', null);
    const terminated = await t.gql(TERMINATE, f.admin.token, { id: shell, reason: 'listed' });
    const id = terminated.data!.terminateTerminalSession.id as string;
    const LIST = `query($filter: AgentDirectiveFilterInput) { agentDirectives(first: 50, filter: $filter) { nodes { id kind cause reason terminalSessionEventId acknowledgedAt outcome } } }`;
    const bySession = await t.gql(LIST, f.admin.token, { filter: { terminalSessionId: shell } });
    expect(bySession.data!.agentDirectives.nodes).toEqual([
      {
        id,
        kind: 'TERMINATE_SESSION',
        cause: 'TERMINAL_SESSION_TERMINATED',
        reason: 'listed',
        terminalSessionEventId: 'shell-listed',
        acknowledgedAt: null,
        outcome: null,
      },
    ]);
    const waiting = (await t.gql(LIST, f.admin.token, { filter: { serverId: f.web.id, isPending: true } })).data!.agentDirectives.nodes;
    expect(waiting.map((node: { id: string }) => node.id)).toContain(id);
    const answered = (await t.gql(LIST, f.admin.token, { filter: { isPending: false } })).data!.agentDirectives.nodes;
    expect(answered.length).toBeGreaterThan(0);
    expect(answered.every((node: { outcome: string | null }) => node.outcome !== null)).toBe(true);
    expect((await t.gql(LIST, f.admin.token, { filter: { serverId: f.db.id } })).data!.agentDirectives.nodes).toEqual([]);
    expect(errorCodes(await t.gql(LIST, f.alice.token))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql(LIST, f.web.agentToken))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql(LIST, f.admin.token, { filter: { serverId: 'nope' } }))).toEqual(['BAD_USER_INPUT']);
  });

  it('are for agents and admins only', async () => {
    const shell = await openShell(f.alice, 'shell-guarded', null);
    expect(errorCodes(await t.gql(TERMINATE, f.alice.token, { id: shell, reason: 'mine' }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql(TERMINATE, f.other.admin.token, { id: shell, reason: 'not yours' }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await t.gql(TERMINATE, f.admin.token, { id: shell, reason: ' ' }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await t.gql(PENDING, f.admin.token))).toEqual(['FORBIDDEN']);
    const bad = await t.gql(ACKNOWLEDGE, f.web.agentToken, { input: { id: 'nope', outcome: 'DONE' } });
    expect(errorCodes(bad)).toEqual(['BAD_USER_INPUT']);
    const user = await connectSubscriber(t.url, f.alice.token);
    try {
      await user.subscribe(`subscription { directives { id } }`);
      for (let waited = 0; user.errors.length === 0 && waited < 5000; waited += 20) await settle(20);
      expect(user.errors.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    } finally {
      await user.dispose();
    }
  });
});
