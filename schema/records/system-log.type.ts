import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { SystemLogRecord } from '../../server/records/record-types.js';
import { Connection } from '../common/connection.js';
import { LogLevelEnum } from './enums.js';

@ObjectType({ simpleResolvers: true, description: "A log entry forwarded by a server's agent." })
export class SystemLog {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  eventId!: string;
  @Field(() => String)
  program!: string;
  @Field(() => LogLevelEnum)
  level!: LogLevelEnum;
  @Field(() => Int, { nullable: true })
  pid!: number | null;
  @Field(() => String)
  message!: string;
  @Field(() => Date)
  loggedAt!: Date;

  record!: SystemLogRecord;

  static from(record: SystemLogRecord): SystemLog {
    return Object.assign(new SystemLog(), {
      id: record.id,
      eventId: record.eventId,
      program: record.program,
      level: record.level,
      pid: record.pid,
      message: record.message,
      loggedAt: record.loggedAt,
      record,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class SystemLogConnection extends Connection(SystemLog, 'SystemLog') {}
