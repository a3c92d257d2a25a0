/**
 * Upgrading to tagged outbox rows (migration 0040): a webhook delivery an older Vigil queued and
 * had not sent yet is tagged by the Vigil that applies the migration, and sent; a row written
 * untagged after the upgrade is refused.
 */
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startAuditChain } from '../../server/audit/append-entries.js';
import { ManualClock } from '../../server/clock.js';
import { webhookDeliveries } from '../../server/db/tables/index.js';
import { newId } from '../../server/ids.js';
import { REFUSED_ERROR } from '../../server/outbound/refused-deliveries.js';
import { runDueDeliveries } from '../../server/webhooks/delivery-worker.js';
import { databaseBeforeMigration } from '../support/database-before-migration.js';
import { testDeliveryDeps } from '../support/delivery-deps.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';

/** The journal index of the migration that added the tags. */
const TAGS_MIGRATION = 40;

let t: TestVigil;
let receiver: Receiver;
const clock = new ManualClock();
const tenantId = newId();
const subscriptionId = newId();
const queuedId = newId();
const queuedPayload = JSON.stringify({ id: randomUUID(), type: 'approval.requested', data: { queued: 'before the upgrade' } });

beforeAll(async () => {
  receiver = await startReceiver();
  const database = await databaseBeforeMigration(TAGS_MIGRATION);
  await database.handle.db.transaction(async (tx) => {
    await tx.execute(sql`insert into tenants (id, slug, name) values (${tenantId}, 'older', 'Older')`);
    await startAuditChain(tx, tenantId);
    await tx.execute(sql`insert into webhook_subscriptions (tenant_id, id, name, url, event_types)
                         values (${tenantId}, ${subscriptionId}, 'siem', ${`${receiver.url}/hook`}, '{approval.requested}')`);
    // As the older Vigil queued it: no tag column yet.
    await tx.execute(sql`insert into webhook_deliveries (tenant_id, id, subscription_id, event_type, payload, next_attempt_at, created_at)
                         values (${tenantId}, ${queuedId}, ${subscriptionId}, 'approval.requested', ${queuedPayload}, now(), now())`);
  });
  t = await startTestVigil({ clock, database: await database.handOver(), env: { VIGIL_OUTBOUND_ALLOW: 'loopback', VIGIL_WEBHOOK_POLL_MS: '60000' } });
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
});

it('tags what an older Vigil queued and sends it; refuses an untagged row written after', async () => {
  const db = t.vigil.database.db;
  const [queued] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, queuedId));
  expect(queued!.mac).toMatch(/^v1\./);
  const afterUpgrade = newId();
  await db.insert(webhookDeliveries).values({ ...queued!, id: afterUpgrade, mac: null, payload: queuedPayload.replace('before', 'after') });

  clock.advance(60_000);
  expect(await runDueDeliveries(testDeliveryDeps(t))).toBe(2);
  expect(receiver.requests.map((request) => request.body)).toEqual([queuedPayload]);
  const [sent] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, queuedId));
  expect(sent).toMatchObject({ status: 'succeeded' });
  const [refused] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, afterUpgrade));
  expect(refused).toMatchObject({ status: 'failed', lastError: REFUSED_ERROR });
});
