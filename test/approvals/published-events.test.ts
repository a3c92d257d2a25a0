/**
 * Each state change of the workflow is published (for subscriptions, on every instance) when its
 * transaction commits, by reference; a rejected call publishes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOMAIN_EVENTS_CHANNEL, parseDomainEvent, type DomainEvent } from '../../server/realtime/domain-events.js';
import { errorCodes } from '../support/graphql-client.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';
import { buildApprovalsFixture, decideAs, requestAccessAs, requestSudoAs, type ApprovalsFixture } from '../support/approvals-fixture.js';

let t: TestVigil;
let f: ApprovalsFixture;
const received: DomainEvent[] = [];
let stopListening: () => Promise<void>;

beforeAll(async () => {
  t = await startTestVigil();
  f = await buildApprovalsFixture(t);
  stopListening = await t.vigil.database.listen(DOMAIN_EVENTS_CHANNEL, (payload) => {
    const event = parseDomainEvent(payload);
    // Workflow changes only: record, audit, log and notification events have tests of their own
    // (a checkpoint is signed whenever a sequencer run makes one due, in the background).
    if (
      event &&
      !['records.changed', 'audit.appended', 'log.appended', 'log.checkpoint_signed', 'notification.created', 'identity.changed'].includes(event.type)
    )
      received.push(event);
  });
});
afterAll(async () => {
  await stopListening?.();
  await t?.close();
});

/** Waits until `count` events arrived after `from` (NOTIFY is delivered asynchronously). */
async function eventsSince(from: number, count: number): Promise<DomainEvent[]> {
  for (let attempt = 0; attempt < 100 && received.length < from + count; attempt++) await new Promise((resolve) => setTimeout(resolve, 20));
  await new Promise((resolve) => setTimeout(resolve, 50));
  return received.slice(from);
}

describe('published state changes', () => {
  it('publishes request, decision, session and sudo changes by reference', async () => {
    const start = received.length;
    const requested = await requestAccessAs(t, f.alice, { servers: ['web-01'] });
    const request = requested.data!.requestAccess;
    const approved = await decideAs(t, f.admin, request.id, 'APPROVE');
    expect(approved.errors).toBeUndefined();
    const sudo = await requestSudoAs(t, f.alice, { server: 'web-01', command: 'systemctl restart nginx' });
    await decideAs(t, f.bob, sudo.data!.requestSudo.id, 'APPROVE');

    const events = await eventsSince(start, 6);
    const tenantId = t.admin.tenantId;
    expect(events).toEqual([
      { type: 'approval.requested', tenantId, approvalId: request.id, requesterId: f.alice.id },
      { type: 'approval.decided', tenantId, approvalId: request.id, requesterId: f.alice.id, status: 'approved' },
      { type: 'access_session.changed', tenantId, accessSessionId: request.accessSession.id, requesterId: f.alice.id, status: 'active' },
      { type: 'approval.requested', tenantId, approvalId: sudo.data!.requestSudo.id, requesterId: f.alice.id },
      { type: 'approval.decided', tenantId, approvalId: sudo.data!.requestSudo.id, requesterId: f.alice.id, status: 'approved' },
      { type: 'sudo.granted', tenantId, sudoAuthorizationId: expect.any(String), userId: f.alice.id, serverId: f.web.id },
    ]);
    // References only: nothing of the request's content travels in the payload.
    expect(JSON.stringify(events)).not.toContain('deploy the hotfix');
  });

  it('publishes nothing for a rejected call', async () => {
    const requested = await requestAccessAs(t, f.dave, { servers: ['db-01'] });
    const start = received.length;
    expect(errorCodes(await decideAs(t, f.bob, requested.data!.requestAccess.id, 'DENY'))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await decideAs(t, f.dave, requested.data!.requestAccess.id, 'APPROVE'))).toEqual(['FORBIDDEN']);
    // A later, accepted change proves the channel still delivers, and is the only thing delivered.
    await decideAs(t, f.bob, requested.data!.requestAccess.id, 'DENY', 'not now');
    const events = await eventsSince(start, 2);
    expect(events.map((event) => event.type)).toEqual(['approval.decided', 'access_session.changed']);
    expect(events[0]).toMatchObject({ approvalId: requested.data!.requestAccess.id, status: 'denied' });
  });
});
