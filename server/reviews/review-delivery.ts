/**
 * Telling people about their reviews outside the bell, through an outbox (person_deliveries): the
 * transaction that decides to tell someone (an escalation, a day's reminder) queues an email, when
 * the workspace has an SMTP notification channel (its server and sender, addressed to the person
 * rather than to the channel's list), and a direct message from Vigil's Slack or Teams bot for each
 * linked chat account the bot can reach (the bots' alert senders, server/channels/chat-senders.ts).
 * Each is first tried right after that commit, then by every instance's worker on the deliveries'
 * retry schedule (server/outbound/channel-outbox.ts), so a mail server or chat service that is
 * down for a while delays the message instead of losing it.
 */
import { and, asc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import { channelSettings } from '../channels/channels.js';
import type { ChannelSettings } from '../channels/channel-config.js';
import { sendToChannel, type AlertMessage } from '../channels/send-to-channel.js';
import { chatIdentitiesOf } from '../chat/identities.js';
import { queryRows, type Database, type Executor } from '../db/database.js';
import { rowsByIds } from '../db/rows-by-ids.js';
import { CHAT_PROVIDERS, notificationChannels, personDeliveries, type ChatProvider, type PersonMedium } from '../db/tables/index.js';
import type { Disposable } from '../disposable.js';
import { newId } from '../ids.js';
import { deliveryTag, outboxKeyOf, whyNotQueuedByVigil } from '../outbound/delivery-tags.js';
import { channelOutbox, outcomeOf, refusedOutcome, runDueOutbox, sendSoon, type SendOutcome, type SentRow } from '../outbound/channel-outbox.js';
import { startPeriodicJob } from '../periodic-job.js';
import type { DeliveryDeps } from '../webhooks/delivery-worker.js';

export interface Recipient {
  readonly tenantId: string;
  readonly userId: string;
  readonly email: string;
}

const SETTLED_RETENTION_DAYS = 30;

/** The chat providers whose bot runs on this Vigil (a message queued for another could never leave). */
export const chatProvidersOf = (deps: DeliveryDeps) => CHAT_PROVIDERS.filter((provider) => deps.chatSenders?.[provider]);

/** The tenant's first SMTP notification channel, which sends the workspace's mail to people. */
async function mailChannel(db: Executor, tenantId: string) {
  const [channel] = await db
    .select()
    .from(notificationChannels)
    .where(and(eq(notificationChannels.tenantId, tenantId), eq(notificationChannels.type, 'smtp')))
    .orderBy(asc(notificationChannels.createdAt), asc(notificationChannels.id))
    .limit(1);
  return channel;
}

/** Queues `message` to each recipient (of one tenant), in the transaction that decided to send it. */
export async function queueToPeople(
  db: Executor,
  chatProviders: readonly ChatProvider[],
  recipients: readonly Recipient[],
  message: AlertMessage,
  now: Date,
): Promise<void> {
  const [first] = recipients;
  if (!first) return;
  const tenantId = first.tenantId;
  const rows: { medium: PersonMedium; userId: string; address: string }[] = [];
  if (await mailChannel(db, tenantId))
    rows.push(...recipients.map((recipient) => ({ medium: 'email' as const, userId: recipient.userId, address: recipient.email })));
  for (const provider of chatProviders) {
    for (const identity of await chatIdentitiesOf(
      db,
      tenantId,
      provider,
      recipients.map((recipient) => recipient.userId),
    )) {
      // Slack takes the user id as a DM's channel; Teams the saved conversation's id.
      const address = provider === 'slack' ? identity.externalUserId : (identity.conversation as { conversation?: { id?: string } } | null)?.conversation?.id;
      if (address) rows.push({ medium: provider, userId: identity.userId, address });
    }
  }
  if (rows.length === 0) return;
  const { subject, message: text, severity, source, link } = message;
  const box = outboxKeyOf(db);
  const tagged = rows.map((row) => ({ tenantId, id: newId(), ...row, message: { subject, message: text, severity, source, link } }));
  await db
    .insert(personDeliveries)
    .values(tagged.map((row) => ({ ...row, nextAttemptAt: now, createdAt: now, mac: deliveryTag(box, 'person_deliveries', row) })));
}

async function sendClaimed(deps: DeliveryDeps, tenantId: string, ids: readonly string[]) {
  const claimed = await rowsByIds(deps.db, personDeliveries, tenantId, ids);
  const channel = claimed.some((row) => row.medium === 'email') ? await mailChannel(deps.db, tenantId) : undefined;
  const box = outboxKeyOf(deps.db);
  return Promise.all(
    claimed.map(async (row): Promise<SentRow> => {
      const message = row.message as unknown as AlertMessage;
      const context = { userId: row.userId, medium: row.medium };
      const why = whyNotQueuedByVigil(box, 'person_deliveries', row);
      if (why !== null) {
        const asked = { userId: row.userId, medium: row.medium, address: row.address, subject: message.subject };
        return { claim: row, outcome: refusedOutcome, context, refused: { id: row.id, why, asked } };
      }
      let outcome: SendOutcome;
      if (row.medium === 'email') {
        outcome = channel
          ? await outcomeOf(
              sendToChannel(
                deps.outbound,
                deps.timeoutMs,
                'smtp',
                { ...(channelSettings(deps, channel) as ChannelSettings<'smtp'>), to: [row.address] },
                message,
              ),
            )
          : { isSuccess: false, error: 'The workspace no longer has an SMTP notification channel', isFinal: true };
      } else {
        const sender = deps.chatSenders?.[row.medium];
        outcome = sender
          ? await outcomeOf(sender.sendAlert(tenantId, row.address, message))
          : { isSuccess: false, error: `The ${row.medium === 'slack' ? 'Slack' : 'Teams'} bot is not configured on this Vigil` };
      }
      return { claim: row, outcome, context };
    }),
  );
}

const outboxOf = (deps: DeliveryDeps) => channelOutbox(deps, 'person_deliveries', (tenantId, ids) => sendClaimed(deps, tenantId, ids));

/** Sends the due messages of every tenant (or of one); returns how many were attempted. */
export function runDuePersonDeliveries(deps: DeliveryDeps, onlyTenantId?: string): Promise<number> {
  return runDueOutbox(outboxOf(deps), onlyTenantId);
}

/** The first attempt of a tenant's messages, right after the commit that queued them; never throws. */
export function sendToPeopleSoon(deps: DeliveryDeps, tenantId: string): Promise<void> {
  return sendSoon(outboxOf(deps), tenantId);
}

/** Deletes messages delivered or given up on more than 30 days ago; idempotent, so every instance may run it. */
export async function cleanUpPersonDeliveries(db: Database, clock: Clock): Promise<number> {
  const cutoff = new Date(clock.now().getTime() - SETTLED_RETENTION_DAYS * 86_400_000);
  const tenants = await queryRows<{ id: string }>(db, sql`select id from tenants`);
  let deleted = 0;
  for (const { id: tenantId } of tenants) {
    const rows = await db
      .delete(personDeliveries)
      .where(and(eq(personDeliveries.tenantId, tenantId), inArray(personDeliveries.status, ['succeeded', 'failed']), lt(personDeliveries.createdAt, cutoff)))
      .returning({ id: personDeliveries.id });
    deleted += rows.length;
  }
  return deleted;
}

export function startPersonDeliveryWorker(deps: DeliveryDeps, intervalMs: number): Disposable {
  const sender = startPeriodicJob({ name: 'person delivery', intervalMs, logger: deps.logger, work: () => runDuePersonDeliveries(deps) });
  const cleaner = startPeriodicJob({
    name: 'person delivery cleanup',
    intervalMs: 3600_000,
    logger: deps.logger,
    work: () => cleanUpPersonDeliveries(deps.db, deps.clock),
  });
  return {
    async dispose() {
      await Promise.all([sender.dispose(), cleaner.dispose()]);
    },
  };
}
