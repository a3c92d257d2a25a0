import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { ApprovalPolicyRow } from '../../server/db/tables/index.js';
import { Connection } from '../common/connection.js';
import { Label } from '../identity/server.type.js';
import { ChatApprovalEnum, RequestKindEnum } from './enums.js';

@ObjectType({ simpleResolvers: true, description: 'Who may approve which requests, how many approvals they need and how fast.' })
export class ApprovalPolicy {
  @Field(() => ID)
  id!: string;
  @Field(() => String)
  name!: string;
  @Field(() => String, { nullable: true })
  description!: string | null;
  @Field(() => [RequestKindEnum])
  requestKinds!: RequestKindEnum[];
  @Field(() => [Label], { description: 'The policy covers requests for any server carrying all of these (empty: every server).' })
  serverLabels!: Label[];
  @Field(() => [String], { description: 'The policy covers requests by members of these groups (empty: everyone).' })
  requesterGroups!: string[];
  @Field(() => [String])
  approverGroups!: string[];
  @Field(() => Boolean)
  isAdminApprover!: boolean;
  @Field(() => Int, { description: 'Distinct approvals needed; 0 approves on the spot.' })
  requiredApprovals!: number;
  @Field(() => Int)
  decisionTimeoutMinutes!: number;
  @Field(() => Boolean)
  isApprovalJustificationRequired!: boolean;
  @Field(() => [String], { description: 'Sudo commands or `*` patterns granted without review.' })
  autoApproveCommands!: string[];
  @Field(() => Int, { nullable: true })
  maxDurationMinutes!: number | null;
  @Field(() => ChatApprovalEnum)
  chatApproval!: ChatApprovalEnum;
  @Field(() => Int, { nullable: true, description: 'Access requests longer than this get no buttons in chat.' })
  chatMaxDurationMinutes!: number | null;
  @Field(() => Int, { description: 'Of several matching policies, the highest priority governs.' })
  priority!: number;
  @Field(() => Boolean)
  isEnabled!: boolean;
  @Field(() => Date)
  createdAt!: Date;
  @Field(() => Date)
  updatedAt!: Date;

  static from(row: ApprovalPolicyRow): ApprovalPolicy {
    return Object.assign(new ApprovalPolicy(), {
      id: row.id,
      name: row.name,
      description: row.description,
      requestKinds: row.requestKinds,
      serverLabels: Object.entries(row.serverLabels).map(([key, value]) => ({ key, value })),
      requesterGroups: row.requesterGroups,
      approverGroups: row.approverGroups,
      isAdminApprover: row.isAdminApprover,
      requiredApprovals: row.requiredApprovals,
      decisionTimeoutMinutes: Math.round(row.decisionTimeoutSeconds / 60),
      isApprovalJustificationRequired: row.isApprovalJustificationRequired,
      autoApproveCommands: row.autoApproveCommands,
      maxDurationMinutes: row.maxDurationSeconds == null ? null : Math.round(row.maxDurationSeconds / 60),
      chatApproval: row.chatApproval as ChatApprovalEnum,
      chatMaxDurationMinutes: row.chatMaxDurationSeconds == null ? null : Math.round(row.chatMaxDurationSeconds / 60),
      priority: row.priority,
      isEnabled: row.isEnabled,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class ApprovalPolicyConnection extends Connection(ApprovalPolicy, 'ApprovalPolicy') {}
