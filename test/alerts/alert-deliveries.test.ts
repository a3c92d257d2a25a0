/**
 * Fired alerts reach their channels through an outbox: a receiver that fails gets the alert again
 * on the product documents' schedule (1, 5, 15, 60, 240 minutes) until it answers or the sixth
 * failure, every attempt shown on the alert; a channel removed meanwhile fails its deliveries; two
 * senders at once send each delivery once. Driven by the test clock and a real local receiver.
 */
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runDueAlertDeliveries } from '../../server/alerts/alert-deliveries.js';
import { evaluateAlertRules } from '../../server/alerts/evaluate-rules.js';
import { alertDeliveries } from '../../server/db/tables/index.js';
import { REFUSED_ERROR } from '../../server/outbound/refused-deliveries.js';
import type { DeliveryDeps } from '../../server/webhooks/delivery-worker.js';
import { advance } from '../support/approvals-fixture.js';
import { testDeliveryDeps } from '../support/delivery-deps.js';
import { addServer, ingest, minutesAgo, type TestServer } from '../support/records-fixture.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';

let t: TestVigil;
let deps: DeliveryDeps;
let receiver: Receiver;
let server: TestServer;

beforeAll(async () => {
  t = await startTestVigil({ env: { VIGIL_OUTBOUND_ALLOW: 'loopback', VIGIL_ALERT_EVALUATION_SECONDS: '3600', VIGIL_WEBHOOK_POLL_MS: '60000' } });
  deps = testDeliveryDeps(t);
  receiver = await startReceiver();
  server = await addServer(t, t.admin.tenantId, 'web-01');
});
afterAll(async () => {
  await receiver?.close();
  await t?.close();
});
afterEach(() => {
  receiver.requests.length = 0;
  receiver.always = { status: 200, body: 'ok' };
});

const DELIVERY_FIELDS = 'channelId channelName channelType status attempts lastError lastAttemptAt nextAttemptAt deliveredAt';
const ALERTS = `query($filter: AlertFilterInput) { alerts(first: 50, filter: $filter) { nodes { id title deliveries { ${DELIVERY_FIELDS} } } } }`;

let counter = 0;
/** A channel to the receiver and a rule that fires on a failed command matching a fresh pattern; then the command fails. */
async function firedAlertTo(channelCount = 1): Promise<{ ruleId: string; channelIds: string[] }> {
  const name = `deploy-${++counter}`;
  const channelIds: string[] = [];
  for (let i = 0; i < channelCount; i++) {
    const channel = await t.gql(`mutation($input: NotificationChannelInput!) { createNotificationChannel(input: $input) { id } }`, t.admin.token, {
      input: { name: `${name} hook ${i}`, type: 'SLACK', slack: { url: `${receiver.url}/${name}/${i}` } },
    });
    expect(channel.errors).toBeUndefined();
    channelIds.push(channel.data!.createNotificationChannel.id);
  }
  const rule = await t.gql(`mutation($input: AlertRuleInput!) { createAlertRule(input: $input) { id } }`, t.admin.token, {
    input: { name, condition: 'COMMAND_FAILED', commandPattern: `${name} *`, severity: 'HIGH', channelIds },
  });
  expect(rule.errors).toBeUndefined();
  // The rule watches what happens from its creation on.
  advance(t, 1);
  const reported = await ingest(t, server.agentToken, [
    {
      eventId: `${name}-command`,
      kind: 'COMMAND',
      command: { shell: 'INTERNAL', line: `${name} --now`, status: 'FAILED', submittedAt: minutesAgo(t, 1), exitCode: 1 },
    },
  ]);
  expect(reported.errors).toBeUndefined();
  return { ruleId: rule.data!.createAlertRule.id, channelIds };
}

async function deliveriesOf(ruleId: string): Promise<Record<string, any>[]> {
  const response = await t.gql(ALERTS, t.admin.token, { filter: { ruleId } });
  expect(response.errors).toBeUndefined();
  const [alert] = response.data!.alerts.nodes;
  return alert.deliveries;
}

const minutesFromNow = (iso: string) => (new Date(iso).getTime() - t.clock.now().getTime()) / 60_000;

describe('alert deliveries', () => {
  it('retry a receiver that failed, after a minute, until it answers; each attempt shown on the alert', async () => {
    receiver.answer({ status: 500, body: 'down for maintenance' });
    const { ruleId, channelIds } = await firedAlertTo();
    expect(await evaluateAlertRules(deps)).toBe(1);
    expect(receiver.requests).toHaveLength(1);
    const [first] = await deliveriesOf(ruleId);
    expect(first).toMatchObject({ channelId: channelIds[0], channelType: 'SLACK', status: 'RETRYING', attempts: 1, deliveredAt: null });
    expect(first!.lastError).toMatch(/HTTP 500: down for maintenance/);
    // The schedule's first wait, with up to 10% jitter.
    expect(minutesFromNow(first!.nextAttemptAt)).toBeGreaterThanOrEqual(1);
    expect(minutesFromNow(first!.nextAttemptAt)).toBeLessThanOrEqual(1.1);

    // Not due yet: nothing is sent.
    expect(await runDueAlertDeliveries(deps)).toBe(0);
    advance(t, 2);
    expect(await runDueAlertDeliveries(deps)).toBe(1);
    expect(receiver.requests).toHaveLength(2);
    expect(JSON.parse(receiver.requests[1]!.body)).toEqual(JSON.parse(receiver.requests[0]!.body));
    const [second] = await deliveriesOf(ruleId);
    expect(second).toMatchObject({ status: 'SUCCEEDED', attempts: 2, lastError: null, nextAttemptAt: null, deliveredAt: t.clock.now().toISOString() });

    // Delivered: later passes send nothing more.
    advance(t, 300);
    expect(await runDueAlertDeliveries(deps)).toBe(0);
    expect(receiver.requests).toHaveLength(2);
  });

  it('give up after the sixth failure, on the documented schedule', async () => {
    receiver.always = { status: 503, body: 'gone fishing' };
    const { ruleId } = await firedAlertTo();
    expect(await evaluateAlertRules(deps)).toBe(1);
    const waits: number[] = [];
    for (let attempt = 2; attempt <= 6; attempt++) {
      const [delivery] = await deliveriesOf(ruleId);
      expect(delivery).toMatchObject({ status: 'RETRYING', attempts: attempt - 1 });
      const wait = minutesFromNow(delivery!.nextAttemptAt);
      waits.push(wait);
      // A moment before it is due, nothing is sent; at the time, it is.
      advance(t, wait - 0.01);
      expect(await runDueAlertDeliveries(deps)).toBe(0);
      advance(t, 0.02);
      expect(await runDueAlertDeliveries(deps)).toBe(1);
    }
    expect(waits.map((wait, i) => wait / [1, 5, 15, 60, 240][i]!).every((ratio) => ratio >= 1 && ratio <= 1.1)).toBe(true);
    const [last] = await deliveriesOf(ruleId);
    expect(last).toMatchObject({ status: 'FAILED', attempts: 6, nextAttemptAt: null, deliveredAt: null });
    expect(last!.lastError).toMatch(/HTTP 503/);
    expect(receiver.requests).toHaveLength(6);
    advance(t, 24 * 60);
    expect(await runDueAlertDeliveries(deps)).toBe(0);
  });

  it('fail at once to a channel removed before the retry', async () => {
    receiver.answer({ status: 500 });
    const { ruleId, channelIds } = await firedAlertTo();
    expect(await evaluateAlertRules(deps)).toBe(1);
    const removed = await t.gql(`mutation($id: ID!) { deleteNotificationChannel(id: $id) { id } }`, t.admin.token, { id: channelIds[0] });
    expect(removed.errors).toBeUndefined();
    advance(t, 2);
    expect(await runDueAlertDeliveries(deps)).toBe(1);
    expect(receiver.requests).toHaveLength(1);
    expect(await deliveriesOf(ruleId)).toEqual([
      expect.objectContaining({ channelId: channelIds[0], channelName: null, channelType: null, status: 'FAILED', attempts: 2 }),
    ]);
    expect((await deliveriesOf(ruleId))[0]!.lastError).toBe('The notification channel has been removed');
  });

  it('are sent once each when two senders run at once', async () => {
    receiver.always = { status: 500 };
    const { ruleId } = await firedAlertTo(3);
    expect(await evaluateAlertRules(deps)).toBe(1);
    expect(receiver.requests).toHaveLength(3);
    receiver.always = { status: 200, body: 'ok' };
    advance(t, 2);
    const [a, b] = await Promise.all([runDueAlertDeliveries(deps), runDueAlertDeliveries(deps)]);
    expect(a + b).toBe(3);
    expect(receiver.requests).toHaveLength(6);
    expect(new Set(receiver.requests.slice(3).map((request) => request.path)).size).toBe(3);
    expect((await deliveriesOf(ruleId)).map((delivery) => [delivery.status, delivery.attempts])).toEqual([
      ['SUCCEEDED', 2],
      ['SUCCEEDED', 2],
      ['SUCCEEDED', 2],
    ]);
  });

  it('are refused when the database sends one to another channel than its rule names', async () => {
    receiver.answer({ status: 500, body: 'down for maintenance' });
    const { ruleId, channelIds } = await firedAlertTo();
    expect(await evaluateAlertRules(deps)).toBe(1);
    // A channel of the intruder's, and the queued retry pointed at it behind Vigil's back.
    const intruder = await t.gql(`mutation($input: NotificationChannelInput!) { createNotificationChannel(input: $input) { id } }`, t.admin.token, {
      input: { name: 'elsewhere', type: 'SLACK', slack: { url: `${receiver.url}/elsewhere` } },
    });
    expect(intruder.errors).toBeUndefined();
    const intruderId = intruder.data!.createNotificationChannel.id as string;
    await t.vigil.database.db.update(alertDeliveries).set({ channelId: intruderId }).where(eq(alertDeliveries.channelId, channelIds[0]!));

    advance(t, 2);
    expect(await runDueAlertDeliveries(deps)).toBe(1);
    // Only the first attempt, to the rule's channel, went out.
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.path).not.toBe('/elsewhere');
    expect(await deliveriesOf(ruleId)).toEqual([expect.objectContaining({ channelId: intruderId, status: 'FAILED', attempts: 2, lastError: REFUSED_ERROR })]);
    const refusal = await t.gql(`{ auditLog(first: 5, filter: { action: ["outbox.delivery_refused"] }) { nodes { resourceType after } } }`, t.admin.token);
    expect(refusal.data!.auditLog.nodes).toContainEqual({
      resourceType: 'alert_deliveries',
      after: expect.objectContaining({ asked: { alertId: expect.any(String), channelId: intruderId } }),
    });
  });

  it('are not shown to someone without MONITORING_VIEW', async () => {
    const user = await t.createUser(t.admin.tenantId, { email: 'plain@example.test' });
    const response = await t.gql(ALERTS, user.token, {});
    expect(response.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(response.data?.alerts ?? null).toBeNull();
  });
});
