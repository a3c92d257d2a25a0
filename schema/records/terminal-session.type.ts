import { Field, Float, ID, ObjectType } from 'type-graphql';
import type { TerminalSessionRow } from '../../server/db/tables/index.js';
import { Connection } from '../common/connection.js';
import { SessionSourceEnum } from './enums.js';

@ObjectType({ simpleResolvers: true, description: 'A terminal (websh) session opened on a server.' })
export class TerminalSession {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  eventId!: string;
  @Field(() => String, { description: 'The account on the server.' })
  username!: string;
  @Field(() => String, { nullable: true })
  groupname!: string | null;
  @Field(() => SessionSourceEnum)
  source!: SessionSourceEnum;
  @Field(() => Date)
  startedAt!: Date;
  @Field(() => Date, { nullable: true })
  endedAt!: Date | null;
  @Field(() => Float, { nullable: true, description: 'Seconds from start to end (null while open).' })
  durationSeconds!: number | null;
  @Field(() => Boolean)
  isActive!: boolean;
  @Field(() => ID, { nullable: true })
  approvalId!: string | null;

  row!: TerminalSessionRow;

  static from(row: TerminalSessionRow): TerminalSession {
    return Object.assign(new TerminalSession(), {
      id: row.id,
      eventId: row.eventId,
      username: row.username,
      groupname: row.groupname,
      source: row.source,
      startedAt: row.startedAt,
      endedAt: row.endedAt,
      durationSeconds: row.endedAt ? (row.endedAt.getTime() - row.startedAt.getTime()) / 1000 : null,
      isActive: row.endedAt === null,
      approvalId: row.approvalId,
      row,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class TerminalSessionConnection extends Connection(TerminalSession, 'TerminalSession') {}
