/**
 * Every read of recorded content and every send someone asks for is an audit entry: a search of
 * recordings (its text and how many recordings it found), a notification sent, and a test send of
 * a webhook and of a channel, each naming what it went to and what came back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  t = await startTestVigil({ env: { VIGIL_OUTBOUND_ALLOW: 'loopback' } });
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
});

async function gql(query: string, variables?: Record<string, unknown>): Promise<Record<string, any>> {
  const response = await t.gql(query, t.admin.token, variables);
  expect(response.errors).toBeUndefined();
  return response.data!;
}

async function entriesOf(action: string): Promise<Record<string, any>[]> {
  const data = await gql(
    'query($action: [String!]) { auditLog(first: 10, filter: { action: $action }) { nodes { action actorEmail resourceType resourceId resourceName after } } }',
    {
      action: [action],
    },
  );
  return data.auditLog.nodes;
}

describe('reads and sends on the record', () => {
  it('records a search of recorded content with its text', async () => {
    await gql('{ searchTerminalRecordings(text: "password", first: 5) { nodes { recording { id } } } }');
    const [entry] = await entriesOf('recording.searched');
    expect(entry).toMatchObject({ actorEmail: t.admin.email, resourceType: 'terminal_recording', after: { text: 'password', recordings: 0 } });
  });

  it('records a notification sent, to whom and with which link', async () => {
    const sent = await gql('mutation { sendNotification(input: { category: SYSTEM, title: "Rotate keys", link: "/me/keys" }) { id } }');
    const [entry] = await entriesOf('notification.sent');
    expect(entry).toMatchObject({
      resourceType: 'notification',
      resourceId: sent.sendNotification.id,
      resourceName: 'Rotate keys',
      after: { recipient: 'everyone', link: '/me/keys' },
    });
  });

  it('records a test send of a webhook and of a channel, with where it went and the answer', async () => {
    const hook = await gql(
      'mutation($url: String!) { createWebhookSubscription(input: { name: "Ops hook", url: $url, eventTypes: ["approval.requested"] }) { id } }',
      {
        url: `${receiver.url}/hook`,
      },
    );
    await gql('mutation($id: ID!) { testWebhookSubscription(id: $id) { isSuccess } }', { id: hook.createWebhookSubscription.id });
    const [tested] = await entriesOf('webhook.tested');
    expect(tested).toMatchObject({
      resourceType: 'webhook_subscription',
      resourceId: hook.createWebhookSubscription.id,
      resourceName: 'Ops hook',
      after: { statusCode: 200, error: null },
    });

    const channel = await gql(
      'mutation($url: String!) { createNotificationChannel(input: { name: "Ops channel", type: WEBHOOK, webhook: { url: $url } }) { id } }',
      {
        url: `${receiver.url}/channel`,
      },
    );
    await gql('mutation($id: ID!) { testNotificationChannel(id: $id) { isSuccess } }', { id: channel.createNotificationChannel.id });
    const [channelTested] = await entriesOf('channel.tested');
    expect(channelTested).toMatchObject({
      resourceType: 'notification_channel',
      resourceId: channel.createNotificationChannel.id,
      after: { isSuccess: true, error: null },
    });
  });
});
