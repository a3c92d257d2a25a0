/**
 * Notification channels: created, changed, deleted and tested by holders of monitoring.manage,
 * read by holders of monitoring.view. Names are unique per tenant; URLs and SMTP hosts go through
 * the outbound policy; passwords, secrets and header values are sealed and never returned.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { isIP } from 'node:net';
import { z } from 'zod';
import { recordChange } from '../audit/record-change.js';
import type { Executor } from '../db/database.js';
import { conflictOnDuplicateName } from '../db/db-errors.js';
import { alertRules, CHANNEL_TYPES, notificationChannels, type ChannelType, type NotificationChannelRow } from '../db/tables/index.js';
import { BadInput, NotFound } from '../errors.js';
import { newId } from '../ids.js';
import { fetchPage, type Page, type PageArgs } from '../pagination/keyset.js';
import type { TransactionContext } from '../service-context.js';
import { nameSchema, parseInput } from '../validation.js';
import type { ChatSenders } from './chat-senders.js';
import type { WebhookServices } from '../webhooks/subscriptions.js';
import { CHANNEL_SCHEMAS, settingsField, splitSecrets, type ChannelSettings } from './channel-config.js';
import { sendToChannel, type AlertMessage, type ChannelResult } from './send-to-channel.js';

const channelInput = z.object({ name: nameSchema(128), type: z.enum(CHANNEL_TYPES), settings: z.record(z.string(), z.unknown()) });

export interface ChannelInput {
  name: string;
  type: ChannelType;
  settings: Record<string, unknown>;
}

function parseSettings(services: WebhookServices, type: ChannelType, settings: unknown): ChannelSettings {
  const parsed: ChannelSettings = parseInput(CHANNEL_SCHEMAS[type], settings, `input.${settingsField(type)}`);
  const urlField = 'url' in parsed ? 'url' : undefined;
  if (urlField) {
    try {
      services.outbound.checkUrl((parsed as { url: string }).url);
    } catch (error) {
      throw new BadInput(`input.${type}.url`, `input.${type}.url: ${(error as Error).message}`);
    }
  }
  const host = (parsed as { host?: string }).host;
  if (type === 'smtp' && host && (isIP(host) || host === 'localhost' || host.endsWith('.localhost'))) {
    try {
      services.outbound.checkAddress(isIP(host) ? host : '127.0.0.1');
    } catch (error) {
      throw new BadInput('input.smtp.host', `input.smtp.host: ${(error as Error).message}`);
    }
  }
  return parsed;
}

export const channelSnapshot = (row: NotificationChannelRow) => ({ id: row.id, name: row.name, type: row.type, config: row.config });

const duplicateName = (error: unknown, name: string | undefined): never =>
  conflictOnDuplicateName(error, `A notification channel named ${name} already exists in this tenant`);

export async function createChannel(ctx: TransactionContext, services: WebhookServices, input: ChannelInput): Promise<NotificationChannelRow> {
  const parsed = parseInput(channelInput, input, 'input');
  const settings = parseSettings(services, parsed.type, parsed.settings);
  const { config, secrets } = splitSecrets(parsed.type, settings);
  const now = ctx.clock.now();
  const row = await ctx.db
    .insert(notificationChannels)
    .values({
      tenantId: ctx.actor.tenantId,
      id: newId(),
      name: parsed.name,
      type: parsed.type,
      config,
      sealedSecrets: Object.keys(secrets).length ? services.secretBox.seal(JSON.stringify(secrets)) : null,
      createdAt: now,
      updatedAt: now,
    })
    .returning()
    .then(([inserted]) => inserted!)
    .catch((error: unknown) => duplicateName(error, parsed.name));
  await recordChange(ctx, {
    action: 'channel.created',
    resource: { type: 'notification_channel', id: row.id, name: row.name },
    after: channelSnapshot(row),
    activityDetails: { channelId: row.id, name: row.name, type: row.type },
  });
  return row;
}

export async function getChannel(db: Executor, tenantId: string, id: string): Promise<NotificationChannelRow> {
  const [row] = await db
    .select()
    .from(notificationChannels)
    .where(and(eq(notificationChannels.tenantId, tenantId), eq(notificationChannels.id, id)));
  if (!row) throw new NotFound('Notification channel', id);
  return row;
}

export function channelsByIds(db: Executor, tenantId: string, ids: readonly string[]): Promise<NotificationChannelRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db
    .select()
    .from(notificationChannels)
    .where(and(eq(notificationChannels.tenantId, tenantId), inArray(notificationChannels.id, [...ids])));
}

/** Replaces a channel's name and settings (secrets included: send them again to keep them). */
export async function updateChannel(ctx: TransactionContext, services: WebhookServices, id: string, input: ChannelInput): Promise<NotificationChannelRow> {
  const parsed = parseInput(channelInput, input, 'input');
  const before = await getChannel(ctx.db, ctx.actor.tenantId, id);
  const settings = parseSettings(services, parsed.type, parsed.settings);
  const { config, secrets } = splitSecrets(parsed.type, settings);
  const row = await ctx.db
    .update(notificationChannels)
    .set({
      name: parsed.name,
      type: parsed.type,
      config,
      sealedSecrets: Object.keys(secrets).length ? services.secretBox.seal(JSON.stringify(secrets)) : null,
      updatedAt: ctx.clock.now(),
    })
    .where(and(eq(notificationChannels.tenantId, ctx.actor.tenantId), eq(notificationChannels.id, id)))
    .returning()
    .then(([updated]) => updated!)
    .catch((error: unknown) => duplicateName(error, parsed.name));
  await recordChange(ctx, {
    action: 'channel.updated',
    resource: { type: 'notification_channel', id, name: row.name },
    before: channelSnapshot(before),
    after: channelSnapshot(row),
    activityDetails: { channelId: id, name: row.name, type: row.type },
  });
  return row;
}

export async function deleteChannel(ctx: TransactionContext, id: string): Promise<NotificationChannelRow> {
  const before = await getChannel(ctx.db, ctx.actor.tenantId, id);
  await ctx.db.delete(notificationChannels).where(and(eq(notificationChannels.tenantId, ctx.actor.tenantId), eq(notificationChannels.id, id)));
  // Rules stop naming it (rather than keep an id that re-saving them would refuse).
  await ctx.db
    .update(alertRules)
    .set({ channelIds: sql`array_remove(${alertRules.channelIds}, ${id}::uuid)` })
    .where(and(eq(alertRules.tenantId, ctx.actor.tenantId), sql`${id}::uuid = any(${alertRules.channelIds})`));
  await recordChange(ctx, {
    action: 'channel.deleted',
    resource: { type: 'notification_channel', id, name: before.name },
    before: channelSnapshot(before),
    activityDetails: { channelId: id, name: before.name, type: before.type },
  });
  return before;
}

export async function listChannels(db: Executor, tenantId: string, args: PageArgs): Promise<Page<NotificationChannelRow>> {
  return fetchPage(
    args,
    [notificationChannels.id],
    (row) => [row.id],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(notificationChannels)
        .where(and(eq(notificationChannels.tenantId, tenantId), where))
        .orderBy(...orderBy)
        .limit(limit),
  );
}

/** The channel's full settings, secrets opened, for sending. */
export function channelSettings(services: WebhookServices, row: NotificationChannelRow): ChannelSettings {
  const secrets = row.sealedSecrets ? (JSON.parse(services.secretBox.open(row.sealedSecrets)) as Record<string, unknown>) : {};
  const { hasSecret: _hasSecret, hasPassword: _hasPassword, headerNames: _headerNames, ...config } = row.config;
  return { ...config, ...secrets, headers: (secrets.headers as unknown[]) ?? [] } as unknown as ChannelSettings;
}

export async function sendAlertToChannel(
  services: WebhookServices & { timeoutMs: number; chatSenders?: ChatSenders },
  row: NotificationChannelRow,
  alert: AlertMessage,
): Promise<ChannelResult> {
  if (row.type === 'slack_bot' || row.type === 'teams_bot') {
    const sender = row.type === 'slack_bot' ? services.chatSenders?.slack : services.chatSenders?.teams;
    if (!sender) return { isSuccess: false, error: `The ${row.type === 'slack_bot' ? 'Slack' : 'Teams'} bot is not configured on this Vigil` };
    const config = row.config as { channel?: string; conversation?: string };
    return sender.sendAlert(row.tenantId, String(config.channel ?? config.conversation), alert);
  }
  return sendToChannel(services.outbound, services.timeoutMs, row.type, channelSettings(services, row), alert);
}
