import { Field, InputType, Int } from 'type-graphql';
import { WebhookHeaderInput } from '../webhooks/webhook.types.js';
import { ChannelTypeEnum } from './enums.js';

@InputType()
export class SmtpChannelInput {
  @Field(() => String)
  host!: string;
  @Field(() => Int, { nullable: true, description: 'Default 587.' })
  port?: number | null;
  @Field(() => String)
  from!: string;
  @Field(() => [String])
  to!: string[];
  @Field(() => String, { nullable: true })
  username?: string | null;
  @Field(() => String, { nullable: true })
  password?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'Default true: STARTTLS required (implicit TLS on port 465).' })
  useTls?: boolean | null;
}

@InputType()
export class WebhookChannelInput {
  @Field(() => String)
  url!: string;
  @Field(() => String, { nullable: true })
  secret?: string | null;
  @Field(() => [WebhookHeaderInput], { nullable: true })
  headers?: WebhookHeaderInput[] | null;
}

@InputType()
export class SlackChannelInput {
  @Field(() => String, { description: 'The incoming webhook URL.' })
  url!: string;
  @Field(() => String, { nullable: true, description: 'Overrides the webhook’s default channel.' })
  channel?: string | null;
}

@InputType()
export class TeamsChannelInput {
  @Field(() => String, { description: 'The connector (incoming webhook) URL.' })
  url!: string;
}

@InputType({ description: 'A Slack channel the Vigil bot posts to (the tenant’s bound workspace; invite the bot to it).' })
export class SlackBotChannelInput {
  @Field(() => String, { description: 'The channel id, such as C0123ABCD.' })
  channel!: string;
}

@InputType({ description: 'A Teams conversation the Vigil bot posts to (one it has been added to).' })
export class TeamsBotChannelInput {
  @Field(() => String, { description: 'The conversation id.' })
  conversation!: string;
}

@InputType({ description: 'A channel: its name, type, and the settings of that type (the one matching `type`).' })
export class NotificationChannelInput {
  @Field(() => String)
  name!: string;
  @Field(() => ChannelTypeEnum)
  type!: ChannelTypeEnum;
  @Field(() => SmtpChannelInput, { nullable: true })
  smtp?: SmtpChannelInput | null;
  @Field(() => WebhookChannelInput, { nullable: true })
  webhook?: WebhookChannelInput | null;
  @Field(() => SlackChannelInput, { nullable: true })
  slack?: SlackChannelInput | null;
  @Field(() => TeamsChannelInput, { nullable: true })
  teams?: TeamsChannelInput | null;
  @Field(() => SlackBotChannelInput, { nullable: true })
  slackBot?: SlackBotChannelInput | null;
  @Field(() => TeamsBotChannelInput, { nullable: true })
  teamsBot?: TeamsBotChannelInput | null;
}
