import { Field, Float, ID, InputType, Int } from 'type-graphql';
import {
  AgentEventKindEnum,
  CommandShellEnum,
  CommandStatusEnum,
  LogLevelEnum,
  SessionSourceEnum,
  SudoGrantSourceEnum,
  TransferDirectionEnum,
  TransferStatusEnum,
  VerificationOutcomeEnum,
} from './enums.js';

@InputType('EventPerson')
class PersonFields {
  @Field(() => ID, { nullable: true, description: 'The Vigil user, by id…' })
  userId?: string | null;
  @Field(() => String, { nullable: true, description: '…or by email.' })
  userEmail?: string | null;
}

@InputType()
export class TerminalSessionStartedInput extends PersonFields {
  @Field(() => String, { description: 'The account on the server.' })
  username!: string;
  @Field(() => String, { nullable: true })
  groupname?: string | null;
  @Field(() => String, { nullable: true })
  browser?: string | null;
  @Field(() => String, { nullable: true })
  remoteIp?: string | null;
  @Field(() => SessionSourceEnum)
  source!: SessionSourceEnum;
  @Field(() => Date)
  startedAt!: Date;
  @Field(() => ID, { nullable: true, description: 'The access session this terminal session belongs to.' })
  accessSessionId?: string | null;
}

@InputType()
export class TerminalSessionEndedInput {
  @Field(() => String, { description: 'The eventId of the TERMINAL_SESSION_STARTED event.' })
  sessionEventId!: string;
  @Field(() => Date)
  endedAt!: Date;
}

/** What an agent knows of a command's run, at creation or in a later report. */
@InputType('CommandProgress')
class CommandProgressFields {
  @Field(() => Date, { nullable: true })
  startedAt?: Date | null;
  @Field(() => Date, { nullable: true })
  finishedAt?: Date | null;
  @Field(() => Int, { nullable: true })
  exitCode?: number | null;
  @Field(() => String, { nullable: true })
  result?: string | null;
  @Field(() => VerificationOutcomeEnum, { nullable: true })
  verification?: VerificationOutcomeEnum | null;
  @Field(() => String, { nullable: true })
  verificationMessage?: string | null;
}

@InputType()
export class CommandEventInput extends CommandProgressFields {
  @Field(() => ID, { nullable: true, description: 'The operator, by id… (defaults to the terminal session’s user)' })
  userId?: string | null;
  @Field(() => String, { nullable: true, description: '…or by email.' })
  userEmail?: string | null;
  @Field(() => CommandShellEnum)
  shell!: CommandShellEnum;
  @Field(() => String)
  line!: string;
  @Field(() => String, { nullable: true, description: 'The working directory the line ran in.' })
  workingDirectory?: string | null;
  @Field(() => SessionSourceEnum, { nullable: true, description: 'Defaults to the terminal session’s source.' })
  source?: SessionSourceEnum | null;
  @Field(() => String, { nullable: true, description: 'The eventId of the terminal session it was typed in; the command takes its user and access session.' })
  terminalSessionEventId?: string | null;
  @Field(() => ID, { nullable: true, description: 'The API token that submitted the command.' })
  operatorTokenId?: string | null;
  @Field(() => CommandStatusEnum, { nullable: true, description: 'Defaults to SCHEDULED.' })
  status?: CommandStatusEnum | null;
  @Field(() => Date)
  submittedAt!: Date;
  @Field(() => ID, { nullable: true })
  accessSessionId?: string | null;
}

@InputType()
export class CommandUpdateInput extends CommandProgressFields {
  @Field(() => String, { description: 'The eventId of the COMMAND event.' })
  commandEventId!: string;
  @Field(() => CommandStatusEnum)
  status!: CommandStatusEnum;
  @Field(() => Date, { description: 'When the agent observed this status.' })
  reportedAt!: Date;
}

@InputType()
export class FileTransferEventInput extends PersonFields {
  @Field(() => String)
  username!: string;
  @Field(() => String, { nullable: true })
  groupname?: string | null;
  @Field(() => TransferDirectionEnum)
  direction!: TransferDirectionEnum;
  @Field(() => String)
  objectName!: string;
  @Field(() => String)
  path!: string;
  @Field(() => Float, { nullable: true, description: 'Bytes (a whole number).' })
  sizeBytes?: number | null;
  @Field(() => String, { nullable: true })
  remoteIp?: string | null;
  @Field(() => TransferStatusEnum)
  status!: TransferStatusEnum;
  @Field(() => String, { nullable: true })
  error?: string | null;
  @Field(() => Date)
  occurredAt!: Date;
  @Field(() => ID, { nullable: true })
  accessSessionId?: string | null;
}

@InputType()
export class SystemLogEventInput {
  @Field(() => String)
  program!: string;
  @Field(() => LogLevelEnum)
  level!: LogLevelEnum;
  @Field(() => Int, { nullable: true })
  pid?: number | null;
  @Field(() => String)
  message!: string;
  @Field(() => Date)
  loggedAt!: Date;
}

@InputType()
export class SudoAuthorizationEventInput extends PersonFields {
  @Field(() => String, { description: 'The command, or a pattern when isPattern.' })
  command!: string;
  @Field(() => Boolean, { nullable: true })
  isPattern?: boolean | null;
  @Field(() => SudoGrantSourceEnum)
  grantedVia!: SudoGrantSourceEnum;
  @Field(() => ID, { nullable: true })
  policyId?: string | null;
  @Field(() => ID, { nullable: true })
  approvalId?: string | null;
  @Field(() => ID, { nullable: true })
  grantedByUserId?: string | null;
  @Field(() => Date)
  grantedAt!: Date;
  @Field(() => Date, { nullable: true })
  expiresAt?: Date | null;
  @Field(() => ID, { nullable: true })
  accessSessionId?: string | null;
}

@InputType({ description: 'One event of a batch: its kind, and the payload field of that kind (only that one).' })
export class AgentEventInput {
  @Field(() => String, { description: "The agent's id for the event, unique per server: re-sending it is harmless." })
  eventId!: string;
  @Field(() => AgentEventKindEnum)
  kind!: AgentEventKindEnum;
  @Field(() => TerminalSessionStartedInput, { nullable: true })
  terminalSessionStarted?: TerminalSessionStartedInput | null;
  @Field(() => TerminalSessionEndedInput, { nullable: true })
  terminalSessionEnded?: TerminalSessionEndedInput | null;
  @Field(() => CommandEventInput, { nullable: true })
  command?: CommandEventInput | null;
  @Field(() => CommandUpdateInput, { nullable: true })
  commandUpdate?: CommandUpdateInput | null;
  @Field(() => FileTransferEventInput, { nullable: true })
  fileTransfer?: FileTransferEventInput | null;
  @Field(() => SystemLogEventInput, { nullable: true })
  systemLog?: SystemLogEventInput | null;
  @Field(() => SudoAuthorizationEventInput, { nullable: true })
  sudoAuthorization?: SudoAuthorizationEventInput | null;
}
