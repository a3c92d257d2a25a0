/**
 * Watching a terminal session live (issue 24): where the approval policy says so, the approver of
 * the session's access may follow its recording live without session_recordings.view, and every
 * live watch is announced to the session's user through its agent (an ANNOUNCE directive, written
 * with the watch's audit entry). Elsewhere nothing is announced and approvers may not watch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVAL, buildApprovalsFixture, createPolicy, decideAs, requestAccessAs, type ApprovalsFixture } from '../support/approvals-fixture.js';
import { ingest, minutesAgo, type TestServer } from '../support/records-fixture.js';
import { castLines, putChunk } from '../support/recording-agent.js';
import { connectSubscriber, settle, type Subscriber } from '../support/subscription-client.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let f: ApprovalsFixture;
const sockets: Subscriber[] = [];

beforeAll(async () => {
  t = await startTestVigil();
  f = await buildApprovalsFixture(t);
  const policy = await createPolicy(t, {
    name: 'Prod is watched',
    requestKinds: ['ACCESS'],
    serverLabels: [{ key: 'env', value: 'prod' }],
    approverGroups: ['sre'],
    isWatchAnnounced: true,
    canApproversWatch: true,
  });
  expect(policy.errors).toBeUndefined();
});
afterAll(async () => {
  for (const socket of sockets) await socket.dispose();
  await t?.close();
});

const FOLLOW = `subscription($id: ID!) { recordingEvents(recordingId: $id) { seq events { data } } }`;
const PENDING = `{ pendingDirectives { id kind cause reason terminalSessionId } }`;

/** `who`'s shell on `server`, under access session `accessSessionId` (or none), recorded and still open: the recording's and the session's ids. */
async function liveShell(
  who: TestUser,
  server: TestServer,
  eventId: string,
  accessSessionId: string | null,
): Promise<{ recordingId: string; sessionId: string }> {
  const started = await ingest(t, server.agentToken, [
    {
      eventId,
      kind: 'TERMINAL_SESSION_STARTED',
      terminalSessionStarted: { userId: who.id, username: 'ops', source: 'WEB_TERMINAL', startedAt: minutesAgo(t, 2), accessSessionId },
    },
  ]);
  expect(started.errors).toBeUndefined();
  const chunk = await putChunk(t, server.agentToken, eventId, 0, castLines([[0.1, 'o', 'ops@host:~$ ']], { version: 2, width: 80, height: 24 }));
  expect(chunk.status).toBe(201);
  return { recordingId: chunk.body.recordingId as string, sessionId: started.data!.ingestEvents.events[0].recordId as string };
}

/** `approver` approves request `id`; the access session's id (read as the admin: an approver does not read the requester's session). */
async function approvedBy(approver: TestUser, id: string): Promise<string> {
  const decided = await decideAs(t, approver, id, 'APPROVE');
  expect(decided.errors).toBeUndefined();
  const read = await t.gql(APPROVAL, f.admin.token, { id });
  expect(read.data!.approval.accessSession.status).toBe('ACTIVE');
  return read.data!.approval.accessSession.id as string;
}

/** Waits until the subscription was refused (the refusal comes after the subscribe's own work). */
async function refusal(socket: Subscriber): Promise<unknown[]> {
  for (let waited = 0; socket.errors.length === 0 && waited < 5000; waited += 20) await settle(20);
  return socket.errors.map((error) => error.extensions?.code);
}

/** `who` follows the recording live; what arrives, and the errors. */
async function follow(who: TestUser, recordingId: string) {
  const socket = await connectSubscriber(t.url, who.token);
  sockets.push(socket);
  await socket.subscribe(FOLLOW, { id: recordingId });
  return socket;
}

describe('a session watched live', () => {
  it('is open to the approver of its access where the policy lets approvers watch, and announced to its user through the agent', async () => {
    const requested = await requestAccessAs(t, f.alice, { servers: ['web-01'] });
    const access = await approvedBy(f.bob, requested.data!.requestAccess.id);
    const { recordingId, sessionId } = await liveShell(f.alice, f.web, 'watched-1', access);

    const bob = await follow(f.bob, recordingId);
    await bob.waitFor(1);
    expect(bob.errors).toEqual([]);
    expect(bob.received[0]!.recordingEvents.events[0].data).toBe('ops@host:~$ ');
    // A chunk appended while bob watches reaches him.
    await putChunk(t, f.web.agentToken, 'watched-1', 1, castLines([[1.0, 'o', 'uptime\r\n']]));
    await bob.waitFor(2);

    const waiting = (await t.gql(PENDING, f.web.agentToken)).data!.pendingDirectives;
    expect(waiting).toEqual([
      {
        id: expect.any(String),
        kind: 'ANNOUNCE',
        cause: 'RECORDING_WATCHED',
        reason: `${f.bob.email} is watching this session live`,
        terminalSessionId: sessionId,
      },
    ]);
    // Watching again while that announcement waits adds none; another watcher is announced too.
    // A follower's first chunk comes after its watch (and announcement) committed.
    await (await follow(f.bob, recordingId)).waitFor(1);
    await (await follow(f.admin, recordingId)).waitFor(1);
    const reasons = (await t.gql(PENDING, f.web.agentToken)).data!.pendingDirectives.map((directive: { reason: string }) => directive.reason);
    expect(reasons).toEqual([`${f.bob.email} is watching this session live`, `${f.admin.email} is watching this session live`]);

    // carol may decide such requests but did not decide this one; dave decides nothing.
    for (const who of [f.carol, f.dave]) {
      expect(await refusal(await follow(who, recordingId))).toEqual(['FORBIDDEN']);
    }
    const audit = await t.gql(`{ auditLog(filter: { action: "recording.viewed" }) { nodes { actorEmail after } } }`, f.admin.token);
    expect(audit.data!.auditLog.nodes.map((node: { actorEmail: string }) => node.actorEmail)).toEqual(expect.arrayContaining([f.bob.email, f.admin.email]));
    const integrity = await t.gql(`{ logIntegrity { isIntact faultCount } }`, f.admin.token);
    expect(integrity.data!.logIntegrity).toEqual({ isIntact: true, faultCount: 0 });
  });

  it('ends an approver’s follow at the next chunk once the policy stops letting approvers watch', async () => {
    const policies = await t.gql(`{ approvalPolicies(first: 100) { nodes { id name } } }`, f.admin.token);
    const policy = policies.data!.approvalPolicies.nodes.find((candidate: { name: string }) => candidate.name === 'Prod is watched');
    const requested = await requestAccessAs(t, f.alice, { servers: ['web-01'] });
    const access = await approvedBy(f.bob, requested.data!.requestAccess.id);
    const { recordingId } = await liveShell(f.alice, f.web, 'watched-2', access);
    const bob = await follow(f.bob, recordingId);
    const admin = await follow(f.admin, recordingId);
    await bob.waitFor(1);
    await admin.waitFor(1);

    const changed = await t.gql(`mutation($id: ID!) { updateApprovalPolicy(id: $id, input: { canApproversWatch: false }) { id } }`, f.admin.token, {
      id: policy.id,
    });
    expect(changed.errors).toBeUndefined();
    await putChunk(t, f.web.agentToken, 'watched-2', 1, castLines([[1.0, 'o', 'secret work\r\n']]));
    // The admin watches by the row rule and gets it; bob, let in by the policy alone, is cut off.
    await admin.waitFor(2);
    expect(await refusal(bob)).toEqual(['FORBIDDEN']);
    expect(bob.received).toHaveLength(1);
    const restored = await t.gql(`mutation($id: ID!) { updateApprovalPolicy(id: $id, input: { canApproversWatch: true }) { id } }`, f.admin.token, {
      id: policy.id,
    });
    expect(restored.errors).toBeUndefined();
  });

  it('is neither announced nor open to approvers where no policy says so', async () => {
    const requested = await requestAccessAs(t, f.alice, { servers: ['dev-01'] });
    const access = await approvedBy(f.bob, requested.data!.requestAccess.id);
    const { recordingId } = await liveShell(f.alice, f.dev, 'unwatched-1', access);
    expect(await refusal(await follow(f.bob, recordingId))).toEqual(['FORBIDDEN']);
    const admin = await follow(f.admin, recordingId);
    await admin.waitFor(1);
    expect((await t.gql(PENDING, f.dev.agentToken)).data!.pendingDirectives).toEqual([]);
  });
});
