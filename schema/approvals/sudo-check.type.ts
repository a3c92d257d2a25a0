import { Field, ID, ObjectType } from 'type-graphql';
import type { SudoCheckRecord } from '../../server/approvals/approval-types.js';
import { Connection } from '../common/connection.js';
import { SudoCheckOutcomeEnum } from './enums.js';

@ObjectType({ simpleResolvers: true, description: 'An agent’s sudo check and its answer.' })
export class SudoCheck {
  @Field(() => ID)
  id!: string;
  @Field(() => Boolean)
  isAllowed!: boolean;
  @Field(() => SudoCheckOutcomeEnum)
  outcome!: SudoCheckOutcomeEnum;
  @Field(() => String, { description: 'The user as the agent named them.' })
  userRef!: string;
  @Field(() => String)
  command!: string;
  @Field(() => Date)
  checkedAt!: Date;

  record!: SudoCheckRecord;

  static from(record: SudoCheckRecord): SudoCheck {
    return Object.assign(new SudoCheck(), {
      id: record.id,
      isAllowed: record.isAllowed,
      outcome: record.outcome,
      userRef: record.userRef,
      command: record.command,
      checkedAt: record.checkedAt,
      record,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class SudoCheckConnection extends Connection(SudoCheck, 'SudoCheck') {}
