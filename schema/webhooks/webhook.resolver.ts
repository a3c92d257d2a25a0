import { recordAuditView } from '../../server/audit/record-view.js';
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { requirePermission } from '../../server/auth/scope.js';
import { inTransaction } from '../../server/service-context.js';
import { parseFilterIds, parseId } from '../../server/validation.js';
import { sendToSubscription } from '../../server/webhooks/delivery-worker.js';
import { SEED_EVENT_TYPES, WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../../server/webhooks/event-types.js';
import { createWebhook, deleteWebhook, getWebhook, listDeliveries, listWebhooks, retryDelivery, updateWebhook } from '../../server/webhooks/subscriptions.js';
import { newId } from '../../server/ids.js';
import { PageArgs, toConnection } from '../common/connection.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import {
  CreateWebhookInput,
  UpdateWebhookInput,
  WebhookDelivery,
  WebhookDeliveryConnection,
  WebhookDeliveryFilterInput,
  WebhookEventTypeInfo,
  WebhookSubscription,
  WebhookSubscriptionConnection,
  WebhookTestResult,
} from './webhook.types.js';

/** GraphQL input objects as plain values (null prototypes spread), absent fields left out. */
function plain<T extends object>(input: T): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries({ ...input })) {
    if (value === undefined) continue;
    copy[key] = key === 'headers' && Array.isArray(value) ? (value as object[]).map((header) => ({ ...header })) : (value as unknown);
  }
  return copy;
}

@Resolver(() => WebhookSubscription)
export class WebhookResolver {
  @Query(() => [WebhookEventTypeInfo], { description: 'The event types a webhook may subscribe to. Needs MONITORING_VIEW.' })
  webhookEventTypes(@Ctx() ctx: GraphQLContext): WebhookEventTypeInfo[] {
    requirePermission(ctx.actor, 'monitoring.view');
    return Object.entries(WEBHOOK_EVENT_TYPES).map(([type, description]) =>
      Object.assign(new WebhookEventTypeInfo(), { type, description, isVigilEvent: !SEED_EVENT_TYPES.includes(type as WebhookEventType) }),
    );
  }

  @Query(() => WebhookSubscriptionConnection, { description: 'Webhook subscriptions. Needs MONITORING_VIEW.' })
  async webhookSubscriptions(@Ctx() ctx: GraphQLContext, @Args(() => PageArgs) page: PageArgs): Promise<WebhookSubscriptionConnection> {
    const actor = requirePermission(ctx.actor, 'monitoring.view');
    return toConnection(await listWebhooks(ctx.deps.db, actor.tenantId, page), WebhookSubscription.from);
  }

  @Query(() => WebhookSubscription, { description: 'Needs MONITORING_VIEW.' })
  async webhookSubscription(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<WebhookSubscription> {
    const actor = requirePermission(ctx.actor, 'monitoring.view');
    return WebhookSubscription.from(await getWebhook(ctx.deps.db, actor.tenantId, parseId('id', id)));
  }

  @Query(() => WebhookDeliveryConnection, { description: 'Deliveries, newest first, by subscription, status and event type. Needs MONITORING_VIEW.' })
  async webhookDeliveries(
    @Ctx() ctx: GraphQLContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => WebhookDeliveryFilterInput, { nullable: true }) filter?: WebhookDeliveryFilterInput | null,
  ): Promise<WebhookDeliveryConnection> {
    const actor = requirePermission(ctx.actor, 'monitoring.view');
    return toConnection(await listDeliveries(ctx.deps.db, actor.tenantId, parseFilterIds(filter, ['subscriptionId']), page), WebhookDelivery.from);
  }

  @FieldResolver(() => WebhookDeliveryConnection, { description: 'This subscription’s deliveries, newest first.' })
  async deliveries(
    @Root() subscription: WebhookSubscription,
    @Ctx() ctx: GraphQLContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => WebhookDeliveryFilterInput, { nullable: true }) filter?: WebhookDeliveryFilterInput | null,
  ): Promise<WebhookDeliveryConnection> {
    const actor = requirePermission(ctx.actor, 'monitoring.view');
    return toConnection(await listDeliveries(ctx.deps.db, actor.tenantId, { ...filter, subscriptionId: subscription.id }, page), WebhookDelivery.from);
  }

  @Mutation(() => WebhookSubscription, { description: 'Needs MONITORING_MANAGE. Names are unique per tenant (CONFLICT).' })
  async createWebhookSubscription(@Ctx() ctx: GraphQLContext, @Arg('input', () => CreateWebhookInput) input: CreateWebhookInput): Promise<WebhookSubscription> {
    requirePermission(ctx.actor, 'monitoring.manage');
    const row = await inTransaction(serviceContext(ctx), (tx) => createWebhook(tx, ctx.deps.webhooks, plain(input) as never));
    return WebhookSubscription.from(row);
  }

  @Mutation(() => WebhookSubscription, { description: 'Needs MONITORING_MANAGE.' })
  async updateWebhookSubscription(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateWebhookInput) input: UpdateWebhookInput,
  ): Promise<WebhookSubscription> {
    requirePermission(ctx.actor, 'monitoring.manage');
    const row = await inTransaction(serviceContext(ctx), (tx) => updateWebhook(tx, ctx.deps.webhooks, parseId('id', id), plain(input) as never));
    return WebhookSubscription.from(row);
  }

  @Mutation(() => WebhookSubscription, { description: 'Deletes a subscription and its whole delivery history. Needs MONITORING_MANAGE.' })
  async deleteWebhookSubscription(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<WebhookSubscription> {
    requirePermission(ctx.actor, 'monitoring.manage');
    return WebhookSubscription.from(await inTransaction(serviceContext(ctx), (tx) => deleteWebhook(tx, parseId('id', id))));
  }

  @Mutation(() => WebhookTestResult, {
    description: 'Sends a `ping` event now and reports the answer; it is not recorded as a delivery. Needs MONITORING_MANAGE.',
  })
  async testWebhookSubscription(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<WebhookTestResult> {
    const actor = requirePermission(ctx.actor, 'monitoring.manage');
    const subscription = await getWebhook(ctx.deps.db, actor.tenantId, parseId('id', id));
    const messageId = newId();
    const body = JSON.stringify({
      id: messageId,
      type: 'ping',
      tenantId: actor.tenantId,
      occurredAt: ctx.deps.clock.now().toISOString(),
      data: { subscriptionId: subscription.id },
    });
    const result = await sendToSubscription(ctx.deps.webhooks, subscription, { eventType: 'ping', messageId, body });
    await recordAuditView(
      serviceContext(ctx),
      'webhook.tested',
      { type: 'webhook_subscription', id: subscription.id, name: subscription.name },
      {
        messageId,
        statusCode: result.status,
        error: result.error,
      },
    );
    return Object.assign(new WebhookTestResult(), {
      isSuccess: result.status !== null && result.status >= 200 && result.status < 300,
      statusCode: result.status,
      responseBody: result.body,
      error: result.error,
      durationMs: result.durationMs,
    });
  }

  @Mutation(() => WebhookDelivery, { description: 'Tries a failed delivery again from the first attempt. Needs MONITORING_MANAGE.' })
  async retryWebhookDelivery(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<WebhookDelivery> {
    requirePermission(ctx.actor, 'monitoring.manage');
    return WebhookDelivery.from(await inTransaction(serviceContext(ctx), (tx) => retryDelivery(tx, parseId('id', id))));
  }
}
