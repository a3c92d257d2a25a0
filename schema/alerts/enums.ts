import { registerEnumType } from 'type-graphql';

export enum ChannelTypeEnum {
  SMTP = 'smtp',
  WEBHOOK = 'webhook',
  SLACK = 'slack',
  TEAMS = 'teams',
  SLACK_BOT = 'slack_bot',
  TEAMS_BOT = 'teams_bot',
}
registerEnumType(ChannelTypeEnum, {
  name: 'ChannelType',
  description: 'SLACK and TEAMS post to incoming webhooks; SLACK_BOT and TEAMS_BOT through Vigil’s own bots, with an Acknowledge button.',
});

export enum AlertConditionEnum {
  FAILED_SIGN_INS = 'failed_sign_ins',
  FAILED_COMMANDS = 'failed_commands',
  COMMAND_FAILED = 'command_failed',
  SUDO_GRANTED = 'sudo_granted',
  AGENT_OFFLINE = 'agent_offline',
  DIRECTIVE_OVERDUE = 'directive_overdue',
}
registerEnumType(AlertConditionEnum, {
  name: 'AlertCondition',
  description:
    'FAILED_SIGN_INS: at least `threshold` failed sign-ins by one person in the window. FAILED_COMMANDS: at least `threshold` failed commands in the tenant in the window. COMMAND_FAILED: a command matching `commandPattern` failed. SUDO_GRANTED: sudo granted on a server carrying `serverLabels`. AGENT_OFFLINE: the agent of a server carrying `serverLabels` stopped sending heartbeats (one alert per server, resolved when it is back). DIRECTIVE_OVERDUE: a directive to the agent of a server carrying `serverLabels` (end a session, drop a sudo grant) has waited longer than the window for its acknowledgement (one alert per directive, resolved once the agent answers).',
});

export enum AlertStateEnum {
  FIRED = 'fired',
  ACKNOWLEDGED = 'acknowledged',
  RESOLVED = 'resolved',
}
registerEnumType(AlertStateEnum, { name: 'AlertState' });

export enum AlertDeliveryStatusEnum {
  PENDING = 'pending',
  DELIVERING = 'delivering',
  RETRYING = 'retrying',
  SUCCEEDED = 'succeeded',
  FAILED = 'failed',
}
registerEnumType(AlertDeliveryStatusEnum, {
  name: 'AlertDeliveryStatus',
  description:
    'PENDING: not tried yet. DELIVERING: being sent now. RETRYING: failed, tried again at nextAttemptAt (after 1, 5, 15, 60 and 240 minutes). SUCCEEDED. FAILED: the sixth failure, or the channel was removed.',
});
