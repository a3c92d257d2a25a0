import { Field, ID, ObjectType } from 'type-graphql';
import type { SudoCheckRow } from '../../server/db/tables/index.js';
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

  row!: SudoCheckRow;

  static from(row: SudoCheckRow): SudoCheck {
    return Object.assign(new SudoCheck(), {
      id: row.id,
      isAllowed: row.isAllowed,
      outcome: row.outcome,
      userRef: row.userRef,
      command: row.command,
      checkedAt: row.checkedAt,
      row,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class SudoCheckConnection extends Connection(SudoCheck, 'SudoCheck') {}
