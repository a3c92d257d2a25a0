/** A verification that finds the chain altered raises the alarm: a critical notification and the audit.integrity_failed webhook. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { editSnapshot } from '../support/audit-tamper.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
beforeAll(async () => {
  t = await startTestVigil({ env: { VIGIL_OUTBOUND_ALLOW: 'loopback', VIGIL_WEBHOOK_POLL_MS: '60000' } });
});
afterAll(() => t?.close());

it('notifies and queues the audit.integrity_failed webhook when verification finds an altered entry, and not when intact', async () => {
  const hook = await t.gql(
    `mutation { createWebhookSubscription(input: { name: "siem", url: "http://127.0.0.1:9/x", eventTypes: ["audit.integrity_failed"] }) { id } }`,
    t.admin.token,
  );
  expect(hook.errors).toBeUndefined();
  const VERIFY = `{ auditIntegrity { isIntact fault { seq kind } } }`;
  const DELIVERIES = `{ webhookDeliveries { nodes { eventType payload } } }`;
  const SECURITY = `{ notifications(filter: { category: [SECURITY] }) { nodes { title severity resourceId } } }`;

  expect((await t.gql(VERIFY, t.admin.token)).data!.auditIntegrity.isIntact).toBe(true);
  expect((await t.gql(DELIVERIES, t.admin.token)).data!.webhookDeliveries.nodes).toEqual([]);

  await editSnapshot(t.vigil.database.db, t.admin.tenantId, 2);
  const verified = (await t.gql(VERIFY, t.admin.token)).data!.auditIntegrity;
  expect(verified).toMatchObject({ isIntact: false, fault: { seq: 2, kind: 'MODIFIED' } });

  const [delivery] = (await t.gql(DELIVERIES, t.admin.token)).data!.webhookDeliveries.nodes;
  expect(delivery.eventType).toBe('audit.integrity_failed');
  expect(JSON.parse(delivery.payload).data.fault).toEqual({ seq: 2, kind: 'modified' });
  const notifications = (await t.gql(SECURITY, t.admin.token)).data!.notifications.nodes;
  expect(notifications).toEqual([{ title: 'Audit log integrity check failed at entry 2', severity: 'CRITICAL', resourceId: '2' }]);
});
