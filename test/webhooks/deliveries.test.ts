/**
 * Webhook deliveries to a real local receiver: signed (both header styles, checked with a plain
 * HMAC and with the Standard Webhooks library), retried on the product documents' schedule with the
 * test's clock, failed for good after the sixth failure, retried by hand; 410 and Retry-After;
 * test pings; the documented errors for bad URLs, internal addresses and duplicate names.
 */
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanUpDeliveries, runDueDeliveries } from '../../server/webhooks/delivery-worker.js';
import { RETRY_DELAYS_MINUTES } from '../../server/webhooks/retry-schedule.js';
import { advance, buildApprovalsFixture, requestAccessAs, type ApprovalsFixture } from '../support/approvals-fixture.js';
import { errorCodes } from '../support/graphql-client.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';
import { testDeliveryDeps } from '../support/delivery-deps.js';

let t: TestVigil;
let f: ApprovalsFixture;
let receiver: Receiver;
const SECRET = `whsec_${Buffer.from('a test secret of 24 bytes').toString('base64')}`;

beforeAll(async () => {
  // Loopback allowed for the local receiver; the background worker kept out of the way (the tests drive it).
  t = await startTestVigil({ env: { VIGIL_OUTBOUND_ALLOW: 'loopback', VIGIL_WEBHOOK_POLL_MS: '60000' } });
  f = await buildApprovalsFixture(t);
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await t?.close();
});

const CREATE = `mutation($input: CreateWebhookInput!) { createWebhookSubscription(input: $input) { id name url hasSecret headerNames eventTypes isActive } }`;
const DELETE = `mutation($id: ID!) { deleteWebhookSubscription(id: $id) { id } }`;
const DELIVERIES = `query($filter: WebhookDeliveryFilterInput) { webhookDeliveries(first: 100, filter: $filter) {
  nodes { id eventType status attempts nextAttemptAt lastStatusCode lastError lastResponseBody payload } } }`;
const SUBSCRIPTION = `query($id: ID!) { webhookSubscription(id: $id) { isActive disabledReason } }`;

let created: string[] = [];
afterEach(async () => {
  for (const id of created) await t.gql(DELETE, t.admin.token, { id });
  created = [];
  receiver.requests.length = 0;
  receiver.always = { status: 200, body: 'ok' };
});

async function subscribe(input: Record<string, unknown>): Promise<string> {
  const response = await t.gql(CREATE, t.admin.token, {
    input: { name: `hook ${created.length} ${Date.now()}`, url: `${receiver.url}/hook`, eventTypes: ['approval.requested'], ...input },
  });
  expect(response.errors).toBeUndefined();
  created.push(response.data!.createWebhookSubscription.id);
  return response.data!.createWebhookSubscription.id;
}

async function deliveries(subscriptionId: string) {
  const response = await t.gql(DELIVERIES, t.admin.token, { filter: { subscriptionId } });
  expect(response.errors).toBeUndefined();
  return response.data!.webhookDeliveries.nodes as Record<string, any>[];
}

/** One pass of the delivery worker, as every instance runs it, on the test's clock. */
const run = () => runDueDeliveries(testDeliveryDeps(t));

describe('a delivery', () => {
  it('reaches the receiver signed, verifiable with a plain HMAC and with a Standard Webhooks verifier', async () => {
    const id = await subscribe({ secret: SECRET, headers: [{ name: 'X-Team', value: 'blue' }] });
    const requested = await requestAccessAs(t, f.alice, { servers: ['web-01'] });
    const [pending] = await deliveries(id);
    expect(pending).toMatchObject({ eventType: 'approval.requested', status: 'PENDING', attempts: 0 });

    expect(await run()).toBeGreaterThanOrEqual(1);
    const [request] = receiver.requests;
    expect(request).toBeDefined();
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['x-webhook-event']).toBe('approval.requested');
    expect(request!.headers['x-team']).toBe('blue');
    const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
    expect(request!.headers['x-webhook-signature']).toBe(`sha256=${createHmac('sha256', key).update(request!.body).digest('hex')}`);
    const verified = new Webhook(SECRET).verify(request!.body, {
      'webhook-id': String(request!.headers['webhook-id']),
      'webhook-timestamp': String(request!.headers['webhook-timestamp']),
      'webhook-signature': String(request!.headers['webhook-signature']),
    }) as { type: string; data: { approval: { id: string } } };
    expect(verified.type).toBe('approval.requested');
    expect(verified.data.approval.id).toBe(requested.data!.requestAccess.id);
    // A signature over anything else does not verify.
    expect(() => new Webhook(SECRET).verify(`${request!.body} `, { ...(request!.headers as Record<string, string>) })).toThrow();

    expect((await deliveries(id))[0]).toMatchObject({ status: 'SUCCEEDED', attempts: 1, lastStatusCode: 200, lastResponseBody: 'ok' });
  });

  it('is retried on the schedule 1, 5, 15, 60, 240 minutes, fails for good at the sixth failure, and can be retried by hand', async () => {
    receiver.always = { status: 500, body: 'broken' };
    const id = await subscribe({});
    await requestAccessAs(t, f.alice, { servers: ['web-01'] });
    await run();
    expect(receiver.requests).toHaveLength(1);

    for (const [index, minutes] of RETRY_DELAYS_MINUTES.entries()) {
      const [delivery] = await deliveries(id);
      expect(delivery).toMatchObject({ status: 'RETRYING', attempts: index + 1, lastStatusCode: 500, lastResponseBody: 'broken' });
      const waitMs = new Date(delivery!.nextAttemptAt).getTime() - t.clock.now().getTime();
      // The scheduled wait, plus at most 10% of jitter.
      expect(waitMs).toBeGreaterThanOrEqual(minutes * 60_000);
      expect(waitMs).toBeLessThanOrEqual(minutes * 60_000 * 1.1);
      advance(t, minutes * 0.95);
      await run();
      expect(receiver.requests).toHaveLength(index + 1);
      advance(t, minutes * 0.16);
      await run();
      expect(receiver.requests).toHaveLength(index + 2);
    }
    const [failed] = await deliveries(id);
    expect(failed).toMatchObject({ status: 'FAILED', attempts: 6, nextAttemptAt: null });
    advance(t, 24 * 60);
    await run();
    expect(receiver.requests).toHaveLength(6);

    receiver.always = { status: 204 };
    const retried = await t.gql(`mutation($id: ID!) { retryWebhookDelivery(id: $id) { status attempts } }`, t.admin.token, { id: failed!.id });
    expect(retried.data!.retryWebhookDelivery).toEqual({ status: 'PENDING', attempts: 0 });
    await run();
    expect(receiver.requests).toHaveLength(7);
    expect((await deliveries(id))[0]).toMatchObject({ status: 'SUCCEEDED', attempts: 1, lastStatusCode: 204 });
    const again = await t.gql(`mutation($id: ID!) { retryWebhookDelivery(id: $id) { status } }`, t.admin.token, { id: failed!.id });
    expect(errorCodes(again)).toEqual(['CONFLICT']);
  });

  it('honours Retry-After on 429 and 503, and a 410 Gone disables the subscription', async () => {
    const id = await subscribe({});
    receiver.answer({ status: 429, headers: { 'retry-after': '600' } }, { status: 503, headers: { 'retry-after': '30' } }, { status: 410 });
    await requestAccessAs(t, f.alice, { servers: ['web-01'] });
    await run();
    let [delivery] = await deliveries(id);
    const wait = () => new Date(delivery!.nextAttemptAt).getTime() - t.clock.now().getTime();
    expect(wait()).toBeGreaterThanOrEqual(600_000);
    expect(wait()).toBeLessThanOrEqual(660_000);
    advance(t, 11);
    await run();
    [delivery] = await deliveries(id);
    expect(delivery).toMatchObject({ status: 'RETRYING', attempts: 2, lastStatusCode: 503 });
    expect(wait()).toBeGreaterThanOrEqual(30_000);
    expect(wait()).toBeLessThanOrEqual(33_000);
    advance(t, 1);
    await run();
    expect((await deliveries(id))[0]).toMatchObject({ status: 'FAILED', lastStatusCode: 410 });
    const subscription = (await t.gql(SUBSCRIPTION, t.admin.token, { id })).data!.webhookSubscription;
    expect(subscription.isActive).toBe(false);
    expect(subscription.disabledReason).toContain('410');
    // Vigil changed a setting on its own: the audit log says so, and the log still verifies.
    const audit = await t.gql(`{ auditLog(first: 5, filter: { action: ["webhook.disabled"] }) { nodes { actorId resourceId before after } } }`, t.admin.token);
    expect(audit.data!.auditLog.nodes).toEqual([
      expect.objectContaining({
        actorId: 'webhook-delivery',
        resourceId: id,
        before: expect.objectContaining({ isActive: true }),
        after: expect.objectContaining({ isActive: false }),
      }),
    ]);
    const report = await t.gql(`{ logIntegrity { isIntact faults { kind message } } }`, t.admin.token);
    expect(report.data!.logIntegrity).toEqual({ isIntact: true, faults: [] });
    // Nothing more is queued for it.
    await requestAccessAs(t, f.alice, { servers: ['web-01'] });
    expect(await deliveries(id)).toHaveLength(1);
  });
});

describe('Vigil’s own event types', () => {
  it('queues approval, session, sudo and failed-command events for the subscriptions that want them', async () => {
    const id = await subscribe({ eventTypes: ['approval.decided', 'session.started', 'session.ended', 'sudo.granted', 'command.failed'] });
    const request = (await requestAccessAs(t, f.alice, { servers: ['web-01'], isSudoRequested: true })).data!.requestAccess;
    await t.gql(`mutation($id: ID!) { decideApproval(id: $id, decision: APPROVE) { status } }`, t.admin.token, { id: request.id });
    await t.gql(`mutation($id: ID!) { endAccessSession(id: $id) { status } }`, f.alice.token, { id: request.accessSession.id });
    const { ingest, minutesAgo } = await import('../support/records-fixture.js');
    const failed = await ingest(t, f.web.agentToken, [
      {
        eventId: `fail-${Date.now()}`,
        kind: 'COMMAND',
        command: { shell: 'SYSTEM', line: 'false', status: 'FAILED', exitCode: 1, userEmail: 'alice@example.test', submittedAt: minutesAgo(t, 1) },
      },
      {
        eventId: `ok-${Date.now()}`,
        kind: 'COMMAND',
        command: { shell: 'SYSTEM', line: 'true', status: 'SUCCESS', exitCode: 0, userEmail: 'alice@example.test', submittedAt: minutesAgo(t, 1) },
      },
    ]);
    expect(failed.errors).toBeUndefined();
    const queued = (await deliveries(id)).map((delivery) => [delivery.eventType, JSON.parse(delivery.payload).data] as const);
    expect(queued.map(([type]) => type).sort()).toEqual(['approval.decided', 'command.failed', 'session.ended', 'session.started', 'sudo.granted']);
    const data = Object.fromEntries(queued);
    expect(data['approval.decided'].approval).toMatchObject({ id: request.id, status: 'approved' });
    expect(data['session.started'].accessSession).toMatchObject({ id: request.accessSession.id, status: 'active' });
    expect(data['session.ended'].accessSession).toMatchObject({ id: request.accessSession.id, status: 'ended' });
    expect(data['sudo.granted'].sudoAuthorization).toMatchObject({ command: '*', isPattern: true, approvalId: request.id });
    expect(data['command.failed'].command).toMatchObject({ line: 'false', status: 'failed', exitCode: 1 });
  });

  it('queues job.completed and job.failed for commands submitted to an agent, once each, and command.failed once however often a failure is reported', async () => {
    const id = await subscribe({ eventTypes: ['job.completed', 'job.failed', 'command.failed'] });
    const { ingest, minutesAgo } = await import('../support/records-fixture.js');
    const run = `${Date.now()}`;
    const batch = (events: Record<string, unknown>[]) => ingest(t, f.web.agentToken, events).then((response) => expect(response.errors).toBeUndefined());
    await batch([
      {
        eventId: `ts-${run}`,
        kind: 'TERMINAL_SESSION_STARTED',
        terminalSessionStarted: { userEmail: 'alice@example.test', username: 'alice', source: 'SHELL_CLI', startedAt: minutesAgo(t, 5) },
      },
      {
        eventId: `job-ok-${run}`,
        kind: 'COMMAND',
        command: { shell: 'SYSTEM', line: 'apt-get update', status: 'RUNNING', userEmail: 'alice@example.test', submittedAt: minutesAgo(t, 4) },
      },
      {
        eventId: `job-bad-${run}`,
        kind: 'COMMAND',
        command: { shell: 'SYSTEM', line: 'systemctl restart api', status: 'SCHEDULED', userEmail: 'alice@example.test', submittedAt: minutesAgo(t, 4) },
      },
      {
        eventId: `typed-${run}`,
        kind: 'COMMAND',
        command: { shell: 'SYSTEM', line: 'ls /nope', terminalSessionEventId: `ts-${run}`, status: 'FAILED', exitCode: 2, submittedAt: minutesAgo(t, 3) },
      },
    ]);
    expect(await deliveries(id)).toEqual([expect.objectContaining({ eventType: 'command.failed' })]);
    await batch([
      {
        eventId: `job-ok-${run}-done`,
        kind: 'COMMAND_UPDATE',
        commandUpdate: { commandEventId: `job-ok-${run}`, status: 'SUCCESS', exitCode: 0, reportedAt: minutesAgo(t, 2) },
      },
      {
        eventId: `job-bad-${run}-fail`,
        kind: 'COMMAND_UPDATE',
        commandUpdate: { commandEventId: `job-bad-${run}`, status: 'FAILED', exitCode: 1, reportedAt: minutesAgo(t, 2) },
      },
      // The same failure reported again (another report, same status): nothing new to tell.
      {
        eventId: `job-bad-${run}-again`,
        kind: 'COMMAND_UPDATE',
        commandUpdate: { commandEventId: `job-bad-${run}`, status: 'FAILED', exitCode: 1, reportedAt: minutesAgo(t, 1) },
      },
    ]);
    await batch([
      {
        eventId: `job-bad-${run}-later`,
        kind: 'COMMAND_UPDATE',
        commandUpdate: { commandEventId: `job-bad-${run}`, status: 'FAILED', verification: 'FAILED', reportedAt: minutesAgo(t, 1) },
      },
    ]);
    const queued = (await deliveries(id)).map((delivery) => [delivery.eventType, JSON.parse(delivery.payload).data.command] as const);
    expect(queued.map(([type, command]) => `${type} ${command.line}`).sort()).toEqual([
      'command.failed ls /nope',
      'command.failed systemctl restart api',
      'job.completed apt-get update',
      'job.failed systemctl restart api',
    ]);
    const completed = queued.find(([type]) => type === 'job.completed')![1];
    expect(completed).toMatchObject({ status: 'success', exitCode: 0, finishedAt: expect.any(String) });
  });
});

describe('clean-up', () => {
  it('deletes succeeded deliveries after 30 days and keeps failed ones', async () => {
    const id = await subscribe({});
    await requestAccessAs(t, f.alice, { servers: ['web-01'] });
    await run();
    receiver.always = { status: 410 };
    const other = await subscribe({});
    await requestAccessAs(t, f.alice, { servers: ['web-01'] });
    await run();
    expect((await deliveries(other)).map((delivery) => delivery.status)).toContain('FAILED');
    advance(t, 29 * 24 * 60);
    await cleanUpDeliveries(t.vigil.database.db, t.clock);
    expect(await deliveries(id)).not.toEqual([]);
    advance(t, 2 * 24 * 60);
    await cleanUpDeliveries(t.vigil.database.db, t.clock);
    expect((await deliveries(id)).filter((delivery) => delivery.status === 'SUCCEEDED')).toEqual([]);
    expect((await deliveries(other)).map((delivery) => delivery.status)).toContain('FAILED');
  });
});

describe('a test ping', () => {
  it('is sent at once, answers with the receiver’s status and body, and is not recorded', async () => {
    const id = await subscribe({ secret: SECRET });
    receiver.answer({ status: 202, body: 'pong' });
    const tested = await t.gql(`mutation($id: ID!) { testWebhookSubscription(id: $id) { isSuccess statusCode responseBody error } }`, t.admin.token, { id });
    expect(tested.data!.testWebhookSubscription).toEqual({ isSuccess: true, statusCode: 202, responseBody: 'pong', error: null });
    expect(receiver.requests[0]!.headers['x-webhook-event']).toBe('ping');
    expect(await deliveries(id)).toEqual([]);
    receiver.answer({ status: 404, body: 'no such hook' });
    const failed = await t.gql(`mutation($id: ID!) { testWebhookSubscription(id: $id) { isSuccess statusCode responseBody } }`, t.admin.token, { id });
    expect(failed.data!.testWebhookSubscription).toEqual({ isSuccess: false, statusCode: 404, responseBody: 'no such hook' });
  });
});

describe('subscriptions', () => {
  const COUNT = `{ webhookSubscriptions(first: 100) { nodes { id name } } }`;
  const count = async () => (await t.gql(COUNT, t.admin.token)).data!.webhookSubscriptions.nodes.length as number;

  it('refuses bad URLs, internal addresses and duplicate names, storing nothing', async () => {
    const before = await count();
    const attempt = (input: Record<string, unknown>) => t.gql(CREATE, t.admin.token, { input: { name: 'bad', eventTypes: ['approval.requested'], ...input } });
    const specialRanges = ['http://192.0.2.1/hook', 'http://198.18.0.1/hook', 'http://[64:ff9b::a00:1]/x', 'http://[::ffff:10.0.0.1]/x', 'http://[2002::1]/x'];
    for (const url of [
      'ftp://example.com/hook',
      'not a url',
      'http://10.1.2.3/hook',
      'http://169.254.169.254/latest',
      'http://[fd00::1]/x',
      'http://user:pw@example.com/',
      ...specialRanges,
    ]) {
      const response = await attempt({ url });
      expect(response.errors?.[0]?.extensions, url).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.url' });
    }
    const badType = await attempt({ url: `${receiver.url}/x`, eventTypes: ['nope.happened'] });
    expect(badType.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.eventTypes.0' });
    await subscribe({ name: 'Unique Name' });
    const duplicate = await attempt({ name: 'unique name', url: `${receiver.url}/x` });
    expect(duplicate.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'input.name' });
    expect(await count()).toBe(before + 1);
  });

  it('never returns the secret or header values, and keeps them sealed at rest', async () => {
    const id = await subscribe({ secret: 'plain-text-secret-123', headers: [{ name: 'Authorization', value: 'Bearer very-secret' }] });
    const read = await t.gql(`query($id: ID!) { webhookSubscription(id: $id) { hasSecret headerNames } }`, t.admin.token, { id });
    expect(read.data!.webhookSubscription).toEqual({ hasSecret: true, headerNames: ['Authorization'] });
    const { queryRows } = await import('../../server/db/database.js');
    const { sql } = await import('drizzle-orm');
    const [row] = await queryRows<{ sealed_secret: string; sealed_headers: string }>(
      t.vigil.database.db,
      sql`select sealed_secret, sealed_headers from webhook_subscriptions where id = ${id}`,
    );
    expect(row!.sealed_secret).not.toContain('plain-text-secret');
    expect(row!.sealed_headers).not.toContain('very-secret');
  });

  it('needs MONITORING_VIEW to read and MONITORING_MANAGE to change; deleting takes the history with it', async () => {
    const viewer = await t.createUser(t.admin.tenantId, { email: `viewer-${Date.now()}@example.test`, permissions: ['monitoring.view'] });
    expect(errorCodes(await t.gql(COUNT, f.alice.token))).toEqual(['FORBIDDEN']);
    expect((await t.gql(COUNT, viewer.token)).errors).toBeUndefined();
    const denied = await t.gql(CREATE, viewer.token, { input: { name: 'x', url: `${receiver.url}/x`, eventTypes: ['approval.requested'] } });
    expect(errorCodes(denied)).toEqual(['FORBIDDEN']);
    const types = await t.gql(`{ webhookEventTypes { type isVigilEvent } }`, viewer.token);
    expect(types.data!.webhookEventTypes).toContainEqual({ type: 'drift.detected', isVigilEvent: false });
    expect(types.data!.webhookEventTypes).toContainEqual({ type: 'approval.decided', isVigilEvent: true });

    const id = await subscribe({});
    await requestAccessAs(t, f.alice, { servers: ['web-01'] });
    expect(await deliveries(id)).toHaveLength(1);
    await t.gql(DELETE, t.admin.token, { id });
    created = created.filter((other) => other !== id);
    expect(await deliveries(id)).toEqual([]);
  });
});
