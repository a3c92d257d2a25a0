import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type { CommandRecord } from '../../server/records/record-types.js';
import { Connection } from '../common/connection.js';
import { CommandShellEnum, CommandStatusEnum, SessionSourceEnum, VerificationOutcomeEnum } from './enums.js';

const secondsBetween = (from: Date | null, to: Date | null) => (from && to ? Math.max(0, (to.getTime() - from.getTime()) / 1000) : null);

@ObjectType({ simpleResolvers: true, description: 'A command run on a server.' })
export class Command {
  @Field(() => ID)
  id!: string;
  @Field(() => String, { description: "The reporting agent's id for the command." })
  eventId!: string;
  @Field(() => CommandShellEnum)
  shell!: CommandShellEnum;
  @Field(() => SessionSourceEnum, { nullable: true })
  source!: SessionSourceEnum | null;
  @Field(() => String)
  line!: string;
  @Field(() => String, { nullable: true, description: 'The working directory the line ran in, when the agent reported it.' })
  workingDirectory!: string | null;
  @Field(() => CommandStatusEnum)
  status!: CommandStatusEnum;
  @Field(() => Int, { nullable: true })
  exitCode!: number | null;
  @Field(() => VerificationOutcomeEnum)
  verification!: VerificationOutcomeEnum;
  @Field(() => String, { nullable: true })
  verificationMessage!: string | null;
  @Field(() => Date)
  submittedAt!: Date;
  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;
  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;
  @Field(() => Float, { nullable: true, description: 'Seconds between submission and pickup by the server.' })
  delaySeconds!: number | null;
  @Field(() => Float, { nullable: true, description: 'Seconds the command ran (null until it finishes).' })
  elapsedSeconds!: number | null;
  @Field(() => ID, { nullable: true, description: 'The approval that granted the access session this command ran in.' })
  approvalId!: string | null;

  record!: CommandRecord;

  // Property by property rather than Object.assign of a literal: a page makes hundreds.
  static from(record: CommandRecord): Command {
    const command = new Command();
    command.id = record.id;
    command.eventId = record.eventId;
    command.shell = record.shell as CommandShellEnum;
    command.source = record.source as SessionSourceEnum | null;
    command.line = record.line;
    command.workingDirectory = record.workingDirectory;
    command.status = record.status as CommandStatusEnum;
    command.exitCode = record.exitCode;
    command.verification = record.verification as VerificationOutcomeEnum;
    command.verificationMessage = record.verificationMessage;
    command.submittedAt = record.submittedAt;
    command.startedAt = record.startedAt;
    command.finishedAt = record.finishedAt;
    command.delaySeconds = secondsBetween(record.submittedAt, record.startedAt);
    command.elapsedSeconds = secondsBetween(record.startedAt, record.finishedAt);
    command.approvalId = record.approvalId;
    command.record = record;
    return command;
  }
}

type CommandColumn = keyof CommandRecord;

/**
 * The record's columns each field of Command reads: in Command.from, in CommandResolver's field
 * resolvers (their field rules included) and in resolvers elsewhere that add fields to it
 * (logLeaf). A page reads only what its fields need. A field missing here makes the page read
 * whole rows, so a new field is never answered from a column not read; a field listed with too few
 * columns fails test/records/command-columns.test.ts, which compares every field both ways.
 */
const COMMAND_FIELD_COLUMNS: Readonly<Record<string, readonly CommandColumn[]>> = {
  __typename: [],
  id: ['id'],
  eventId: ['eventId'],
  shell: ['shell'],
  source: ['source'],
  line: ['line'],
  workingDirectory: ['workingDirectory'],
  status: ['status'],
  exitCode: ['exitCode'],
  verification: ['verification'],
  verificationMessage: ['verificationMessage'],
  submittedAt: ['submittedAt'],
  startedAt: ['startedAt'],
  finishedAt: ['finishedAt'],
  delaySeconds: ['submittedAt', 'startedAt'],
  elapsedSeconds: ['startedAt', 'finishedAt'],
  approvalId: ['approvalId'],
  result: ['result', 'operatorUserId'],
  server: ['serverId'],
  operator: ['operatorUserId'],
  operatorToken: ['operatorTokenId', 'operatorUserId'],
  terminalSession: ['terminalSessionId'],
  accessSession: ['accessSessionId'],
  // schema/log/record-leaf.resolver.ts: the leaf of the record's id.
  logLeaf: ['id'],
};

/** The list's keys (id, submittedAt) are always read: the page's cursors are made of them. */
const COMMAND_KEY_COLUMNS: readonly CommandColumn[] = ['id', 'submittedAt'];

/** The columns a page of commands needs for `fields`; undefined (whole rows) when one is not known. */
export function commandColumnsFor(fields: Iterable<string>): CommandColumn[] | undefined {
  const columns = new Set<CommandColumn>(COMMAND_KEY_COLUMNS);
  for (const field of fields) {
    const needed = COMMAND_FIELD_COLUMNS[field];
    if (!needed) return undefined;
    for (const column of needed) columns.add(column);
  }
  return [...columns];
}

@ObjectType({ simpleResolvers: true })
export class CommandConnection extends Connection(Command, 'Command') {}
