import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { ApprovalDecisionRow, ApprovalRow } from '../../server/db/tables/index.js';
import { Connection } from '../common/connection.js';
import { chatDecisionRefusal } from '../../server/approvals/chat-approval.js';
import { ApprovalStatusEnum, ChatApprovalEnum, DecisionChannelEnum, DecisionEnum, RequestKindEnum } from './enums.js';

@ObjectType({ simpleResolvers: true, description: 'One reviewer’s decision on a request.' })
export class ApprovalDecision {
  @Field(() => ID)
  id!: string;
  @Field(() => DecisionEnum)
  decision!: DecisionEnum;
  @Field(() => String, { nullable: true })
  justification!: string | null;
  @Field(() => DecisionChannelEnum)
  channel!: DecisionChannelEnum;
  @Field(() => String, { nullable: true, description: 'The Slack or Teams user who clicked, for chat decisions.' })
  chatUserId!: string | null;
  @Field(() => Date)
  decidedAt!: Date;

  row!: ApprovalDecisionRow;

  static from(row: ApprovalDecisionRow): ApprovalDecision {
    return Object.assign(new ApprovalDecision(), {
      id: row.id,
      decision: row.decision,
      justification: row.justification,
      channel: row.channel,
      chatUserId: row.chatUserId,
      decidedAt: row.decidedAt,
      row,
    });
  }
}

@ObjectType({ simpleResolvers: true, description: 'A request for access or sudo, the rules it is held to, and how it was decided.' })
export class Approval {
  @Field(() => ID)
  id!: string;
  @Field(() => RequestKindEnum)
  kind!: RequestKindEnum;
  @Field(() => ApprovalStatusEnum)
  status!: ApprovalStatusEnum;
  @Field(() => String)
  reason!: string;
  @Field(() => String, { nullable: true, description: 'Sudo: the command, or a pattern when isPattern.' })
  command!: string | null;
  @Field(() => Boolean)
  isPattern!: boolean;
  @Field(() => Int, { nullable: true, description: 'Access: how long the grant lasts once it starts.' })
  durationMinutes!: number | null;
  @Field(() => String, { nullable: true, description: 'The governing policy’s name when the request was made; null under the default rules.' })
  policyName!: string | null;
  @Field(() => ID, { nullable: true })
  policyId!: string | null;
  @Field(() => Int, { description: 'Distinct approvals the request needs.' })
  requiredApprovals!: number;
  @Field(() => [String], { description: 'Groups whose members (with approvals.decide) may decide; empty means any holder of approvals.decide.' })
  approverGroups!: string[];
  @Field(() => Boolean)
  isAdminApprover!: boolean;
  @Field(() => Boolean, { description: 'Whether approving needs a justification (denying always does).' })
  isApprovalJustificationRequired!: boolean;
  @Field(() => ChatApprovalEnum, { description: 'Whether it may be decided in Slack or Teams (copied from its policy).' })
  chatApproval!: ChatApprovalEnum;
  @Field(() => Int, { nullable: true, description: 'Access requests longer than this are decided in Vigil, not in chat.' })
  chatMaxDurationMinutes!: number | null;
  @Field(() => String, { nullable: true, description: 'Why it cannot be decided in Slack or Teams (its policy); null when it can.' })
  chatDecisionRefusal!: string | null;
  @Field(() => Boolean, { description: 'Approved by policy, with no reviewer.' })
  isAutoApproved!: boolean;
  @Field(() => Date)
  requestedAt!: Date;
  @Field(() => Date, { description: 'When the request expires if still undecided.' })
  decideBy!: Date;
  @Field(() => Date, { nullable: true, description: 'When it stopped being pending.' })
  closedAt!: Date | null;
  @Field(() => String, { nullable: true })
  cancelReason!: string | null;

  row!: ApprovalRow;

  static from(row: ApprovalRow): Approval {
    return Object.assign(new Approval(), {
      id: row.id,
      kind: row.kind,
      status: row.status,
      reason: row.reason,
      command: row.command,
      isPattern: row.isPattern,
      durationMinutes: row.durationSeconds == null ? null : Math.round(row.durationSeconds / 60),
      policyName: row.policyName,
      policyId: row.policyId,
      requiredApprovals: row.requiredApprovals,
      approverGroups: row.approverGroups,
      isAdminApprover: row.isAdminApprover,
      isApprovalJustificationRequired: row.isApprovalJustificationRequired,
      chatApproval: row.chatApproval as ChatApprovalEnum,
      chatMaxDurationMinutes: row.chatMaxDurationSeconds == null ? null : Math.round(row.chatMaxDurationSeconds / 60),
      chatDecisionRefusal: chatDecisionRefusal(row)?.reason ?? null,
      isAutoApproved: row.isAutoApproved,
      requestedAt: row.requestedAt,
      decideBy: row.decideBy,
      closedAt: row.closedAt,
      cancelReason: row.cancelReason,
      row,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class ApprovalConnection extends Connection(Approval, 'Approval') {}
