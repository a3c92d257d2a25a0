/**
 * A review reminder's email survives a mail server that refuses it for a while: it is queued with
 * the day's reminder, refused once (451, a real in-process SMTP server), tried again a minute later
 * by the person outbox and delivered, once; a reminder to a workspace whose mail channel was
 * removed meanwhile is given up at once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runDuePersonDeliveries } from '../../server/reviews/review-delivery.js';
import { runAccessReviewJob } from '../../server/reviews/review-job.js';
import { queryRows } from '../../server/db/database.js';
import { sql } from 'drizzle-orm';
import { advance } from '../support/approvals-fixture.js';
import { testDeliveryDeps } from '../support/delivery-deps.js';
import { startPermissionsReview } from '../support/reviews-fixture.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let smtp: SmtpSink;
let rita: TestUser;
let channelId: string;

beforeAll(async () => {
  t = await startTestVigil({ env: { VIGIL_OUTBOUND_ALLOW: 'loopback' } });
  smtp = await startSmtpSink();
  const port = smtp.port;
  const channel = await t.gql(`mutation($input: NotificationChannelInput!) { createNotificationChannel(input: $input) { id } }`, t.admin.token, {
    input: { name: 'Mail', type: 'SMTP', smtp: { host: '127.0.0.1', port, useTls: false, from: 'vigil@example.test', to: ['ops@example.test'] } },
  });
  expect(channel.errors).toBeUndefined();
  channelId = channel.data!.createNotificationChannel.id;
  // rita reviews ray's grant (a reviewer's own grants go to an admin).
  rita = await t.createUser(t.admin.tenantId, { email: 'rita@example.test' });
  await t.createUser(t.admin.tenantId, { email: 'ray@example.test', permissions: ['monitoring.view'] });
});

afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

const deliveriesTo = (email: string) =>
  queryRows<{ status: string; attempts: number; last_error: string | null }>(
    t.vigil.database.db,
    sql`select status, attempts, last_error from person_deliveries where tenant_id = ${t.admin.tenantId} and medium = 'email' and address = ${email} order by created_at`,
  );
const remindersTo = (email: string) => smtp.mails.filter((mail) => mail.to.includes(email) && mail.raw.includes('waiting for your decision'));

it('retries a reminder email the mail server refused, a minute later, and delivers it once', async () => {
  const deps = testDeliveryDeps(t);
  await startPermissionsReview(t, [rita.id]);
  smtp.refuse(rita.email, 1);
  expect((await runAccessReviewJob(deps)).reminded).toBe(1);
  expect(remindersTo(rita.email)).toEqual([]);
  const [refused] = await deliveriesTo(rita.email);
  expect(refused).toMatchObject({ status: 'retrying', attempts: 1 });
  expect(refused!.last_error).toMatch(/451|try again later/i);

  // Not yet due; then due, and delivered.
  expect(await runDuePersonDeliveries(deps)).toBe(0);
  advance(t, 2);
  expect(await runDuePersonDeliveries(deps)).toBe(1);
  expect(remindersTo(rita.email)).toHaveLength(1);
  expect(remindersTo(rita.email)[0]!.raw).toContain('Permissions review');
  expect(await deliveriesTo(rita.email)).toEqual([{ status: 'succeeded', attempts: 2, last_error: null }]);
  advance(t, 60);
  expect(await runDuePersonDeliveries(deps)).toBe(0);
  expect(remindersTo(rita.email)).toHaveLength(1);
});

it('gives a reminder email up at once when the workspace no longer has a mail channel', async () => {
  const deps = testDeliveryDeps(t);
  smtp.refuse(rita.email, 1);
  // The next day's reminder is refused, then the channel goes.
  advance(t, 24 * 60);
  expect((await runAccessReviewJob(deps)).reminded).toBe(1);
  expect((await t.gql(`mutation($id: ID!) { deleteNotificationChannel(id: $id) { id } }`, t.admin.token, { id: channelId })).errors).toBeUndefined();
  advance(t, 2);
  expect(await runDuePersonDeliveries(deps)).toBe(1);
  const [, latest] = await deliveriesTo(rita.email);
  expect(latest).toMatchObject({ status: 'failed', attempts: 2, last_error: 'The workspace no longer has an SMTP notification channel' });
  expect(remindersTo(rita.email)).toHaveLength(1);
});
