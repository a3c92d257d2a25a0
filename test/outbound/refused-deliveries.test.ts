/**
 * Someone who can write to the database but does not hold VIGIL_SECRET_KEY cannot make Vigil send
 * for them: a webhook delivery inserted with a payload of their own (even carrying a genuine row's
 * tag), a queued delivery whose payload they changed, an email queued to an address of theirs and
 * a queued reminder whose text they rewrote are each refused, never sent (a real local receiver, a
 * real SMTP server), failed for good, recorded in the audit log with what they asked for, and
 * raised as a critical notification; what Vigil queued itself beside them is sent as before.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personDeliveries, webhookDeliveries } from '../../server/db/tables/index.js';
import { deliveryTag } from '../../server/outbound/delivery-tags.js';
import { REFUSED_ERROR } from '../../server/outbound/refused-deliveries.js';
import { secretBoxFromKey } from '../../server/secrets/secret-box.js';
import { queueToPeople, runDuePersonDeliveries } from '../../server/reviews/review-delivery.js';
import { inTransaction } from '../../server/service-context.js';
import { runDueDeliveries } from '../../server/webhooks/delivery-worker.js';
import { advance, buildApprovalsFixture, requestAccessAs, type ApprovalsFixture } from '../support/approvals-fixture.js';
import { testDeliveryDeps } from '../support/delivery-deps.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';

let t: TestVigil;
let f: ApprovalsFixture;
let receiver: Receiver;
let smtp: SmtpSink;

beforeAll(async () => {
  // The background workers kept out of the way: the tests drive them.
  t = await startTestVigil({ env: { VIGIL_OUTBOUND_ALLOW: 'loopback', VIGIL_WEBHOOK_POLL_MS: '60000' } });
  f = await buildApprovalsFixture(t);
  receiver = await startReceiver();
  smtp = await startSmtpSink();
});
afterAll(async () => {
  await receiver?.close();
  await smtp?.close();
  await t?.close();
});

const REFUSALS = `{ auditLog(first: 20, filter: { action: ["outbox.delivery_refused"] }) { nodes { actorType resourceType resourceId after } } }`;
const ALARMS = `{ notifications(first: 20) { nodes { category severity title body resourceType resourceId } } }`;

async function refusals(): Promise<Record<string, any>[]> {
  const response = await t.gql(REFUSALS, t.admin.token);
  expect(response.errors).toBeUndefined();
  return response.data!.auditLog.nodes;
}

async function alarms(): Promise<Record<string, any>[]> {
  const response = await t.gql(ALARMS, t.admin.token);
  expect(response.errors).toBeUndefined();
  return response.data!.notifications.nodes.filter((node: { title: string }) => node.title.startsWith('Refused'));
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('webhook deliveries Vigil did not queue', () => {
  it('are refused, while the genuine one beside them is sent', async () => {
    const db = t.vigil.database.db;
    const subscribed = await t.gql(`mutation($input: CreateWebhookInput!) { createWebhookSubscription(input: $input) { id } }`, t.admin.token, {
      input: {
        name: 'siem',
        url: `${receiver.url}/hook`,
        eventTypes: ['approval.requested'],
        secret: `whsec_${Buffer.from('a secret of 24 bytes....').toString('base64')}`,
      },
    });
    expect(subscribed.errors).toBeUndefined();
    const subscriptionId = subscribed.data!.createWebhookSubscription.id as string;
    expect((await requestAccessAs(t, f.alice, { servers: ['web-01'] })).errors).toBeUndefined();
    expect((await requestAccessAs(t, f.dave, { servers: ['web-01'] })).errors).toBeUndefined();
    const queued = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.subscriptionId, subscriptionId)).orderBy(webhookDeliveries.createdAt);
    expect(queued).toHaveLength(2);
    const [genuine, changed] = queued as [(typeof queued)[0], (typeof queued)[0]];

    // One row inserted with a payload of the intruder's, carrying the genuine row's tag; one genuine row's payload rewritten.
    const forgedPayload = JSON.stringify({
      id: randomUUID(),
      type: 'approval.requested',
      data: { approval: { status: 'approved', note: 'grant root to mallory' } },
    });
    const forgedId = randomUUID();
    await db.insert(webhookDeliveries).values({ ...genuine, id: forgedId, payload: forgedPayload });
    const rewritten = changed.payload.replace('deploy the hotfix', 'rotate the keys to mallory');
    expect(rewritten).not.toBe(changed.payload);
    await db.update(webhookDeliveries).set({ payload: rewritten }).where(eq(webhookDeliveries.id, changed.id));
    // One tagged properly, but under a key of the intruder's own.
    const strangerKey = secretBoxFromKey(randomBytes(32));
    const strangerId = randomUUID();
    const stranger = { ...genuine, id: strangerId, payload: forgedPayload };
    await db.insert(webhookDeliveries).values({ ...stranger, mac: deliveryTag(strangerKey, 'webhook_deliveries', stranger) });

    expect(await runDueDeliveries(testDeliveryDeps(t))).toBe(4);
    expect(receiver.requests.map((request) => request.body)).toEqual([genuine.payload]);

    const settled = new Map(
      (await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.subscriptionId, subscriptionId))).map((row) => [row.id, row]),
    );
    expect(settled.get(genuine.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
    for (const id of [forgedId, changed.id, strangerId]) expect(settled.get(id)).toMatchObject({ status: 'failed', attempts: 1, lastError: REFUSED_ERROR });

    const entries = await refusals();
    expect(entries).toEqual(
      expect.arrayContaining([
        {
          actorType: 'SYSTEM',
          resourceType: 'webhook_deliveries',
          resourceId: forgedId,
          after: {
            table: 'webhook_deliveries',
            reason: REFUSED_ERROR,
            why: 'its tag does not match what it says to send: written or changed outside Vigil',
            asked: { subscriptionId, eventType: 'approval.requested', payloadBytes: Buffer.byteLength(forgedPayload), payloadSha256: sha256(forgedPayload) },
          },
        },
        expect.objectContaining({
          resourceType: 'webhook_deliveries',
          resourceId: changed.id,
          after: expect.objectContaining({ asked: expect.objectContaining({ payloadSha256: sha256(rewritten) }) }),
        }),
        expect.objectContaining({
          resourceId: strangerId,
          after: expect.objectContaining({ why: expect.stringContaining(`its tag names key ${strangerKey.keyId}, which this Vigil does not hold`) }),
        }),
      ]),
    );
    expect(await alarms()).toEqual([
      expect.objectContaining({
        category: 'SECURITY',
        severity: 'CRITICAL',
        title: 'Refused 3 outgoing messages Vigil did not queue',
        resourceType: 'webhook_deliveries',
      }),
    ]);
    expect((await alarms())[0]!.body).toContain(forgedId);

    // Failed for good: later passes send nothing, and neither does a retry by hand.
    advance(t, 6 * 60);
    const retried = await t.gql(`mutation($id: ID!) { retryWebhookDelivery(id: $id) { id status } }`, t.admin.token, { id: forgedId });
    expect(retried.errors).toBeUndefined();
    expect(await runDueDeliveries(testDeliveryDeps(t))).toBe(1);
    expect(receiver.requests).toHaveLength(1);
    const [again] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, forgedId));
    expect(again).toMatchObject({ status: 'failed', lastError: REFUSED_ERROR });
  });
});

describe('messages to people Vigil did not queue', () => {
  it('are refused: an email to an address of the intruder, a reminder whose text was rewritten', async () => {
    const db = t.vigil.database.db;
    const channel = await t.gql(`mutation($input: NotificationChannelInput!) { createNotificationChannel(input: $input) { id } }`, t.admin.token, {
      input: { name: 'Mail', type: 'SMTP', smtp: { host: '127.0.0.1', port: smtp.port, useTls: false, from: 'vigil@example.test', to: ['ops@example.test'] } },
    });
    expect(channel.errors).toBeUndefined();
    const message = {
      subject: 'Access review waiting',
      message: 'Your review is waiting for your decision',
      severity: 'medium' as const,
      source: 'Vigil access reviews',
    };
    const now = t.clock.now();
    await inTransaction(t.systemContext(t.admin.tenantId), (tx) =>
      queueToPeople(
        tx.db,
        [],
        [f.bob, f.carol].map((user) => ({ tenantId: t.admin.tenantId, userId: user.id, email: user.email })),
        message,
        now,
      ),
    );
    const queued = await db
      .select()
      .from(personDeliveries)
      .where(and(eq(personDeliveries.tenantId, t.admin.tenantId), eq(personDeliveries.medium, 'email')));
    const toBob = queued.find((row) => row.address === f.bob.email)!;
    const toCarol = queued.find((row) => row.address === f.carol.email)!;
    await db.insert(personDeliveries).values({ ...toBob, id: randomUUID(), address: 'mallory@evil.test' });
    await db
      .update(personDeliveries)
      .set({ message: sql`jsonb_set(${personDeliveries.message}, '{message}', '"Sign in at https://evil.test/vigil to keep your access"')` })
      .where(eq(personDeliveries.id, toCarol.id));

    expect(await runDuePersonDeliveries(testDeliveryDeps(t))).toBe(3);
    expect(smtp.mails.map((mail) => mail.to)).toEqual([[f.bob.email]]);
    expect(smtp.mails[0]!.raw).toContain('waiting for your decision');

    const rows = await db.select().from(personDeliveries).where(eq(personDeliveries.tenantId, t.admin.tenantId));
    expect(rows.find((row) => row.address === 'mallory@evil.test')).toMatchObject({ status: 'failed', lastError: REFUSED_ERROR });
    expect(rows.find((row) => row.id === toCarol.id)).toMatchObject({ status: 'failed', lastError: REFUSED_ERROR });
    expect(rows.find((row) => row.id === toBob.id)).toMatchObject({ status: 'succeeded' });
    expect(await refusals()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          resourceType: 'person_deliveries',
          after: expect.objectContaining({ asked: { userId: f.bob.id, medium: 'email', address: 'mallory@evil.test', subject: message.subject } }),
        }),
        expect.objectContaining({ resourceType: 'person_deliveries', resourceId: toCarol.id }),
      ]),
    );
    expect(await alarms()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ severity: 'CRITICAL', title: 'Refused 2 outgoing messages Vigil did not queue', resourceType: 'person_deliveries' }),
      ]),
    );
  });
});
