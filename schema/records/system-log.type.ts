import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { SystemLogRow } from '../../server/db/tables/index.js';
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

  row!: SystemLogRow;

  static from(row: SystemLogRow): SystemLog {
    return Object.assign(new SystemLog(), {
      id: row.id,
      eventId: row.eventId,
      program: row.program,
      level: row.level,
      pid: row.pid,
      message: row.message,
      loggedAt: row.loggedAt,
      row,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class SystemLogConnection extends Connection(SystemLog, 'SystemLog') {}
