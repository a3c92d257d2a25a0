/**
 * Telling one person about their reviews outside the bell: by email, through the tenant's first
 * SMTP notification channel (its server and sender, addressed to the person rather than to the
 * channel's list), and by a direct message from Vigil's Slack or Teams bot when the person's chat
 * account is linked (the bots' alert senders, server/channels/chat-senders.ts). Sent after the
 * transaction that decided to send committed; a failure is logged, not retried (the next day's
 * reminder is the retry).
 */
import { and, asc, eq } from 'drizzle-orm';
import { channelSettings } from '../channels/channels.js';
import type { ChannelSettings } from '../channels/channel-config.js';
import { sendToChannel, type AlertMessage } from '../channels/send-to-channel.js';
import { chatIdentitiesOf } from '../chat/identities.js';
import { notificationChannels } from '../db/tables/index.js';
import type { DeliveryDeps } from '../webhooks/delivery-worker.js';

export interface Recipient {
  readonly tenantId: string;
  readonly userId: string;
  readonly email: string;
}

async function emailTo(deps: DeliveryDeps, recipient: Recipient, message: AlertMessage): Promise<void> {
  const [channel] = await deps.db
    .select()
    .from(notificationChannels)
    .where(and(eq(notificationChannels.tenantId, recipient.tenantId), eq(notificationChannels.type, 'smtp')))
    .orderBy(asc(notificationChannels.createdAt), asc(notificationChannels.id))
    .limit(1);
  if (!channel) return;
  const settings = { ...(channelSettings(deps, channel) as ChannelSettings<'smtp'>), to: [recipient.email] };
  const result = await sendToChannel(deps.outbound, deps.timeoutMs, 'smtp', settings, message);
  if (!result.isSuccess) deps.logger.warn({ tenantId: recipient.tenantId, userId: recipient.userId, error: result.error }, 'access review email not sent');
}

async function chatTo(deps: DeliveryDeps, recipient: Recipient, message: AlertMessage): Promise<void> {
  for (const provider of ['slack', 'teams'] as const) {
    const sender = deps.chatSenders?.[provider];
    if (!sender) continue;
    for (const identity of await chatIdentitiesOf(deps.db, recipient.tenantId, provider, [recipient.userId])) {
      // Slack takes the user id as a DM's channel; Teams the saved conversation's id.
      const conversation =
        provider === 'slack' ? identity.externalUserId : (identity.conversation as { conversation?: { id?: string } } | null)?.conversation?.id;
      if (!conversation) continue;
      const result = await sender.sendAlert(recipient.tenantId, conversation, message);
      if (!result.isSuccess)
        deps.logger.warn({ tenantId: recipient.tenantId, userId: recipient.userId, provider, error: result.error }, 'access review DM not sent');
    }
  }
}

/** Email and chat to each recipient; never throws. */
export async function deliverToPeople(deps: DeliveryDeps, recipients: readonly Recipient[], message: AlertMessage): Promise<void> {
  for (const recipient of recipients) {
    try {
      await emailTo(deps, recipient, message);
      await chatTo(deps, recipient, message);
    } catch (error) {
      deps.logger.warn({ err: error, tenantId: recipient.tenantId, userId: recipient.userId }, 'access review message not delivered');
    }
  }
}
