/**
 * The platform's operations as webhook events: a deployment, a compliance scan and drift reported
 * through reportActivity are each sent once as the webhook of the same name (deployment.*,
 * compliance.scan_completed, drift.detected), with what was reported, and are in the record like
 * any activity (the event stream shows them); other reported activity sends none of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDueDeliveries } from '../../server/webhooks/delivery-worker.js';
import { testDeliveryDeps } from '../support/delivery-deps.js';
import { readEvents } from '../support/event-stream-client.js';
import { minutesAgo } from '../support/records-fixture.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';

const OPERATIONS = ['deployment.started', 'deployment.completed', 'deployment.failed', 'deployment.cancelled', 'compliance.scan_completed', 'drift.detected'];
let t: TestVigil;
let receiver: Receiver;

beforeAll(async () => {
  t = await startTestVigil({ env: { VIGIL_OUTBOUND_ALLOW: 'loopback' } });
  receiver = await startReceiver();
  const subscribed = await t.gql(`mutation($input: CreateWebhookInput!) { createWebhookSubscription(input: $input) { id } }`, t.admin.token, {
    input: { name: 'ops', url: `${receiver.url}/ops`, eventTypes: OPERATIONS },
  });
  expect(subscribed.errors).toBeUndefined();
});
afterAll(async () => {
  await receiver?.close();
  await t?.close();
});

describe('the platform’s operations', () => {
  it('are sent once each as the webhook of their name, with what was reported, and recorded as activity', async () => {
    const reported = await t.gql(`mutation($entries: [ActivityReportInput!]!) { reportActivity(entries: $entries) }`, t.admin.token, {
      entries: [
        {
          action: 'DEPLOYMENT_STARTED',
          result: 202,
          userEmail: 'ci@example.test',
          details: { service: 'billing', version: '2.4.0', environment: 'prod' },
          occurredAt: minutesAgo(t, 9),
        },
        {
          action: 'DEPLOYMENT_FAILED',
          result: 500,
          userEmail: 'ci@example.test',
          details: { service: 'billing', version: '2.4.0' },
          occurredAt: minutesAgo(t, 8),
        },
        { action: 'DEPLOYMENT_CANCELLED', result: 409, details: { service: 'search' }, occurredAt: minutesAgo(t, 7) },
        { action: 'DEPLOYMENT_COMPLETED', result: 200, details: { service: 'search', version: '1.1.0' }, occurredAt: minutesAgo(t, 6) },
        { action: 'COMPLIANCE_SCAN_COMPLETED', result: 200, details: { profile: 'CIS Debian 12', passed: 180, failed: 4 }, occurredAt: minutesAgo(t, 5) },
        { action: 'DRIFT_DETECTED', result: 200, details: { server: 'web-01', path: '/etc/ssh/sshd_config' }, occurredAt: minutesAgo(t, 4) },
        { action: 'AUTH_SIGNED_IN', result: 200, userEmail: 'ci@example.test', occurredAt: minutesAgo(t, 3) },
      ],
    });
    expect(reported.errors).toBeUndefined();
    await runDueDeliveries(testDeliveryDeps(t));
    await runDueDeliveries(testDeliveryDeps(t));
    const messages = receiver.requests.map((request) => JSON.parse(request.body) as { type: string; data: { operation: any } });
    expect(messages.map((message) => message.type).sort()).toEqual([...OPERATIONS].sort());
    expect(messages.find((message) => message.type === 'deployment.started')!.data.operation).toMatchObject({
      action: 'deployment.started',
      result: 202,
      userEmail: 'ci@example.test',
      details: { service: 'billing', version: '2.4.0', environment: 'prod' },
    });
    expect(messages.find((message) => message.type === 'compliance.scan_completed')!.data.operation.details).toEqual({
      profile: 'CIS Debian 12',
      passed: 180,
      failed: 4,
    });

    const read = await readEvents(t, t.admin.token, { types: 'activity.deployment,activity.compliance,activity.drift' });
    const events = read.lines.filter((line) => typeof line.position === 'number');
    expect(events.map((event) => [event.type, event.category])).toEqual([
      ['activity.deployment.started', 'system'],
      ['activity.deployment.failed', 'system'],
      ['activity.deployment.cancelled', 'system'],
      ['activity.deployment.completed', 'system'],
      ['activity.compliance.scan_completed', 'system'],
      ['activity.drift.detected', 'system'],
    ]);
    expect(events.find((event) => event.type === 'activity.deployment.failed')).toMatchObject({ severity: 'medium', outcome: 'failure' });
  });

  it('leaves no listed webhook type without something that sends it', async () => {
    const types = (await t.gql<any>('{ webhookEventTypes { type } }', t.admin.token)).data!.webhookEventTypes.map((entry: { type: string }) => entry.type);
    // Each type and what emits it (tests of each: this file, test/presence, test/webhooks/deliveries, test/alerts …).
    const emitted = new Set([
      ...OPERATIONS,
      'host.online',
      'host.offline',
      'alert.fired',
      'alert.resolved',
      'alert.acknowledged',
      'job.completed',
      'job.failed',
      'approval.requested',
      'approval.decided',
      'session.started',
      'session.ended',
      'session.extended', // test/approvals/extensions.test.ts
      'command.failed',
      'sudo.granted',
      'audit.integrity_failed',
      'log.checkpoint_signed',
    ]);
    expect(types.filter((type: string) => !emitted.has(type))).toEqual([]);
  });
});
