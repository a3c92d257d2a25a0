import { Field, ID, InputType, Int } from 'type-graphql';
import {
  AccessSessionStatusEnum,
  CommandShellEnum,
  CommandStatusEnum,
  LogLevelEnum,
  SessionSourceEnum,
  SudoGrantSourceEnum,
  TransferDirectionEnum,
  TransferStatusEnum,
} from './enums.js';

@InputType('TimeRange')
export class TimeRangeInput {
  @Field(() => Date, { nullable: true, description: 'From this time (inclusive).' })
  from?: Date | null;
  @Field(() => Date, { nullable: true, description: 'Until this time (exclusive).' })
  to?: Date | null;
}

/** What every record made by a person on a server can be filtered by. */
@InputType('PersonServerRecordFilter')
class PersonServerRecordFilter extends TimeRangeInput {
  @Field(() => ID, { nullable: true, description: 'The person: operator, user or grantee.' })
  userId?: string | null;
  @Field(() => ID, { nullable: true })
  serverId?: string | null;
  @Field(() => ID, { nullable: true, description: 'The access session (scope) the record belongs to.' })
  accessSessionId?: string | null;
}

@InputType()
export class CommandFilterInput extends PersonServerRecordFilter {
  @Field(() => ID, { nullable: true })
  terminalSessionId?: string | null;
  @Field(() => [CommandStatusEnum], { nullable: true })
  status?: CommandStatusEnum[] | null;
  @Field(() => CommandShellEnum, { nullable: true })
  shell?: CommandShellEnum | null;
  @Field(() => SessionSourceEnum, { nullable: true })
  source?: SessionSourceEnum | null;
  @Field(() => String, { nullable: true, description: 'Part of the command line, case-insensitive.' })
  search?: string | null;
}

@InputType()
export class TerminalSessionFilterInput extends PersonServerRecordFilter {
  @Field(() => SessionSourceEnum, { nullable: true })
  source?: SessionSourceEnum | null;
  @Field(() => Boolean, { nullable: true, description: 'true: still open; false: ended.' })
  isActive?: boolean | null;
  @Field(() => String, { nullable: true, description: 'The account on the server.' })
  username?: string | null;
}

@InputType()
export class FileTransferFilterInput extends PersonServerRecordFilter {
  @Field(() => TransferDirectionEnum, { nullable: true })
  direction?: TransferDirectionEnum | null;
  @Field(() => TransferStatusEnum, { nullable: true })
  status?: TransferStatusEnum | null;
  @Field(() => String, { nullable: true, description: 'Part of the object name or path.' })
  search?: string | null;
}

@InputType()
export class SystemLogFilterInput extends TimeRangeInput {
  @Field(() => ID, { nullable: true })
  serverId?: string | null;
  @Field(() => [LogLevelEnum], { nullable: true })
  level?: LogLevelEnum[] | null;
  @Field(() => LogLevelEnum, { nullable: true, description: 'This level and every more severe one.' })
  minLevel?: LogLevelEnum | null;
  @Field(() => String, { nullable: true })
  program?: string | null;
  @Field(() => String, { nullable: true, description: 'Part of the message, case-insensitive.' })
  search?: string | null;
}

@InputType()
export class SudoAuthorizationFilterInput extends PersonServerRecordFilter {
  @Field(() => SudoGrantSourceEnum, { nullable: true })
  grantedVia?: SudoGrantSourceEnum | null;
  @Field(() => Date, { nullable: true, description: 'Only grants in force at this time.' })
  activeAt?: Date | null;
}

@InputType()
export class AccessSessionFilterInput extends TimeRangeInput {
  @Field(() => ID, { nullable: true, description: 'The requester.' })
  userId?: string | null;
  @Field(() => ID, { nullable: true })
  approverId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Sessions whose scope includes this server.' })
  serverId?: string | null;
  @Field(() => [AccessSessionStatusEnum], { nullable: true })
  status?: AccessSessionStatusEnum[] | null;
}

@InputType()
export class ActivityFilterInput extends TimeRangeInput {
  @Field(() => ID, { nullable: true })
  userId?: string | null;
  @Field(() => String, { nullable: true })
  userEmail?: string | null;
  @Field(() => [String], { nullable: true, description: 'Actions such as auth.sign_in_failed.' })
  action?: string[] | null;
  @Field(() => Int, { nullable: true, description: 'An exact result (401) or a class (4 for every 4xx).' })
  result?: number | null;
  @Field(() => String, { nullable: true })
  ipAddress?: string | null;
}
