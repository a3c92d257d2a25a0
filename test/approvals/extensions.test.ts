/**
 * Extending access sessions through the API: the session's policy says whether an extension needs
 * approval and how long a session may last in all; an extension moves the session's end and the
 * ends of its sudo grants, which the sweeper and the agents' checks then read; refusals for
 * another person's session, a closed one, one already waiting, a policy that allows none; and a
 * waiting extension closes with its session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDueDeliveries } from '../../server/webhooks/delivery-worker.js';
import { testDeliveryDeps } from '../support/delivery-deps.js';
import { connectSubscriber } from '../support/subscription-client.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';
import {
  advance,
  authorizeSudoAs,
  buildApprovalsFixture,
  createPolicy,
  decideAs,
  requestAccessAs,
  sweep,
  type ApprovalsFixture,
} from '../support/approvals-fixture.js';
import { addServer } from '../support/records-fixture.js';
import { activeSession, buildExtensionLanes, refusal, requestExtensionAs, sessionOf, type ExtensionLanes } from '../support/extensions.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let f: ApprovalsFixture;
let lanes: ExtensionLanes;
let receiver: Receiver;

beforeAll(async () => {
  t = await startTestVigil({ env: { VIGIL_OUTBOUND_ALLOW: 'loopback' } });
  f = await buildApprovalsFixture(t);
  lanes = await buildExtensionLanes(t);
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await t?.close();
});

const MINUTE = 60_000;
const AUDIT = `query($type: String!, $id: String!) { auditLog(filter: { resourceType: $type, resourceId: $id }) { nodes { action actorEmail after } } }`;
const END = `mutation($id: ID!) { endAccessSession(id: $id) { id status } }`;
const AUTHORIZE_SESSION = `mutation($input: AuthorizeSessionInput!) { authorizeSession(input: $input) { isAllowed accessSessionId allowedUntil } }`;
const epoch = async (): Promise<string> => (await t.gql(`{ authorizationEpoch }`, lanes.self.agentToken)).data!.authorizationEpoch;
const ALLOWANCE = `query($id: ID!) { accessSession(id: $id) { extension { approval remainingMinutes isPending } pendingExtension { id } } }`;
/** What the requester's client reads to offer an Extend button. */
const allowanceOf = async (id: string) => {
  const response = await t.gql(ALLOWANCE, f.alice.token, { id });
  expect(response.errors).toBeUndefined();
  return response.data!.accessSession;
};
const APPROVAL_STATUS = `query($id: ID!) { approval(id: $id) { id status cancelReason } }`;

async function auditOf(type: string, id: string): Promise<{ action: string; actorEmail: string | null; after: Record<string, any> }[]> {
  const response = await t.gql(AUDIT, t.admin.token, { type, id });
  expect(response.errors).toBeUndefined();
  return response.data!.auditLog.nodes.reverse();
}

describe('a policy that needs no approval for extensions', () => {
  it('moves the session’s end and its sudo grants’ ends at once, audited, within the policy’s total', async () => {
    const session = await activeSession(t, f, f.alice, lanes.self, { isSudoRequested: true });
    const epochBefore = await epoch();
    const extended = await requestExtensionAs(t, f.alice, session.id, 45);
    expect(extended.errors).toBeUndefined();
    expect(extended.data!.requestExtension).toMatchObject({
      kind: 'EXTENSION',
      status: 'APPROVED',
      isAutoApproved: true,
      requiredApprovals: 0,
      durationMinutes: 45,
      policyName: 'Self-service extensions',
      servers: [{ name: 'self-01' }],
    });
    const newEnd = session.expiresAt.getTime() + 45 * MINUTE;
    expect(new Date(extended.data!.requestExtension.sessionExpiresAt).getTime()).toBe(newEnd);
    const after = await sessionOf(t, session.id);
    expect(new Date(after.expiresAt).getTime()).toBe(newEnd);
    expect(after.sudoAuthorizations.nodes).toHaveLength(1);
    expect(new Date(after.sudoAuthorizations.nodes[0]!.expiresAt!).getTime()).toBe(newEnd);

    const entries = await auditOf('access_session', session.id);
    expect(entries.map((entry) => entry.action)).toEqual(['access_session.started', 'access_session.extended']);
    expect(entries[1]!.actorEmail).toBe(f.alice.email);
    expect(entries[1]!.after.extension).toMatchObject({
      approvalId: extended.data!.requestExtension.id,
      durationSeconds: 45 * 60,
      isAutoApproved: true,
      approvedById: null,
      previousExpiresAt: session.expiresAt.toISOString(),
      sudoAuthorizationIds: [after.sudoAuthorizations.nodes[0]!.id],
    });
    expect((await auditOf('approval', extended.data!.requestExtension.id)).map((entry) => entry.action)).toEqual(['approval.auto_approved']);
    // Agents see it: the login answer runs to the new end, and answers they kept are stale (a new epoch).
    const login = await t.gql(AUTHORIZE_SESSION, lanes.self.agentToken, { input: { user: f.alice.email, source: 'SHELL_CLI' } });
    expect(login.data!.authorizeSession).toMatchObject({ isAllowed: true, accessSessionId: session.id });
    expect(Date.parse(login.data!.authorizeSession.allowedUntil)).toBe(newEnd);
    expect(BigInt(await epoch())).toBeGreaterThan(BigInt(epochBefore));

    // 30 + 45 = 75 of the 120 minutes allowed in all: 46 more is too many, and says how many are left.
    const tooLong = await requestExtensionAs(t, f.alice, session.id, 46);
    expect(refusal(tooLong)).toEqual({ code: 'BAD_USER_INPUT', field: 'input.durationMinutes' });
    expect(tooLong.errors![0]!.message).toContain('at most 45 more');
    expect(tooLong.errors![0]!.extensions).toMatchObject({ maxTotalDurationMinutes: 120, remainingMinutes: 45 });
    expect(new Date((await sessionOf(t, session.id)).expiresAt).getTime()).toBe(newEnd);

    // Past the old end, the session and its sudo are still in force; past the new one, neither is.
    advance(t, 31);
    await sweep(t);
    expect((await sessionOf(t, session.id)).status).toBe('ACTIVE');
    const sudoInForce = await authorizeSudoAs(t, lanes.self, f.alice.email, 'systemctl restart nginx');
    expect(sudoInForce.errors).toBeUndefined();
    expect(sudoInForce.data!.authorizeSudo.isAllowed).toBe(true);
    advance(t, 45);
    await sweep(t);
    expect((await sessionOf(t, session.id)).status).toBe('EXPIRED');
    const sudoAfter = await authorizeSudoAs(t, lanes.self, f.alice.email, 'systemctl restart nginx');
    expect(sudoAfter.data!.authorizeSudo.isAllowed).toBe(false);
  });
});

describe('what follows the session’s end', () => {
  it('tells subscribers the new end, and webhooks session.extended (not the session starting again)', async () => {
    const session = await activeSession(t, f, f.alice, lanes.self);
    const hook = await t.gql(`mutation($input: CreateWebhookInput!) { createWebhookSubscription(input: $input) { id } }`, t.admin.token, {
      input: { name: 'sessions', url: `${receiver.url}/sessions`, eventTypes: ['session.started', 'session.extended'] },
    });
    expect(hook.errors).toBeUndefined();
    const subscriber = await connectSubscriber(t.url, f.alice.token);
    try {
      await subscriber.subscribe('subscription { accessSessionChanged { id status expiresAt } }');
      expect((await requestExtensionAs(t, f.alice, session.id, 20)).errors).toBeUndefined();
      const [changed] = await subscriber.waitFor(1);
      expect(changed!.accessSessionChanged).toEqual({
        id: session.id,
        status: 'ACTIVE',
        expiresAt: new Date(session.expiresAt.getTime() + 20 * MINUTE).toISOString(),
      });
    } finally {
      await subscriber.dispose();
    }
    await runDueDeliveries(testDeliveryDeps(t));
    const messages = receiver.requests.map(
      (request) => JSON.parse(request.body) as { type: string; data: { accessSession: { id: string; expiresAt: string } } },
    );
    expect(messages.map((message) => [message.type, message.data.accessSession.id])).toEqual([['session.extended', session.id]]);
    expect(Date.parse(messages[0]!.data.accessSession.expiresAt)).toBe(session.expiresAt.getTime() + 20 * MINUTE);
  });
});

describe('a policy that holds extensions to its approval rules', () => {
  it('waits for an approver; approving moves the end by the length asked, from the end as it stands', async () => {
    const session = await activeSession(t, f, f.alice, lanes.ask);
    expect(await allowanceOf(session.id)).toEqual({ extension: { approval: 'AS_REQUEST', remainingMinutes: 30, isPending: false }, pendingExtension: null });
    // The policy allows 60 minutes a session, and says nothing else: 60 in all, so 30 more at most.
    const tooLong = await requestExtensionAs(t, f.alice, session.id, 31);
    expect(refusal(tooLong)).toEqual({ code: 'BAD_USER_INPUT', field: 'input.durationMinutes' });

    const asked = await requestExtensionAs(t, f.alice, session.id, 30, 'the restore is still copying');
    expect(asked.errors).toBeUndefined();
    const request = asked.data!.requestExtension;
    expect(request).toMatchObject({ kind: 'EXTENSION', status: 'PENDING', requiredApprovals: 1, approvalsStillNeeded: 1, isAutoApproved: false });
    // A decision after the session's end would extend nothing: the deadline is no later than the end.
    expect(new Date(request.decideBy).getTime()).toBeLessThanOrEqual(session.expiresAt.getTime());
    expect(new Date(request.sessionExpiresAt).getTime()).toBe(session.expiresAt.getTime());
    expect(new Date((await sessionOf(t, session.id)).expiresAt).getTime()).toBe(session.expiresAt.getTime());

    expect(await allowanceOf(session.id)).toEqual({
      extension: { approval: 'AS_REQUEST', remainingMinutes: 30, isPending: true },
      pendingExtension: { id: request.id },
    });
    // One waits at a time.
    const again = await requestExtensionAs(t, f.alice, session.id, 10);
    expect(refusal(again)).toEqual({ code: 'CONFLICT', field: 'input.accessSessionId' });
    expect(again.errors![0]!.extensions.approvalId).toBe(request.id);

    // The requester may not approve it, nor an approver outside the policy's group.
    expect(refusal(await decideAs(t, f.alice, request.id, 'APPROVE')).code).toBe('FORBIDDEN');
    expect(refusal(await decideAs(t, f.erin, request.id, 'APPROVE')).code).toBe('FORBIDDEN');

    advance(t, 10);
    const approved = await decideAs(t, f.carol, request.id, 'APPROVE');
    expect(approved.errors).toBeUndefined();
    expect(approved.data!.decideApproval).toMatchObject({ status: 'APPROVED', closedBy: { email: f.carol.email } });
    const newEnd = session.expiresAt.getTime() + 30 * MINUTE;
    expect(new Date((await sessionOf(t, session.id)).expiresAt).getTime()).toBe(newEnd);
    const extendedEntry = (await auditOf('access_session', session.id)).at(-1)!;
    expect(extendedEntry).toMatchObject({ action: 'access_session.extended', actorEmail: f.carol.email });
    expect(extendedEntry.after.extension).toMatchObject({ approvalId: request.id, approvedById: f.carol.id, isAutoApproved: false });

    // Now at the policy's 60 minutes in all: no room is left.
    expect(await allowanceOf(session.id)).toEqual({ extension: { approval: 'AS_REQUEST', remainingMinutes: 0, isPending: false }, pendingExtension: null });
    const full = await requestExtensionAs(t, f.alice, session.id, 1);
    expect(refusal(full)).toEqual({ code: 'BAD_USER_INPUT', field: 'input.durationMinutes' });
    expect(full.errors![0]!.message).toContain('cannot be extended');
  });

  it('closes a waiting extension with its session: cancelled when it ends, expired undecided at its end', async () => {
    const ended = await activeSession(t, f, f.alice, lanes.ask);
    const waiting = await requestExtensionAs(t, f.alice, ended.id, 15);
    expect(waiting.errors).toBeUndefined();
    expect((await t.gql(END, f.alice.token, { id: ended.id })).errors).toBeUndefined();
    const cancelled = await t.gql(APPROVAL_STATUS, t.admin.token, { id: waiting.data!.requestExtension.id });
    expect(cancelled.data!.approval).toMatchObject({ status: 'CANCELLED', cancelReason: 'access session ended' });
    // Approving it now changes nothing: it is closed.
    expect(refusal(await decideAs(t, f.bob, waiting.data!.requestExtension.id, 'APPROVE')).code).toBe('CONFLICT');

    const lapsing = await activeSession(t, f, f.alice, lanes.ask);
    const undecided = await requestExtensionAs(t, f.alice, lapsing.id, 15);
    advance(t, 31);
    await sweep(t);
    expect((await sessionOf(t, lapsing.id)).status).toBe('EXPIRED');
    // Its deadline was the session's end: the sweep that expires the session closes it with it.
    const closed = await t.gql(APPROVAL_STATUS, t.admin.token, { id: undecided.data!.requestExtension.id });
    expect(closed.data!.approval).toMatchObject({ status: 'CANCELLED', cancelReason: 'access session expired' });
    expect(new Date((await sessionOf(t, lapsing.id)).expiresAt).getTime()).toBe(lapsing.expiresAt.getTime());
  });
});

describe('the rules of the decision path', () => {
  it('holds an extension to the two-person rule, and lets its requester cancel it and ask again', async () => {
    const pair = await addServer(t, t.admin.tenantId, 'pair-ext-01', [{ key: 'lane', value: 'pair-ext' }]);
    const policy = await createPolicy(t, {
      name: 'Two for more time',
      requestKinds: ['ACCESS'],
      serverLabels: [{ key: 'lane', value: 'pair-ext' }],
      approverGroups: ['sre'],
      isAdminApprover: false,
      requiredApprovals: 2,
    });
    expect(policy.errors).toBeUndefined();
    const requested = await requestAccessAs(t, f.alice, { servers: [pair.name], durationMinutes: 30 });
    const accessId = requested.data!.requestAccess.id;
    expect((await decideAs(t, f.bob, accessId, 'APPROVE')).errors).toBeUndefined();
    expect((await decideAs(t, f.carol, accessId, 'APPROVE')).errors).toBeUndefined();
    const sessionId = requested.data!.requestAccess.accessSession.id;
    const firstEnd = Date.parse((await sessionOf(t, sessionId)).expiresAt);

    const cancelled = await requestExtensionAs(t, f.alice, sessionId, 15);
    expect(cancelled.data!.requestExtension).toMatchObject({ status: 'PENDING', requiredApprovals: 2 });
    const withdrawn = await t.gql(`mutation($id: ID!) { cancelApproval(id: $id, reason: "done sooner") { status } }`, f.alice.token, {
      id: cancelled.data!.requestExtension.id,
    });
    expect(withdrawn.data!.cancelApproval.status).toBe('CANCELLED');
    expect((await sessionOf(t, sessionId)).status).toBe('ACTIVE');

    const asked = await requestExtensionAs(t, f.alice, sessionId, 15);
    const id = asked.data!.requestExtension.id;
    expect((await decideAs(t, f.bob, id, 'APPROVE')).data!.decideApproval).toMatchObject({ status: 'PENDING', approvalsStillNeeded: 1 });
    expect(Date.parse((await sessionOf(t, sessionId)).expiresAt)).toBe(firstEnd);
    // The same approver twice is one approval.
    expect((await decideAs(t, f.bob, id, 'APPROVE')).data!.decideApproval.status).toBe('PENDING');
    expect((await decideAs(t, f.carol, id, 'APPROVE')).data!.decideApproval.status).toBe('APPROVED');
    expect(Date.parse((await sessionOf(t, sessionId)).expiresAt)).toBe(firstEnd + 15 * MINUTE);
  });
});

describe('refusals', () => {
  it('refuses another person’s session: invisible to a regular user, forbidden to an admin', async () => {
    const session = await activeSession(t, f, f.alice, lanes.self);
    expect(refusal(await requestExtensionAs(t, f.dave, session.id, 15)).code).toBe('NOT_FOUND');
    expect(refusal(await requestExtensionAs(t, f.admin, session.id, 15))).toEqual({ code: 'FORBIDDEN', field: 'input.accessSessionId' });
    expect(new Date((await sessionOf(t, session.id)).expiresAt).getTime()).toBe(session.expiresAt.getTime());
  });

  it('refuses an ended session, and one whose policy allows no extension', async () => {
    const session = await activeSession(t, f, f.alice, lanes.self);
    expect((await t.gql(END, f.alice.token, { id: session.id })).errors).toBeUndefined();
    expect((await allowanceOf(session.id)).extension).toBeNull();
    const late = await requestExtensionAs(t, f.alice, session.id, 15);
    expect(refusal(late)).toEqual({ code: 'CONFLICT', field: 'input.accessSessionId' });
    expect(late.errors![0]!.extensions.status).toBe('ended');

    const locked = await activeSession(t, f, f.alice, lanes.never);
    expect((await allowanceOf(locked.id)).extension).toEqual({ approval: 'DISABLED', remainingMinutes: null, isPending: false });
    const refused = await requestExtensionAs(t, f.alice, locked.id, 15);
    expect(refusal(refused)).toEqual({ code: 'FORBIDDEN', field: 'input.accessSessionId' });
    expect(refused.errors![0]!.message).toContain('No extensions');
  });

  it('checks the input: a length, a reason, a session id', async () => {
    const session = await activeSession(t, f, f.alice, lanes.self);
    expect(refusal(await requestExtensionAs(t, f.alice, session.id, 0))).toEqual({ code: 'BAD_USER_INPUT', field: 'input.durationMinutes' });
    expect(refusal(await requestExtensionAs(t, f.alice, session.id, 15, '  '))).toEqual({ code: 'BAD_USER_INPUT', field: 'input.reason' });
    expect(refusal(await requestExtensionAs(t, f.alice, 'not-an-id', 15))).toEqual({ code: 'BAD_USER_INPUT', field: 'input.accessSessionId' });
  });

  it('keeps EXTENSION out of policies: an extension follows the policy of its session', async () => {
    const response = await t.gql(`mutation($input: CreateApprovalPolicyInput!) { createApprovalPolicy(input: $input) { id } }`, t.admin.token, {
      input: { name: 'Extensions only', requestKinds: ['EXTENSION'] },
    });
    expect(refusal(response)).toEqual({ code: 'BAD_USER_INPUT', field: 'input.requestKinds.0' });
    const below = await t.gql(`mutation($input: CreateApprovalPolicyInput!) { createApprovalPolicy(input: $input) { id } }`, t.admin.token, {
      input: { name: 'Odd totals', requestKinds: ['ACCESS'], maxDurationMinutes: 60, maxTotalDurationMinutes: 30 },
    });
    expect(refusal(below)).toEqual({ code: 'BAD_USER_INPUT', field: 'input.maxTotalDurationMinutes' });
  });
});
