/** An expiring credential closes its WebSocket when it expires, not at the next request. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectSubscriber } from '../support/subscription-client.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
beforeAll(async () => {
  t = await startTestVigil();
});
afterAll(() => t?.close());

it('closes a socket with 4401 when its token expires', async () => {
  const expiresAt = new Date(Date.now() + 1500).toISOString();
  const created = await t.gql(`mutation($input: CreateUserTokenInput!) { createUserToken(input: $input) { token } }`, t.admin.token, {
    input: { name: 'short-lived', expiresAt },
  });
  expect(created.errors).toBeUndefined();
  const shortLived = await connectSubscriber(t.url, created.data!.createUserToken.token);
  const lasting = await connectSubscriber(t.url, t.admin.token);
  await shortLived.subscribe('subscription { notificationReceived { title } }');
  await lasting.subscribe('subscription { notificationReceived { title } }');

  const closed = await shortLived.closed;
  expect(closed.code).toBe(4401);
  expect(closed.reason).toContain('expired');
  expect(Date.now()).toBeGreaterThanOrEqual(new Date(expiresAt).getTime());

  // The other connection is untouched and still receives.
  await t.gql(`mutation { sendNotification(input: { category: SYSTEM, title: "still here" }) { id } }`, t.admin.token);
  expect((await lasting.waitFor(1))[0]).toEqual({ notificationReceived: { title: 'still here' } });
  await lasting.dispose();
});
