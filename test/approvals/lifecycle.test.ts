/**
 * The access-session lifecycle through the API: request → approve → active → end, deny, expiry
 * of an undecided request, expiry of a session at its end, scheduled start, revoke, cancel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../support/graphql-client.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';
import { advance, APPROVAL, buildApprovalsFixture, decideAs, requestAccessAs, sweep, type ApprovalsFixture } from '../support/approvals-fixture.js';

let t: TestVigil;
let f: ApprovalsFixture;

beforeAll(async () => {
  t = await startTestVigil();
  f = await buildApprovalsFixture(t);
});
afterAll(() => t?.close());

const END = `mutation($id: ID!, $reason: String) { endAccessSession(id: $id, reason: $reason) { id status endedAt endReason endedBy { email } } }`;
const REVOKE = `mutation($id: ID!, $reason: String!) { revokeAccessSession(id: $id, reason: $reason) { id status endReason endedBy { email } } }`;
const CANCEL = `mutation($id: ID!, $reason: String) { cancelApproval(id: $id, reason: $reason) { id status cancelReason closedBy { email } accessSession { status } } }`;
const SESSION = `query($id: ID!) { accessSession(id: $id) { id status startsAt expiresAt endedAt approval { id status } sudoAuthorizations { nodes { command isPattern revokedAt } } } }`;
const AUDIT = `query($type: String!, $id: String!) { auditLog(filter: { resourceType: $type, resourceId: $id }) { nodes { action actorType actorEmail } } }`;

async function auditActions(type: string, id: string): Promise<string[]> {
  const response = await t.gql(AUDIT, t.admin.token, { type, id });
  expect(response.errors).toBeUndefined();
  return response.data!.auditLog.nodes.map((node: { action: string }) => node.action).reverse();
}

describe('request → approve → active → end', () => {
  it('runs the whole way, and the audit log tells it', async () => {
    const requested = await requestAccessAs(t, f.alice, { servers: ['web-01', 'db-01'], durationMinutes: 90, isSudoRequested: true });
    expect(requested.errors).toBeUndefined();
    const request = requested.data!.requestAccess;
    expect(request).toMatchObject({ kind: 'ACCESS', status: 'PENDING', durationMinutes: 90, requiredApprovals: 1, approvalsStillNeeded: 1, policyName: null });
    expect(request.servers.map((server: { name: string }) => server.name).sort()).toEqual(['db-01', 'web-01']);
    expect(request.accessSession.status).toBe('PENDING');

    const approved = await decideAs(t, f.admin, request.id, 'APPROVE');
    expect(approved.errors).toBeUndefined();
    const approval = approved.data!.decideApproval;
    expect(approval).toMatchObject({ status: 'APPROVED', approvalsReceived: 1, approvalsStillNeeded: 0, closedBy: { email: f.admin.email } });
    expect(approval.decisions).toEqual([{ decision: 'APPROVE', justification: null, channel: 'API', chatUserId: null, approver: { email: f.admin.email } }]);
    expect(approval.accessSession.status).toBe('ACTIVE');
    expect(approval.accessSession.approver.email).toBe(f.admin.email);
    expect(new Date(approval.accessSession.expiresAt).getTime() - new Date(approval.accessSession.startsAt).getTime()).toBe(90 * 60_000);

    const session = await t.gql(SESSION, f.alice.token, { id: approval.accessSession.id });
    expect(session.data!.accessSession.approval).toEqual({ id: request.id, status: 'APPROVED' });
    // Sudo for the session: one `*` grant per server, in force.
    expect(session.data!.accessSession.sudoAuthorizations.nodes).toHaveLength(2);
    expect(
      session.data!.accessSession.sudoAuthorizations.nodes.every(
        (grant: { command: string; revokedAt: string | null }) => grant.command === '*' && grant.revokedAt === null,
      ),
    ).toBe(true);

    const ended = await t.gql(END, f.alice.token, { id: approval.accessSession.id });
    expect(ended.errors).toBeUndefined();
    expect(ended.data!.endAccessSession).toMatchObject({ status: 'ENDED', endReason: null, endedBy: { email: f.alice.email } });
    const after = await t.gql(SESSION, f.alice.token, { id: approval.accessSession.id });
    expect(after.data!.accessSession.sudoAuthorizations.nodes.every((grant: { revokedAt: string | null }) => grant.revokedAt !== null)).toBe(true);

    const again = await t.gql(END, f.alice.token, { id: approval.accessSession.id });
    expect(errorCodes(again)).toEqual(['CONFLICT']);

    expect(await auditActions('approval', request.id)).toEqual(['approval.requested', 'approval.decided']);
    expect(await auditActions('access_session', approval.accessSession.id)).toEqual(['access_session.started', 'access_session.ended', 'sudo.revoked']);
  });

  it('records the web channel when the web app says so', async () => {
    const requested = await requestAccessAs(t, f.alice, { servers: ['web-01'] });
    const id = requested.data!.requestAccess.id;
    const { graphql } = await import('../support/graphql-client.js');
    const decided = await graphql(
      t.url,
      `
        mutation ($id: ID!) {
          decideApproval(id: $id, decision: APPROVE) {
            decisions {
              channel
            }
          }
        }
      `,
      {
        token: f.bob.token,
        variables: { id },
        headers: { 'vigil-client': 'web' },
      },
    );
    expect(decided.errors).toBeUndefined();
    expect((decided.data as any).decideApproval.decisions).toEqual([{ channel: 'WEB' }]);
  });
});

describe('request → deny', () => {
  it('needs a justification, and then closes the request and its session', async () => {
    const requested = await requestAccessAs(t, f.dave, { servers: ['db-01'] });
    const id = requested.data!.requestAccess.id;

    const bare = await decideAs(t, f.bob, id, 'DENY');
    expect(errorCodes(bare)).toEqual(['BAD_USER_INPUT']);
    expect(bare.errors![0]!.extensions.field).toBe('justification');
    const blank = await decideAs(t, f.bob, id, 'DENY', '   ');
    expect(errorCodes(blank)).toEqual(['BAD_USER_INPUT']);
    expect((await t.gql(APPROVAL, f.dave.token, { id })).data!.approval.status).toBe('PENDING');

    const denied = await decideAs(t, f.bob, id, 'DENY', 'no change window today');
    expect(denied.errors).toBeUndefined();
    expect(denied.data!.decideApproval).toMatchObject({
      status: 'DENIED',
      closedBy: { email: f.bob.email },
      decisions: [{ decision: 'DENY', justification: 'no change window today', approver: { email: f.bob.email } }],
      // An approver who is not an admin sees the request, not the requester's session.
      accessSession: null,
    });
    expect((await t.gql(APPROVAL, f.dave.token, { id })).data!.approval.accessSession.status).toBe('DENIED');

    const late = await decideAs(t, f.carol, id, 'APPROVE');
    expect(errorCodes(late)).toEqual(['CONFLICT']);
    expect(late.errors![0]!.message).toContain(f.bob.email);
    expect(late.errors![0]!.extensions).toMatchObject({ status: 'denied', decidedBy: f.bob.email });
  });
});

describe('time bounds', () => {
  it('expires a request nobody decided by its deadline', async () => {
    const requested = await requestAccessAs(t, f.alice, { servers: ['web-01'] });
    const request = requested.data!.requestAccess;
    expect(new Date(request.decideBy).getTime() - new Date(request.requestedAt).getTime()).toBe(60 * 60_000);

    advance(t, 59);
    await sweep(t);
    expect((await t.gql(APPROVAL, f.alice.token, { id: request.id })).data!.approval.status).toBe('PENDING');

    advance(t, 2);
    const counts = await sweep(t);
    expect(counts.expiredRequests).toBeGreaterThanOrEqual(1);
    const expired = (await t.gql(APPROVAL, f.alice.token, { id: request.id })).data!.approval;
    expect(expired).toMatchObject({ status: 'EXPIRED', closedBy: null, accessSession: { status: 'EXPIRED' } });

    const late = await decideAs(t, f.admin, request.id, 'APPROVE');
    expect(errorCodes(late)).toEqual(['CONFLICT']);
    expect(late.errors![0]!.message).toContain('expired');
    expect(await auditActions('approval', request.id)).toEqual(['approval.requested', 'approval.expired']);
  });

  it('expires an active session at its end time, with its sudo grants', async () => {
    const requested = await requestAccessAs(t, f.alice, { servers: ['web-01'], durationMinutes: 30, isSudoRequested: true });
    const sessionId = requested.data!.requestAccess.accessSession.id;
    expect((await decideAs(t, f.bob, requested.data!.requestAccess.id, 'APPROVE')).data!.decideApproval.status).toBe('APPROVED');

    advance(t, 29);
    await sweep(t);
    expect((await t.gql(SESSION, f.alice.token, { id: sessionId })).data!.accessSession.status).toBe('ACTIVE');

    advance(t, 2);
    await sweep(t);
    const session = (await t.gql(SESSION, f.alice.token, { id: sessionId })).data!.accessSession;
    expect(session.status).toBe('EXPIRED');
    expect(session.endedAt).toBe(session.expiresAt);
    expect(await auditActions('access_session', sessionId)).toEqual(['access_session.started', 'access_session.expired']);
  });

  it('starts a scheduled session at its start time', async () => {
    const startsAt = new Date(t.clock.now().getTime() + 120 * 60_000).toISOString();
    const requested = await requestAccessAs(t, f.alice, { servers: ['web-01'], startsAt, durationMinutes: 60 });
    const decided = await decideAs(t, f.admin, requested.data!.requestAccess.id, 'APPROVE');
    const session = decided.data!.decideApproval.accessSession;
    expect(session).toMatchObject({ status: 'APPROVED', startsAt });

    advance(t, 119);
    await sweep(t);
    expect((await t.gql(SESSION, f.alice.token, { id: session.id })).data!.accessSession.status).toBe('APPROVED');
    advance(t, 2);
    await sweep(t);
    expect((await t.gql(SESSION, f.alice.token, { id: session.id })).data!.accessSession.status).toBe('ACTIVE');
  });

  it('refuses a start in the past and a duration out of bounds, naming the field', async () => {
    const past = await requestAccessAs(t, f.alice, { servers: ['web-01'], startsAt: new Date(t.clock.now().getTime() - 3600_000).toISOString() });
    expect(past.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.startsAt' });
    const zero = await requestAccessAs(t, f.alice, { servers: ['web-01'], durationMinutes: 0 });
    expect(zero.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.durationMinutes' });
    const unknown = await requestAccessAs(t, f.alice, { servers: ['web-01', 'nope-99'] });
    expect(unknown.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.servers.1' });
    const none = await requestAccessAs(t, f.alice, {});
    expect(none.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.servers' });
    const otherTenant = await requestAccessAs(t, f.alice, { servers: [f.other.server.id] });
    expect(otherTenant.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.servers.0' });
  });
});

describe('revoke and cancel', () => {
  it('lets an admin revoke an active session with a reason, and nobody else', async () => {
    const requested = await requestAccessAs(t, f.alice, { servers: ['web-01'] });
    const sessionId = requested.data!.requestAccess.accessSession.id;
    expect((await decideAs(t, f.bob, requested.data!.requestAccess.id, 'APPROVE')).data!.decideApproval.status).toBe('APPROVED');

    expect(errorCodes(await t.gql(REVOKE, f.bob.token, { id: sessionId, reason: 'suspicious' }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await t.gql(REVOKE, t.admin.token, { id: sessionId, reason: ' ' }))).toEqual(['BAD_USER_INPUT']);
    // Another regular user cannot end it either, nor learn that it exists.
    expect(errorCodes(await t.gql(END, f.dave.token, { id: sessionId }))).toEqual(['NOT_FOUND']);

    const revoked = await t.gql(REVOKE, t.admin.token, { id: sessionId, reason: 'credentials leaked' });
    expect(revoked.errors).toBeUndefined();
    expect(revoked.data!.revokeAccessSession).toMatchObject({ status: 'REVOKED', endReason: 'credentials leaked', endedBy: { email: t.admin.email } });
    expect(await auditActions('access_session', sessionId)).toEqual(['access_session.started', 'access_session.revoked']);
  });

  it('needs a reason when an admin ends someone else’s session', async () => {
    const requested = await requestAccessAs(t, f.alice, { servers: ['web-01'] });
    const sessionId = requested.data!.requestAccess.accessSession.id;
    expect((await decideAs(t, f.bob, requested.data!.requestAccess.id, 'APPROVE')).data!.decideApproval.status).toBe('APPROVED');
    const bare = await t.gql(END, t.admin.token, { id: sessionId });
    expect(bare.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
    const ended = await t.gql(END, t.admin.token, { id: sessionId, reason: 'maintenance over' });
    expect(ended.data!.endAccessSession).toMatchObject({ status: 'ENDED', endReason: 'maintenance over', endedBy: { email: t.admin.email } });
  });

  it('lets the requester cancel a pending request, and not twice', async () => {
    const requested = await requestAccessAs(t, f.alice, { servers: ['web-01'] });
    const id = requested.data!.requestAccess.id;
    expect(errorCodes(await t.gql(CANCEL, f.dave.token, { id }))).toEqual(['NOT_FOUND']);
    const cancelled = await t.gql(CANCEL, f.alice.token, { id, reason: 'not needed any more' });
    expect(cancelled.data!.cancelApproval).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'not needed any more',
      closedBy: { email: f.alice.email },
      accessSession: { status: 'CANCELLED' },
    });
    expect(errorCodes(await t.gql(CANCEL, f.alice.token, { id }))).toEqual(['CONFLICT']);
    expect(errorCodes(await decideAs(t, f.bob, id, 'APPROVE'))).toEqual(['CONFLICT']);
  });
});
