import { recordAuditView } from '../../server/audit/record-view.js';
import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { changeAlertState, listAlerts } from '../../server/alerts/alerts.js';
import {
  createAlertRule,
  deleteAlertRule,
  getAlertRule,
  listAlertRules,
  updateAlertRule,
  type AlertRuleInput as RuleInput,
} from '../../server/alerts/alert-rules.js';
import { requirePermission } from '../../server/auth/scope.js';
import {
  createChannel,
  deleteChannel,
  getChannel,
  listChannels,
  sendAlertToChannel,
  updateChannel,
  type ChannelInput,
} from '../../server/channels/channels.js';
import { settingsField } from '../../server/channels/channel-config.js';
import { BadInput } from '../../server/errors.js';
import { inTransaction } from '../../server/service-context.js';
import { parseFilterIds, parseId } from '../../server/validation.js';
import { PageArgs, toConnection } from '../common/connection.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import {
  Alert,
  AlertConnection,
  AlertFilterInput,
  AlertRule,
  AlertRuleConnection,
  AlertRuleInput,
  ChannelTestResult,
  NotificationChannel,
  NotificationChannelConnection,
} from './alert.types.js';
import { NotificationChannelInput } from './channel-inputs.js';

/** A deep plain copy of a GraphQL input (null prototypes gone, absent fields dropped). */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries({ ...value })
        .filter(([, field]) => field !== undefined && field !== null)
        .map(([key, field]) => [key, plain(field)]),
    );
  }
  return value;
}

function channelInput(input: NotificationChannelInput): ChannelInput {
  const field = settingsField(input.type);
  const settings = (input as unknown as Record<string, unknown>)[field];
  if (!settings) throw new BadInput(`input.${field}`, `input.${field}: the settings of a ${input.type} channel are needed`);
  return { name: input.name, type: input.type, settings: plain(settings) as Record<string, unknown> };
}

@Resolver()
export class AlertsResolver {
  @Query(() => NotificationChannelConnection, { description: 'Needs MONITORING_VIEW.' })
  async notificationChannels(@Ctx() ctx: GraphQLContext, @Args(() => PageArgs) page: PageArgs): Promise<NotificationChannelConnection> {
    const actor = requirePermission(ctx.actor, 'monitoring.view');
    return toConnection(await listChannels(ctx.deps.db, actor.tenantId, page), NotificationChannel.from);
  }

  @Mutation(() => NotificationChannel, { description: 'Needs MONITORING_MANAGE. Names are unique per tenant (CONFLICT).' })
  async createNotificationChannel(
    @Ctx() ctx: GraphQLContext,
    @Arg('input', () => NotificationChannelInput) input: NotificationChannelInput,
  ): Promise<NotificationChannel> {
    requirePermission(ctx.actor, 'monitoring.manage');
    return NotificationChannel.from(await inTransaction(serviceContext(ctx), (tx) => createChannel(tx, ctx.deps.webhooks, channelInput(input))));
  }

  @Mutation(() => NotificationChannel, { description: 'Replaces a channel’s settings (send its secrets again to keep them). Needs MONITORING_MANAGE.' })
  async updateNotificationChannel(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('input', () => NotificationChannelInput) input: NotificationChannelInput,
  ): Promise<NotificationChannel> {
    requirePermission(ctx.actor, 'monitoring.manage');
    return NotificationChannel.from(
      await inTransaction(serviceContext(ctx), (tx) => updateChannel(tx, ctx.deps.webhooks, parseId('id', id), channelInput(input))),
    );
  }

  @Mutation(() => NotificationChannel, { description: 'Needs MONITORING_MANAGE.' })
  async deleteNotificationChannel(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<NotificationChannel> {
    requirePermission(ctx.actor, 'monitoring.manage');
    return NotificationChannel.from(await inTransaction(serviceContext(ctx), (tx) => deleteChannel(tx, parseId('id', id))));
  }

  @Mutation(() => ChannelTestResult, { description: 'Sends a test notification now and reports success or failure. Needs MONITORING_MANAGE.' })
  async testNotificationChannel(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<ChannelTestResult> {
    const actor = requirePermission(ctx.actor, 'monitoring.manage');
    const channel = await getChannel(ctx.deps.db, actor.tenantId, parseId('id', id));
    const result = await sendAlertToChannel(ctx.deps.webhooks, channel, {
      subject: 'Vigil test notification',
      message: `A test of the notification channel "${channel.name}".`,
      severity: 'info',
      source: 'Vigil',
    });
    await recordAuditView(serviceContext(ctx), 'channel.tested', { type: 'notification_channel', id: channel.id, name: channel.name }, { ...result });
    return Object.assign(new ChannelTestResult(), result);
  }

  @Query(() => AlertRuleConnection, { description: 'Needs MONITORING_VIEW.' })
  async alertRules(@Ctx() ctx: GraphQLContext, @Args(() => PageArgs) page: PageArgs): Promise<AlertRuleConnection> {
    const actor = requirePermission(ctx.actor, 'monitoring.view');
    return toConnection(await listAlertRules(ctx.deps.db, actor.tenantId, page), AlertRule.from);
  }

  @Query(() => AlertRule, { description: 'Needs MONITORING_VIEW.' })
  async alertRule(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<AlertRule> {
    const actor = requirePermission(ctx.actor, 'monitoring.view');
    return AlertRule.from(await getAlertRule(ctx.deps.db, actor.tenantId, parseId('id', id)));
  }

  @Mutation(() => AlertRule, { description: 'Needs MONITORING_MANAGE.' })
  async createAlertRule(@Ctx() ctx: GraphQLContext, @Arg('input', () => AlertRuleInput) input: AlertRuleInput): Promise<AlertRule> {
    requirePermission(ctx.actor, 'monitoring.manage');
    return AlertRule.from(await inTransaction(serviceContext(ctx), (tx) => createAlertRule(tx, plain(input) as RuleInput)));
  }

  @Mutation(() => AlertRule, { description: 'Replaces a rule’s settings. Needs MONITORING_MANAGE.' })
  async updateAlertRule(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('input', () => AlertRuleInput) input: AlertRuleInput,
  ): Promise<AlertRule> {
    requirePermission(ctx.actor, 'monitoring.manage');
    return AlertRule.from(await inTransaction(serviceContext(ctx), (tx) => updateAlertRule(tx, parseId('id', id), plain(input) as RuleInput)));
  }

  @Mutation(() => AlertRule, { description: 'Deletes a rule and its alerts. Needs MONITORING_MANAGE.' })
  async deleteAlertRule(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<AlertRule> {
    requirePermission(ctx.actor, 'monitoring.manage');
    return AlertRule.from(await inTransaction(serviceContext(ctx), (tx) => deleteAlertRule(tx, parseId('id', id))));
  }

  @Query(() => AlertConnection, { description: 'Alerts, newest first. Needs MONITORING_VIEW.' })
  async alerts(
    @Ctx() ctx: GraphQLContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => AlertFilterInput, { nullable: true }) filter?: AlertFilterInput | null,
  ): Promise<AlertConnection> {
    const actor = requirePermission(ctx.actor, 'monitoring.view');
    return toConnection(await listAlerts(ctx.deps.db, actor.tenantId, parseFilterIds(filter, ['ruleId']), page), Alert.from);
  }

  @Mutation(() => Alert, { description: 'Fired → acknowledged. Needs MONITORING_MANAGE.' })
  async acknowledgeAlert(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<Alert> {
    requirePermission(ctx.actor, 'monitoring.manage');
    return Alert.from(await inTransaction(serviceContext(ctx), (tx) => changeAlertState(tx, parseId('id', id), 'acknowledged')));
  }

  @Mutation(() => Alert, { description: 'Closes an open alert. Needs MONITORING_MANAGE.' })
  async resolveAlert(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<Alert> {
    requirePermission(ctx.actor, 'monitoring.manage');
    return Alert.from(await inTransaction(serviceContext(ctx), (tx) => changeAlertState(tx, parseId('id', id), 'resolved')));
  }
}
