import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { ApprovalDecisionRecord, ApprovalRecord } from '../../server/approvals/approval-types.js';
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

  record!: ApprovalDecisionRecord;

  static from(record: ApprovalDecisionRecord): ApprovalDecision {
    return Object.assign(new ApprovalDecision(), {
      id: record.id,
      decision: record.decision,
      justification: record.justification,
      channel: record.channel,
      chatUserId: record.chatUserId,
      decidedAt: record.decidedAt,
      record,
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
  @Field(() => Int, { nullable: true, description: 'Access: how long the grant lasts once it starts. Extension: how much later the session is to end.' })
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
  @Field(() => Int, { nullable: true, description: 'Access requests and extensions longer than this are decided in Vigil, not in chat.' })
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

  record!: ApprovalRecord;

  static from(record: ApprovalRecord): Approval {
    return Object.assign(new Approval(), {
      id: record.id,
      kind: record.kind,
      status: record.status,
      reason: record.reason,
      command: record.command,
      isPattern: record.isPattern,
      durationMinutes: record.durationSeconds == null ? null : Math.round(record.durationSeconds / 60),
      policyName: record.policyName,
      policyId: record.policyId,
      requiredApprovals: record.requiredApprovals,
      approverGroups: record.approverGroups,
      isAdminApprover: record.isAdminApprover,
      isApprovalJustificationRequired: record.isApprovalJustificationRequired,
      chatApproval: record.chatApproval as ChatApprovalEnum,
      chatMaxDurationMinutes: record.chatMaxDurationSeconds == null ? null : Math.round(record.chatMaxDurationSeconds / 60),
      chatDecisionRefusal: chatDecisionRefusal(record)?.reason ?? null,
      isAutoApproved: record.isAutoApproved,
      requestedAt: record.requestedAt,
      decideBy: record.decideBy,
      closedAt: record.closedAt,
      cancelReason: record.cancelReason,
      record,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class ApprovalConnection extends Connection(Approval, 'Approval') {}
