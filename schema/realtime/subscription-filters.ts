import { Field, ID, InputType } from 'type-graphql';
import { AgentEventKindEnum, CommandStatusEnum } from '../records/enums.js';

@InputType()
export class CommandSubscriptionFilter {
  @Field(() => ID, { nullable: true })
  serverId?: string | null;
  @Field(() => ID, { nullable: true, description: 'The operator.' })
  userId?: string | null;
  @Field(() => ID, { nullable: true })
  terminalSessionId?: string | null;
  @Field(() => ID, { nullable: true })
  accessSessionId?: string | null;
  @Field(() => [CommandStatusEnum], { nullable: true, description: 'Only changes that leave the command in one of these statuses.' })
  status?: CommandStatusEnum[] | null;
}

@InputType()
export class RecordedEventFilter {
  @Field(() => [AgentEventKindEnum], { nullable: true })
  kinds?: AgentEventKindEnum[] | null;
  @Field(() => ID, { nullable: true })
  serverId?: string | null;
  @Field(() => ID, { nullable: true, description: 'The person the record is about (operator, user, grantee).' })
  userId?: string | null;
}

@InputType()
export class TerminalSessionSubscriptionFilter {
  @Field(() => ID, { nullable: true })
  serverId?: string | null;
  @Field(() => ID, { nullable: true })
  userId?: string | null;
}

@InputType()
export class AuditSubscriptionFilter {
  @Field(() => [String], { nullable: true, description: 'Actions such as approval.decided.' })
  actions?: string[] | null;
  @Field(() => String, { nullable: true })
  resourceType?: string | null;
}
