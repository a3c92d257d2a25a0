import { Field, Int, ObjectType } from 'type-graphql';
import type { ExtensionAllowance as ExtensionAllowanceRecord } from '../../server/approvals/extend-access.js';
import { ExtensionApprovalEnum } from './enums.js';

@ObjectType({
  simpleResolvers: true,
  description: 'Whether and how an access session in force may be extended now (its requester asks with requestExtension), under the policy that governed it.',
})
export class ExtensionAllowance {
  @Field(() => ExtensionApprovalEnum, { description: 'How an extension would be decided: DISABLED means none may be asked.' })
  approval!: ExtensionApprovalEnum;
  @Field(() => Int, {
    nullable: true,
    description: 'Minutes the policy’s total (maxTotalDurationMinutes, else maxDurationMinutes) still allows; 0: no more; null: no limit.',
  })
  remainingMinutes!: number | null;
  @Field(() => Boolean, {
    description: 'Whether an extension is waiting for a decision (no other can be asked meanwhile; AccessSession.pendingExtension is the one).',
  })
  isPending!: boolean;

  record!: ExtensionAllowanceRecord;

  static from(record: ExtensionAllowanceRecord): ExtensionAllowance {
    return Object.assign(new ExtensionAllowance(), {
      approval: record.mode as ExtensionApprovalEnum,
      remainingMinutes: record.remainingMinutes,
      isPending: record.pendingApprovalId !== null,
      record,
    });
  }
}
