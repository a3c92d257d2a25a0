import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { ApprovalPolicyRecord } from '../../server/approvals/approval-types.js';
import { Connection } from '../common/connection.js';
import { Label } from '../identity/server.type.js';
import { ChatApprovalEnum, ExtensionApprovalEnum, RequestKindEnum } from './enums.js';

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
  @Field(() => Boolean, { description: 'A session on the servers it covers, by its requesters, needs an access session in force (authorizeSession).' })
  isAccessSessionRequired!: boolean;
  @Field(() => Boolean, { description: 'Someone watching a session on its servers live is announced to the session’s user.' })
  isWatchAnnounced!: boolean;
  @Field(() => Boolean, { description: 'The approvers of an access session it governed may watch its terminal sessions live.' })
  canApproversWatch!: boolean;
  @Field(() => ExtensionApprovalEnum, { description: 'How extending a session it governed is decided.' })
  extensionApproval!: ExtensionApprovalEnum;
  @Field(() => Int, {
    nullable: true,
    description: 'The longest a session it governs may last, start to end, extensions included; null: maxDurationMinutes bounds it too.',
  })
  maxTotalDurationMinutes!: number | null;
  @Field(() => Date)
  createdAt!: Date;
  @Field(() => Date)
  updatedAt!: Date;

  /** The policy as stored, for field resolvers of other domains (on-call schedules). */
  record!: ApprovalPolicyRecord;

  static from(record: ApprovalPolicyRecord): ApprovalPolicy {
    return Object.assign(new ApprovalPolicy(), {
      id: record.id,
      name: record.name,
      description: record.description,
      requestKinds: record.requestKinds,
      serverLabels: Object.entries(record.serverLabels).map(([key, value]) => ({ key, value })),
      requesterGroups: record.requesterGroups,
      approverGroups: record.approverGroups,
      isAdminApprover: record.isAdminApprover,
      requiredApprovals: record.requiredApprovals,
      decisionTimeoutMinutes: Math.round(record.decisionTimeoutSeconds / 60),
      isApprovalJustificationRequired: record.isApprovalJustificationRequired,
      autoApproveCommands: record.autoApproveCommands,
      maxDurationMinutes: record.maxDurationSeconds == null ? null : Math.round(record.maxDurationSeconds / 60),
      chatApproval: record.chatApproval as ChatApprovalEnum,
      chatMaxDurationMinutes: record.chatMaxDurationSeconds == null ? null : Math.round(record.chatMaxDurationSeconds / 60),
      priority: record.priority,
      isEnabled: record.isEnabled,
      isAccessSessionRequired: record.requiresAccessSession === true,
      isWatchAnnounced: record.watchAnnounced === true,
      canApproversWatch: record.watchByApprovers === true,
      extensionApproval: (record.extensionApproval ?? 'as_request') as ExtensionApprovalEnum,
      maxTotalDurationMinutes: record.maxTotalDurationSeconds == null ? null : Math.round(record.maxTotalDurationSeconds / 60),
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
      record,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class ApprovalPolicyConnection extends Connection(ApprovalPolicy, 'ApprovalPolicy') {}
