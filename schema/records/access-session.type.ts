import { Field, ID, ObjectType } from 'type-graphql';
import type { AccessSessionRecord } from '../../server/records/record-types.js';
import { Connection } from '../common/connection.js';
import { Label } from '../identity/server.type.js';
import { AccessSessionStatusEnum } from './enums.js';

@ObjectType({
  simpleResolvers: true,
  description: 'A scoped, time-bounded grant of access to servers: who asked, who approved, what was in scope, how it ended.',
})
export class AccessSession {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  reason!: string;
  @Field(() => AccessSessionStatusEnum)
  status!: AccessSessionStatusEnum;
  @Field(() => Boolean)
  isSudoAllowed!: boolean;
  @Field(() => [Label], { description: 'Servers in scope by label, as requested.' })
  serverLabels!: Label[];
  @Field(() => ID, { nullable: true })
  approvalId!: string | null;
  @Field(() => Date)
  requestedAt!: Date;
  @Field(() => Date, { nullable: true })
  startsAt!: Date | null;
  @Field(() => Date, { nullable: true })
  expiresAt!: Date | null;
  @Field(() => Date, { nullable: true })
  endedAt!: Date | null;
  @Field(() => String, { nullable: true })
  endReason!: string | null;

  record!: AccessSessionRecord;

  static from(record: AccessSessionRecord): AccessSession {
    return Object.assign(new AccessSession(), {
      id: record.id,
      reason: record.reason,
      status: record.status,
      isSudoAllowed: record.isSudoAllowed,
      serverLabels: Object.entries(record.serverLabels).map(([key, value]) => ({ key, value })),
      approvalId: record.approvalId,
      requestedAt: record.requestedAt,
      startsAt: record.startsAt,
      expiresAt: record.expiresAt,
      endedAt: record.endedAt,
      endReason: record.endReason,
      record,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class AccessSessionConnection extends Connection(AccessSession, 'AccessSession') {}
