import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import type { AlertDeliveryWithChannel } from '../../server/alerts/alert-deliveries.js';
import type { AlertRecord, AlertRuleRecord } from '../../server/alerts/alert-types.js';
import type { NotificationChannelRecord } from '../../server/channels/channel-types.js';
import { Connection } from '../common/connection.js';
import { SeverityEnum } from '../common/enums.js';
import { Label } from '../identity/server.type.js';
import { LabelInput } from '../identity/inputs.js';
import { AlertConditionEnum, AlertDeliveryStatusEnum, AlertStateEnum, ChannelTypeEnum } from './enums.js';

@ObjectType({ simpleResolvers: true, description: 'Where alerts go outside Vigil. Passwords, secrets and header values are never returned.' })
export class NotificationChannel {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  name!: string;
  @Field(() => ChannelTypeEnum)
  type!: ChannelTypeEnum;
  @Field(() => GraphQLJSONObject, { description: 'The settings without secrets (hasPassword, hasSecret and headerNames say what is set).' })
  settings!: Record<string, unknown>;
  @Field(() => Date)
  createdAt!: Date;
  @Field(() => Date)
  updatedAt!: Date;

  static from(record: NotificationChannelRecord): NotificationChannel {
    return Object.assign(new NotificationChannel(), {
      id: record.id,
      name: record.name,
      type: record.type,
      settings: record.config,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class NotificationChannelConnection extends Connection(NotificationChannel, 'NotificationChannel') {}

@ObjectType({ simpleResolvers: true })
export class ChannelTestResult {
  @Field(() => Boolean)
  isSuccess!: boolean;
  @Field(() => String, { nullable: true })
  error!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'When to raise an alert, how severe it is, and which channels hear of it.' })
export class AlertRule {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  name!: string;
  @Field(() => AlertConditionEnum)
  condition!: AlertConditionEnum;
  @Field(() => Int)
  threshold!: number;
  @Field(() => Int)
  windowMinutes!: number;
  @Field(() => String, { nullable: true })
  commandPattern!: string | null;
  @Field(() => [Label])
  serverLabels!: Label[];
  @Field(() => SeverityEnum)
  severity!: SeverityEnum;
  @Field(() => [ID])
  channelIds!: string[];
  @Field(() => Boolean)
  isEnabled!: boolean;

  static from(record: AlertRuleRecord): AlertRule {
    return Object.assign(new AlertRule(), {
      id: record.id,
      name: record.name,
      condition: record.condition,
      threshold: record.threshold,
      windowMinutes: Math.round(record.windowSeconds / 60),
      commandPattern: (record.parameters.commandPattern as string | undefined) ?? null,
      serverLabels: Object.entries((record.parameters.serverLabels ?? {}) as Record<string, string>).map(([key, value]) => ({ key, value })),
      severity: record.severity,
      channelIds: record.channelIds,
      isEnabled: record.isEnabled,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class AlertRuleConnection extends Connection(AlertRule, 'AlertRule') {}

@ObjectType({ simpleResolvers: true, description: 'An alert sent, or to be sent, to one of its rule’s notification channels.' })
export class AlertDelivery {
  @Field(() => ID)
  channelId!: string;
  @Field(() => String, { nullable: true, description: 'Null once the channel was removed.' })
  channelName!: string | null;
  @Field(() => ChannelTypeEnum, { nullable: true, description: 'Null once the channel was removed.' })
  channelType!: ChannelTypeEnum | null;
  @Field(() => AlertDeliveryStatusEnum)
  status!: AlertDeliveryStatusEnum;
  @Field(() => Int)
  attempts!: number;
  @Field(() => String, { nullable: true, description: 'Why the last attempt failed.' })
  lastError!: string | null;
  @Field(() => Date, { nullable: true })
  lastAttemptAt!: Date | null;
  @Field(() => Date, { nullable: true, description: 'When the next attempt is due: set while PENDING or RETRYING.' })
  nextAttemptAt!: Date | null;
  @Field(() => Date, { nullable: true })
  deliveredAt!: Date | null;

  static from(row: AlertDeliveryWithChannel): AlertDelivery {
    const isDue = row.status === 'pending' || row.status === 'retrying';
    return Object.assign(new AlertDelivery(), {
      channelId: row.channelId,
      channelName: row.channelName,
      channelType: row.channelType as ChannelTypeEnum | null,
      status: row.status as AlertDeliveryStatusEnum,
      attempts: row.attempts,
      lastError: row.lastError,
      lastAttemptAt: row.lastAttemptAt,
      nextAttemptAt: isDue ? row.nextAttemptAt : null,
      deliveredAt: row.deliveredAt,
    });
  }
}

@ObjectType({ simpleResolvers: true, description: 'A rule that fired, for one subject (a person, the tenant, a command, a grant).' })
export class Alert {
  @Field(() => ID)
  id!: string;
  @Field(() => ID)
  ruleId!: string;
  @Field(() => String)
  subject!: string;
  @Field(() => AlertStateEnum)
  state!: AlertStateEnum;
  @Field(() => SeverityEnum)
  severity!: SeverityEnum;
  @Field(() => String)
  title!: string;
  @Field(() => String)
  message!: string;
  @Field(() => GraphQLJSONObject)
  details!: Record<string, unknown>;
  @Field(() => Date)
  firedAt!: Date;
  @Field(() => Date, { nullable: true })
  acknowledgedAt!: Date | null;
  @Field(() => Date, { nullable: true })
  resolvedAt!: Date | null;
  acknowledgedById!: string | null;
  resolvedById!: string | null;

  static from(record: AlertRecord): Alert {
    return Object.assign(new Alert(), {
      id: record.id,
      ruleId: record.ruleId,
      subject: record.subject,
      state: record.state,
      severity: record.severity,
      title: record.title,
      message: record.message,
      details: record.details,
      firedAt: record.firedAt,
      acknowledgedAt: record.acknowledgedAt,
      resolvedAt: record.resolvedAt,
      acknowledgedById: record.acknowledgedById,
      resolvedById: record.resolvedById,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class AlertConnection extends Connection(Alert, 'Alert') {}

@InputType()
export class AlertRuleInput {
  @Field(() => String)
  name!: string;
  @Field(() => AlertConditionEnum)
  condition!: AlertConditionEnum;
  @Field(() => Int, { nullable: true, description: 'Threshold rules: how many in the window (default 1).' })
  threshold?: number | null;
  @Field(() => Int, {
    nullable: true,
    description: 'Threshold rules: the sliding window (default 5); DIRECTIVE_OVERDUE: how long an agent may take to answer.',
  })
  windowMinutes?: number | null;
  @Field(() => String, { nullable: true, description: 'COMMAND_FAILED: the command, `*` standing for any run of characters.' })
  commandPattern?: string | null;
  @Field(() => [LabelInput], { nullable: true, description: 'SUDO_GRANTED, AGENT_OFFLINE, DIRECTIVE_OVERDUE: servers carrying all of these.' })
  serverLabels?: LabelInput[] | null;
  @Field(() => SeverityEnum, { nullable: true })
  severity?: SeverityEnum | null;
  @Field(() => [ID], { nullable: true })
  channelIds?: string[] | null;
  @Field(() => Boolean, { nullable: true })
  isEnabled?: boolean | null;
}

@InputType()
export class AlertFilterInput {
  @Field(() => [AlertStateEnum], { nullable: true })
  state?: AlertStateEnum[] | null;
  @Field(() => ID, { nullable: true })
  ruleId?: string | null;
}
