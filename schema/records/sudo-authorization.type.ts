import { Field, ID, ObjectType } from 'type-graphql';
import type { SudoAuthorizationRecord } from '../../server/records/record-types.js';
import { Connection } from '../common/connection.js';
import { SudoGrantSourceEnum } from './enums.js';

@ObjectType({ simpleResolvers: true, description: 'Who may run which privileged command on which server, and how that was granted.' })
export class SudoAuthorization {
  @Field(() => ID)
  id!: string;
  @Field(() => String, { nullable: true })
  eventId!: string | null;
  @Field(() => String, { description: 'The command, or a pattern when isPattern.' })
  command!: string;
  @Field(() => Boolean)
  isPattern!: boolean;
  @Field(() => SudoGrantSourceEnum)
  grantedVia!: SudoGrantSourceEnum;
  @Field(() => ID, { nullable: true })
  policyId!: string | null;
  @Field(() => ID, { nullable: true })
  approvalId!: string | null;
  @Field(() => Date)
  grantedAt!: Date;
  @Field(() => Date, { nullable: true })
  expiresAt!: Date | null;
  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;

  record!: SudoAuthorizationRecord;

  static from(record: SudoAuthorizationRecord): SudoAuthorization {
    return Object.assign(new SudoAuthorization(), {
      id: record.id,
      eventId: record.eventId,
      command: record.command,
      isPattern: record.isPattern,
      grantedVia: record.grantedVia,
      policyId: record.policyId,
      approvalId: record.approvalId,
      grantedAt: record.grantedAt,
      expiresAt: record.expiresAt,
      revokedAt: record.revokedAt,
      record,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class SudoAuthorizationConnection extends Connection(SudoAuthorization, 'SudoAuthorization') {}
