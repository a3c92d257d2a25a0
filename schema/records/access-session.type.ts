import { Field, ID, ObjectType } from 'type-graphql';
import type { AccessSessionRow } from '../../server/db/tables/index.js';
import { Connection } from '../common/connection.js';
import { Label } from '../identity/server.type.js';
import { AccessSessionStatusEnum } from './enums.js';

@ObjectType({ simpleResolvers: true, description: 'A scoped, time-bounded grant of access to servers: who asked, who approved, what was in scope, how it ended.' })
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

  row!: AccessSessionRow;

  static from(row: AccessSessionRow): AccessSession {
    return Object.assign(new AccessSession(), {
      id: row.id,
      reason: row.reason,
      status: row.status,
      isSudoAllowed: row.isSudoAllowed,
      serverLabels: Object.entries(row.serverLabels).map(([key, value]) => ({ key, value })),
      approvalId: row.approvalId,
      requestedAt: row.requestedAt,
      startsAt: row.startsAt,
      expiresAt: row.expiresAt,
      endedAt: row.endedAt,
      endReason: row.endReason,
      row,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class AccessSessionConnection extends Connection(AccessSession, 'AccessSession') {}
