/**
 * Webhook subscriptions: created, changed and deleted by holders of monitoring.manage, read by
 * holders of monitoring.view. Secrets and header values are sealed at rest and never returned;
 * URLs go through the outbound policy when they are saved (and again when they are used).
 */
import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { recordChange } from '../audit/record-change.js';
import type { Executor } from '../db/database.js';
import { conflictOnDuplicateName } from '../db/db-errors.js';
import { webhookDeliveries, webhookSubscriptions, type DeliveryStatus, type WebhookDeliveryRow, type WebhookSubscriptionRow } from '../db/tables/index.js';
import { BadInput, Conflict, NotFound } from '../errors.js';
import { newId } from '../ids.js';
import type { OutboundPolicy } from '../outbound/outbound-policy.js';
import { fetchPage, type Page, type PageArgs } from '../pagination/keyset.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { TransactionContext } from '../service-context.js';
import { nameSchema, parseInput } from '../validation.js';
import { isWebhookEventType } from './event-types.js';

/** Headers Vigil sets itself, which a subscription may not override. */
const RESERVED_HEADERS = [
  'content-type',
  'content-length',
  'host',
  'x-webhook-event',
  'x-webhook-signature',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
];

const headerSchema = z.object({
  name: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9-]{1,64}$/, 'must be 1-64 letters, digits and -')
    .refine((name) => !RESERVED_HEADERS.includes(name.toLowerCase()), 'is set by Vigil itself'),
  value: z
    .string()
    .max(2000, 'must be at most 2000 characters')
    .regex(/^[^\r\n]*$/, 'must be one line'),
});

const fields = {
  name: nameSchema(128),
  url: z.string().trim().max(2000, 'must be at most 2000 characters'),
  secret: z.string().min(8, 'must be at least 8 characters').max(256, 'must be at most 256 characters').nullish(),
  headers: z
    .array(headerSchema)
    .max(20, 'at most 20 headers')
    .refine((headers) => new Set(headers.map((header) => header.name.toLowerCase())).size === headers.length, 'has the same header twice'),
  eventTypes: z
    .array(z.string().refine(isWebhookEventType, 'is not a webhook event type (see webhookEventTypes)'))
    .min(1, 'must name at least one event type')
    .max(50),
  isActive: z.boolean(),
};

const createInput = z.object({ ...fields, headers: fields.headers.default([]), isActive: fields.isActive.default(true) });
const updateInput = z.object(fields).partial();

export type CreateWebhookInput = z.input<typeof createInput>;
export type UpdateWebhookInput = z.input<typeof updateInput>;

export interface WebhookServices {
  readonly secretBox: SecretBox;
  readonly outbound: OutboundPolicy;
}

function checkedUrl(services: WebhookServices, url: string): string {
  try {
    return services.outbound.checkUrl(url).toString();
  } catch (error) {
    throw new BadInput('input.url', `input.url: ${(error as Error).message}`);
  }
}

export const webhookSnapshot = (row: WebhookSubscriptionRow) => ({
  id: row.id,
  name: row.name,
  url: row.url,
  hasSecret: row.sealedSecret !== null,
  headerNames: row.headerNames,
  eventTypes: row.eventTypes,
  isActive: row.isActive,
  disabledReason: row.disabledReason,
});

function sealedColumns(services: WebhookServices, input: { secret?: string | null; headers?: { name: string; value: string }[] }) {
  const columns: Partial<WebhookSubscriptionRow> = {};
  if (input.secret !== undefined) columns.sealedSecret = input.secret ? services.secretBox.seal(input.secret) : null;
  if (input.headers !== undefined) {
    columns.sealedHeaders = input.headers.length
      ? services.secretBox.seal(JSON.stringify(Object.fromEntries(input.headers.map((header) => [header.name, header.value]))))
      : null;
    columns.headerNames = input.headers.map((header) => header.name);
  }
  return columns;
}

const duplicateName = (error: unknown, name: string | undefined): never =>
  conflictOnDuplicateName(error, `A webhook named ${name} already exists in this tenant`);

export async function createWebhook(ctx: TransactionContext, services: WebhookServices, input: CreateWebhookInput): Promise<WebhookSubscriptionRow> {
  const parsed = parseInput(createInput, input, 'input');
  const now = ctx.clock.now();
  const row = await ctx.db
    .insert(webhookSubscriptions)
    .values({
      tenantId: ctx.actor.tenantId,
      id: newId(),
      name: parsed.name,
      url: checkedUrl(services, parsed.url),
      eventTypes: [...new Set(parsed.eventTypes)],
      isActive: parsed.isActive,
      ...sealedColumns(services, parsed),
      createdAt: now,
      updatedAt: now,
    })
    .returning()
    .then(([inserted]) => inserted!)
    .catch((error: unknown) => duplicateName(error, parsed.name));
  await recordChange(ctx, {
    action: 'webhook.created',
    resource: { type: 'webhook_subscription', id: row.id, name: row.name },
    after: webhookSnapshot(row),
    activityDetails: { webhookId: row.id, name: row.name },
  });
  return row;
}

export async function getWebhook(db: Executor, tenantId: string, id: string): Promise<WebhookSubscriptionRow> {
  const [row] = await rowsOf(db, tenantId, [id]);
  if (!row) throw new NotFound('Webhook subscription', id);
  return row;
}

const rowsOf = (db: Executor, tenantId: string, ids: string[]) =>
  db
    .select()
    .from(webhookSubscriptions)
    .where(and(eq(webhookSubscriptions.tenantId, tenantId), inArray(webhookSubscriptions.id, ids)));

export async function updateWebhook(
  ctx: TransactionContext,
  services: WebhookServices,
  id: string,
  input: UpdateWebhookInput,
): Promise<WebhookSubscriptionRow> {
  const parsed = parseInput(updateInput, input, 'input');
  const before = await getWebhook(ctx.db, ctx.actor.tenantId, id);
  const changes: Partial<WebhookSubscriptionRow> = { ...sealedColumns(services, parsed), updatedAt: ctx.clock.now() };
  if (parsed.name !== undefined) changes.name = parsed.name;
  if (parsed.url !== undefined) changes.url = checkedUrl(services, parsed.url);
  if (parsed.eventTypes !== undefined) changes.eventTypes = [...new Set(parsed.eventTypes)];
  if (parsed.isActive !== undefined) {
    changes.isActive = parsed.isActive;
    if (parsed.isActive) changes.disabledReason = null;
  }
  const row = await ctx.db
    .update(webhookSubscriptions)
    .set(changes)
    .where(and(eq(webhookSubscriptions.tenantId, ctx.actor.tenantId), eq(webhookSubscriptions.id, id)))
    .returning()
    .then(([updated]) => updated!)
    .catch((error: unknown) => duplicateName(error, parsed.name));
  await recordChange(ctx, {
    action: 'webhook.updated',
    resource: { type: 'webhook_subscription', id, name: row.name },
    before: webhookSnapshot(before),
    after: { ...webhookSnapshot(row), isSecretChanged: parsed.secret !== undefined, areHeadersChanged: parsed.headers !== undefined },
    activityDetails: { webhookId: id, name: row.name },
  });
  return row;
}

/** Deletes a subscription and its whole delivery history. */
export async function deleteWebhook(ctx: TransactionContext, id: string): Promise<WebhookSubscriptionRow> {
  const before = await getWebhook(ctx.db, ctx.actor.tenantId, id);
  const deleted = await ctx.db
    .delete(webhookDeliveries)
    .where(and(eq(webhookDeliveries.tenantId, ctx.actor.tenantId), eq(webhookDeliveries.subscriptionId, id)))
    .returning({ id: webhookDeliveries.id });
  await ctx.db.delete(webhookSubscriptions).where(and(eq(webhookSubscriptions.tenantId, ctx.actor.tenantId), eq(webhookSubscriptions.id, id)));
  await recordChange(ctx, {
    action: 'webhook.deleted',
    resource: { type: 'webhook_subscription', id, name: before.name },
    before: webhookSnapshot(before),
    after: { deletedDeliveries: deleted.length },
    activityDetails: { webhookId: id, name: before.name },
  });
  return before;
}

export async function listWebhooks(db: Executor, tenantId: string, args: PageArgs): Promise<Page<WebhookSubscriptionRow>> {
  return fetchPage(
    args,
    [webhookSubscriptions.id],
    (row) => [row.id],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(webhookSubscriptions)
        .where(and(eq(webhookSubscriptions.tenantId, tenantId), where))
        .orderBy(...orderBy)
        .limit(limit),
  );
}

export interface DeliveryFilter {
  subscriptionId?: string | null;
  status?: DeliveryStatus[] | null;
  eventType?: string[] | null;
}

export async function listDeliveries(db: Executor, tenantId: string, filter: DeliveryFilter, args: PageArgs): Promise<Page<WebhookDeliveryRow>> {
  const conditions = [
    eq(webhookDeliveries.tenantId, tenantId),
    filter.subscriptionId ? eq(webhookDeliveries.subscriptionId, filter.subscriptionId) : undefined,
    filter.status?.length ? inArray(webhookDeliveries.status, filter.status) : undefined,
    filter.eventType?.length ? inArray(webhookDeliveries.eventType, filter.eventType) : undefined,
  ];
  return fetchPage(
    args,
    [webhookDeliveries.createdAt, webhookDeliveries.id],
    (row) => [row.createdAt.toISOString(), row.id],
    ({ where, orderBy, limit }) =>
      db
        .select()
        .from(webhookDeliveries)
        .where(and(...conditions, where))
        .orderBy(...orderBy)
        .limit(limit),
  );
}

/** A failed (or retrying) delivery, tried again from the start: attempts reset, due now. */
export async function retryDelivery(ctx: TransactionContext, id: string): Promise<WebhookDeliveryRow> {
  const [current] = await ctx.db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.tenantId, ctx.actor.tenantId), eq(webhookDeliveries.id, id)))
    .for('update');
  if (!current) throw new NotFound('Webhook delivery', id);
  if (!['failed', 'retrying'].includes(current.status)) {
    throw new Conflict(`This delivery is ${current.status}; only a failed or retrying delivery can be retried`, { status: current.status });
  }
  const subscription = await getWebhook(ctx.db, ctx.actor.tenantId, current.subscriptionId);
  if (!subscription.isActive) throw new Conflict('The subscription is not active: enable it before retrying its deliveries', { field: 'id' });
  const [row] = await ctx.db
    .update(webhookDeliveries)
    .set({ status: 'pending', attempts: 0, nextAttemptAt: ctx.clock.now() })
    .where(and(eq(webhookDeliveries.tenantId, ctx.actor.tenantId), eq(webhookDeliveries.id, id)))
    .returning();
  await recordChange(ctx, {
    action: 'webhook.delivery_retried',
    resource: { type: 'webhook_delivery', id, name: current.eventType },
    before: { status: current.status, attempts: current.attempts },
    after: { status: row!.status, attempts: 0 },
  });
  return row!;
}
