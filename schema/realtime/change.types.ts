import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { AuditEntry } from '../audit/audit-entry.type.js';
import { Command } from '../records/command.type.js';
import { AgentEventKindEnum } from '../records/enums.js';
import { FileTransfer } from '../records/file-transfer.type.js';
import { SudoAuthorization } from '../records/sudo-authorization.type.js';
import { SystemLog } from '../records/system-log.type.js';
import { TerminalSession } from '../records/terminal-session.type.js';

export enum RecordChangeEnum {
  CREATED = 'created',
  UPDATED = 'updated',
  ENDED = 'ended',
}
registerEnumType(RecordChangeEnum, {
  name: 'RecordChange',
  description: 'What happened to a record: made, its status changed, or (a terminal session) ended.',
});

@ObjectType({ simpleResolvers: true, description: 'A command made or changed (a status report, or Vigil marking it unresponsive).' })
export class CommandChange {
  @Field(() => RecordChangeEnum)
  change!: RecordChangeEnum;
  @Field(() => Command)
  command!: Command;
}

@ObjectType({ simpleResolvers: true, description: 'A terminal session started or ended.' })
export class TerminalSessionChange {
  @Field(() => RecordChangeEnum)
  change!: RecordChangeEnum;
  @Field(() => TerminalSession)
  terminalSession!: TerminalSession;
}

@ObjectType({ simpleResolvers: true, description: 'A record an agent reported; the field named by `kind` is set.' })
export class RecordedEvent {
  @Field(() => AgentEventKindEnum)
  kind!: AgentEventKindEnum;
  @Field(() => RecordChangeEnum)
  change!: RecordChangeEnum;
  @Field(() => TerminalSession, { nullable: true })
  terminalSession!: TerminalSession | null;
  @Field(() => Command, { nullable: true })
  command!: Command | null;
  @Field(() => FileTransfer, { nullable: true })
  fileTransfer!: FileTransfer | null;
  @Field(() => SystemLog, { nullable: true })
  systemLog!: SystemLog | null;
  @Field(() => SudoAuthorization, { nullable: true })
  sudoAuthorization!: SudoAuthorization | null;
}

export { AuditEntry };
