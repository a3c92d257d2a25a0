import { Field, Float, ID, ObjectType } from 'type-graphql';
import type { TerminalSessionRecord } from '../../server/records/record-types.js';
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
  @Field(() => String, {
    nullable: true,
    description:
      'Why Vigil ended it, when it did (its agent carried out a directive): the cause and reason, e.g. `access_session.revoked: credentials leaked`. Null for a session its user closed.',
  })
  endReason!: string | null;
  @Field(() => ID, { nullable: true })
  approvalId!: string | null;

  record!: TerminalSessionRecord;

  static from(record: TerminalSessionRecord): TerminalSession {
    return Object.assign(new TerminalSession(), {
      id: record.id,
      eventId: record.eventId,
      username: record.username,
      groupname: record.groupname,
      source: record.source,
      startedAt: record.startedAt,
      endedAt: record.endedAt,
      durationSeconds: record.endedAt ? (record.endedAt.getTime() - record.startedAt.getTime()) / 1000 : null,
      isActive: record.endedAt === null,
      endReason: record.endReason,
      approvalId: record.approvalId,
      record,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class TerminalSessionConnection extends Connection(TerminalSession, 'TerminalSession') {}
