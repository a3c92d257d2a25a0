import { Field, ID, ObjectType } from 'type-graphql';
import type { SudoAuthorizationRow } from '../../server/db/tables/index.js';
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

  row!: SudoAuthorizationRow;

  static from(row: SudoAuthorizationRow): SudoAuthorization {
    return Object.assign(new SudoAuthorization(), {
      id: row.id,
      eventId: row.eventId,
      command: row.command,
      isPattern: row.isPattern,
      grantedVia: row.grantedVia,
      policyId: row.policyId,
      approvalId: row.approvalId,
      grantedAt: row.grantedAt,
      expiresAt: row.expiresAt,
      revokedAt: row.revokedAt,
      row,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class SudoAuthorizationConnection extends Connection(SudoAuthorization, 'SudoAuthorization') {}
