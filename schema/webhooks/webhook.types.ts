import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { WebhookDeliveryRecord, WebhookSubscriptionRecord } from '../../server/webhooks/webhook-types.js';
import { Connection } from '../common/connection.js';

export enum DeliveryStatusEnum {
  PENDING = 'pending',
  DELIVERING = 'delivering',
  SUCCEEDED = 'succeeded',
  RETRYING = 'retrying',
  FAILED = 'failed',
}
registerEnumType(DeliveryStatusEnum, { name: 'WebhookDeliveryStatus' });

@ObjectType({ simpleResolvers: true, description: 'A webhook event type: from the product documents (seed) or Vigil’s own.' })
export class WebhookEventTypeInfo {
  @Field(() => String)
  type!: string;
  @Field(() => String)
  description!: string;
  @Field(() => Boolean, { description: 'Vigil’s own type rather than one of the platform’s.' })
  isVigilEvent!: boolean;
}

@ObjectType({ simpleResolvers: true, description: 'Where events of chosen types are POSTed. The secret and header values are never returned.' })
export class WebhookSubscription {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  name!: string;
  @Field(() => String)
  url!: string;
  @Field(() => Boolean, { description: 'Whether deliveries are signed.' })
  hasSecret!: boolean;
  @Field(() => [String], { description: 'Names of the extra headers (their values stay sealed).' })
  headerNames!: string[];
  @Field(() => [String])
  eventTypes!: string[];
  @Field(() => Boolean)
  isActive!: boolean;
  @Field(() => String, { nullable: true, description: 'Why Vigil turned it off (a receiver’s 410 Gone).' })
  disabledReason!: string | null;
  @Field(() => Date)
  createdAt!: Date;
  @Field(() => Date)
  updatedAt!: Date;

  static from(record: WebhookSubscriptionRecord): WebhookSubscription {
    return Object.assign(new WebhookSubscription(), {
      id: record.id,
      name: record.name,
      url: record.url,
      hasSecret: record.sealedSecret !== null,
      headerNames: record.headerNames,
      eventTypes: record.eventTypes,
      isActive: record.isActive,
      disabledReason: record.disabledReason,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class WebhookSubscriptionConnection extends Connection(WebhookSubscription, 'WebhookSubscription') {}

@ObjectType({ simpleResolvers: true, description: 'One event on its way to one subscription, with its attempts.' })
export class WebhookDelivery {
  @Field(() => ID)
  id!: string;
  @Field(() => ID)
  subscriptionId!: string;
  @Field(() => String)
  eventType!: string;
  @Field(() => String, { description: 'The JSON body sent.' })
  payload!: string;
  @Field(() => DeliveryStatusEnum)
  status!: DeliveryStatusEnum;
  @Field(() => Int)
  attempts!: number;
  @Field(() => Date, { nullable: true, description: 'When the next attempt is due (pending, retrying).' })
  nextAttemptAt!: Date | null;
  @Field(() => Int, { nullable: true })
  lastStatusCode!: number | null;
  @Field(() => String, { nullable: true })
  lastError!: string | null;
  @Field(() => String, { nullable: true, description: 'The start of the receiver’s last answer (at most 4 KB).' })
  lastResponseBody!: string | null;
  @Field(() => Date, { nullable: true })
  lastAttemptAt!: Date | null;
  @Field(() => Date, { nullable: true })
  succeededAt!: Date | null;
  @Field(() => Date)
  createdAt!: Date;

  static from(record: WebhookDeliveryRecord): WebhookDelivery {
    return Object.assign(new WebhookDelivery(), {
      id: record.id,
      subscriptionId: record.subscriptionId,
      eventType: record.eventType,
      payload: record.payload,
      status: record.status,
      attempts: record.attempts,
      nextAttemptAt: record.status === 'pending' || record.status === 'retrying' ? record.nextAttemptAt : null,
      lastStatusCode: record.lastStatusCode,
      lastError: record.lastError,
      lastResponseBody: record.lastResponseBody,
      lastAttemptAt: record.lastAttemptAt,
      succeededAt: record.succeededAt,
      createdAt: record.createdAt,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class WebhookDeliveryConnection extends Connection(WebhookDelivery, 'WebhookDelivery') {}

@ObjectType({ simpleResolvers: true, description: 'The answer to a test ping (not recorded as a delivery).' })
export class WebhookTestResult {
  @Field(() => Boolean)
  isSuccess!: boolean;
  @Field(() => Int, { nullable: true })
  statusCode!: number | null;
  @Field(() => String)
  responseBody!: string;
  @Field(() => String, { nullable: true })
  error!: string | null;
  @Field(() => Int)
  durationMs!: number;
}

@InputType()
export class WebhookHeaderInput {
  @Field(() => String)
  name!: string;
  @Field(() => String)
  value!: string;
}

@InputType()
export class CreateWebhookInput {
  @Field(() => String)
  name!: string;
  @Field(() => String, { description: 'http or https; internal addresses are refused unless VIGIL_OUTBOUND_ALLOW allows them.' })
  url!: string;
  @Field(() => String, { nullable: true, description: 'Signs deliveries; `whsec_<base64>` (Standard Webhooks) or any string of 8+ characters.' })
  secret?: string | null;
  @Field(() => [WebhookHeaderInput], { nullable: true })
  headers?: WebhookHeaderInput[] | null;
  @Field(() => [String], { description: 'See webhookEventTypes.' })
  eventTypes!: string[];
  @Field(() => Boolean, { nullable: true })
  isActive?: boolean | null;
}

@InputType({ description: 'The fields to change. `secret: null` removes the secret; `headers` replaces them all.' })
export class UpdateWebhookInput {
  @Field(() => String, { nullable: true })
  name?: string | null;
  @Field(() => String, { nullable: true })
  url?: string | null;
  @Field(() => String, { nullable: true })
  secret?: string | null;
  @Field(() => [WebhookHeaderInput], { nullable: true })
  headers?: WebhookHeaderInput[] | null;
  @Field(() => [String], { nullable: true })
  eventTypes?: string[] | null;
  @Field(() => Boolean, { nullable: true })
  isActive?: boolean | null;
}

@InputType()
export class WebhookDeliveryFilterInput {
  @Field(() => ID, { nullable: true })
  subscriptionId?: string | null;
  @Field(() => [DeliveryStatusEnum], { nullable: true })
  status?: DeliveryStatusEnum[] | null;
  @Field(() => [String], { nullable: true })
  eventType?: string[] | null;
}
