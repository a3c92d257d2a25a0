import { OnCallScheduleInput } from '../oncall/inputs.js';
import { Field, ID, InputType, Int } from 'type-graphql';
import { LabelInput } from '../identity/inputs.js';
import { TimeRangeInput } from '../records/filters.js';
import { ApprovalStatusEnum, ChatApprovalEnum, DecisionChannelEnum, ExtensionApprovalEnum, RequestKindEnum, SudoCheckOutcomeEnum } from './enums.js';

@InputType()
export class RequestAccessInput {
  @Field(() => [String], { nullable: true, description: 'Servers by name or id.' })
  servers?: string[] | null;
  @Field(() => [LabelInput], { nullable: true, description: 'Also every server in service carrying all of these labels.' })
  serverLabels?: LabelInput[] | null;
  @Field(() => Int, { description: 'How long the access lasts once it starts.' })
  durationMinutes!: number;
  @Field(() => String)
  reason!: string;
  @Field(() => Boolean, { nullable: true, description: 'Ask for sudo on every server in scope, for the whole session.' })
  isSudoRequested?: boolean | null;
  @Field(() => Date, { nullable: true, description: 'Start later than the approval (a maintenance window).' })
  startsAt?: Date | null;
}

@InputType()
export class RequestSudoInput {
  @Field(() => String, { description: 'The server, by name or id; an access session in force must cover it.' })
  server!: string;
  @Field(() => String)
  command!: string;
  @Field(() => Boolean, { nullable: true, description: 'The command is a pattern: `*` stands for any run of characters.' })
  isPattern?: boolean | null;
  @Field(() => String)
  reason!: string;
  @Field(() => ID, { nullable: true, description: 'The access session to ask in; by default the one in force that covers the server.' })
  accessSessionId?: string | null;
}

@InputType()
export class RequestExtensionInput {
  @Field(() => ID, { description: 'Your access session in force to extend.' })
  accessSessionId!: string;
  @Field(() => Int, { description: 'How much later the session is to end.' })
  durationMinutes!: number;
  @Field(() => String)
  reason!: string;
}

@InputType()
export class GrantSudoInput {
  @Field(() => String, { description: 'The server, by name or id.' })
  server!: string;
  @Field(() => String, { description: 'The user, by id or email.' })
  user!: string;
  @Field(() => String)
  command!: string;
  @Field(() => Boolean, { nullable: true })
  isPattern?: boolean | null;
  @Field(() => Int, { nullable: true, description: 'How long the grant lasts; until revoked when omitted.' })
  durationMinutes?: number | null;
  @Field(() => String)
  reason!: string;
}

@InputType()
export class AuthorizeSudoInput {
  @Field(() => String, { nullable: true, description: 'The server by name or id; it must be the agent token’s own.' })
  server?: string | null;
  @Field(() => String, { description: 'The user by id or email.' })
  user!: string;
  @Field(() => String)
  command!: string;
}

@InputType()
export class CreateApprovalPolicyInput {
  @Field(() => String)
  name!: string;
  @Field(() => String, { nullable: true })
  description?: string | null;
  @Field(() => [RequestKindEnum])
  requestKinds!: RequestKindEnum[];
  @Field(() => [LabelInput], { nullable: true })
  serverLabels?: LabelInput[] | null;
  @Field(() => [String], { nullable: true })
  requesterGroups?: string[] | null;
  @Field(() => [String], { nullable: true })
  approverGroups?: string[] | null;
  @Field(() => Boolean, { nullable: true, description: 'Default true.' })
  isAdminApprover?: boolean | null;
  @Field(() => Int, { nullable: true, description: 'Default 1; 0 approves on the spot.' })
  requiredApprovals?: number | null;
  @Field(() => Int, { nullable: true, description: 'Default 60.' })
  decisionTimeoutMinutes?: number | null;
  @Field(() => Boolean, { nullable: true })
  isApprovalJustificationRequired?: boolean | null;
  @Field(() => [String], { nullable: true })
  autoApproveCommands?: string[] | null;
  @Field(() => Int, { nullable: true })
  maxDurationMinutes?: number | null;
  @Field(() => ChatApprovalEnum, { nullable: true, description: 'Default ALLOWED.' })
  chatApproval?: ChatApprovalEnum | null;
  @Field(() => Int, { nullable: true, description: 'Access requests longer than this get no buttons in chat, only a link (default: no limit).' })
  chatMaxDurationMinutes?: number | null;
  @Field(() => Int, { nullable: true, description: 'Default 0.' })
  priority?: number | null;
  @Field(() => Boolean, { nullable: true, description: 'Default true.' })
  isEnabled?: boolean | null;
  @Field(() => Boolean, {
    nullable: true,
    description:
      'Whether a session on the servers this policy covers, by its requesters, needs an access session in force (what authorizeSession answers by). Default false.',
  })
  isAccessSessionRequired?: boolean | null;
  @Field(() => Boolean, {
    nullable: true,
    description: 'Whether someone watching such a session live is announced to its user (through the agent). Default false.',
  })
  isWatchAnnounced?: boolean | null;
  @Field(() => Boolean, {
    nullable: true,
    description:
      'Whether the approvers of an access session this policy governed may watch its terminal sessions live, without session_recordings.view. Default false.',
  })
  canApproversWatch?: boolean | null;
  @Field(() => ExtensionApprovalEnum, { nullable: true, description: 'How extending a session it governs is decided. Default AS_REQUEST.' })
  extensionApproval?: ExtensionApprovalEnum | null;
  @Field(() => Int, {
    nullable: true,
    description:
      'The longest a session it governs may last, start to end, extensions included (at least maxDurationMinutes). Default: maxDurationMinutes bounds it too.',
  })
  maxTotalDurationMinutes?: number | null;
  @Field(() => [OnCallScheduleInput], {
    nullable: true,
    description: 'On-call schedules whose people on call may approve (with approvals.decide), besides the approver groups. Default none.',
  })
  onCallSchedules?: OnCallScheduleInput[] | null;
  @Field(() => Boolean, {
    nullable: true,
    description:
      'Approve on the spot a request by someone on call now for one of onCallSchedules (audited as such; refused when no provider can say). Default false.',
  })
  isOnCallRequesterAutoApproved?: boolean | null;
}

@InputType({ description: 'The fields to change; omitted fields keep their value.' })
export class UpdateApprovalPolicyInput {
  @Field(() => String, { nullable: true })
  name?: string | null;
  @Field(() => String, { nullable: true })
  description?: string | null;
  @Field(() => [RequestKindEnum], { nullable: true })
  requestKinds?: RequestKindEnum[] | null;
  @Field(() => [LabelInput], { nullable: true })
  serverLabels?: LabelInput[] | null;
  @Field(() => [String], { nullable: true })
  requesterGroups?: string[] | null;
  @Field(() => [String], { nullable: true })
  approverGroups?: string[] | null;
  @Field(() => Boolean, { nullable: true })
  isAdminApprover?: boolean | null;
  @Field(() => Int, { nullable: true })
  requiredApprovals?: number | null;
  @Field(() => Int, { nullable: true })
  decisionTimeoutMinutes?: number | null;
  @Field(() => Boolean, { nullable: true })
  isApprovalJustificationRequired?: boolean | null;
  @Field(() => [String], { nullable: true })
  autoApproveCommands?: string[] | null;
  @Field(() => Int, { nullable: true })
  maxDurationMinutes?: number | null;
  @Field(() => ChatApprovalEnum, { nullable: true })
  chatApproval?: ChatApprovalEnum | null;
  @Field(() => Int, { nullable: true })
  chatMaxDurationMinutes?: number | null;
  @Field(() => Int, { nullable: true })
  priority?: number | null;
  @Field(() => Boolean, { nullable: true })
  isEnabled?: boolean | null;
  @Field(() => Boolean, { nullable: true })
  isAccessSessionRequired?: boolean | null;
  @Field(() => Boolean, { nullable: true })
  isWatchAnnounced?: boolean | null;
  @Field(() => Boolean, { nullable: true })
  canApproversWatch?: boolean | null;
  @Field(() => ExtensionApprovalEnum, { nullable: true })
  extensionApproval?: ExtensionApprovalEnum | null;
  @Field(() => Int, { nullable: true })
  maxTotalDurationMinutes?: number | null;
  @Field(() => [OnCallScheduleInput], {
    nullable: true,
    description: 'On-call schedules whose people on call may approve (with approvals.decide), besides the approver groups. Default none.',
  })
  onCallSchedules?: OnCallScheduleInput[] | null;
  @Field(() => Boolean, {
    nullable: true,
    description:
      'Approve on the spot a request by someone on call now for one of onCallSchedules (audited as such; refused when no provider can say). Default false.',
  })
  isOnCallRequesterAutoApproved?: boolean | null;
}

@InputType()
export class ApprovalFilterInput extends TimeRangeInput {
  @Field(() => [ApprovalStatusEnum], { nullable: true })
  status?: ApprovalStatusEnum[] | null;
  @Field(() => [RequestKindEnum], { nullable: true })
  kind?: RequestKindEnum[] | null;
  @Field(() => ID, { nullable: true })
  requesterId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Requests this person made a decision on.' })
  reviewerId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Sudo requests for this server, and access requests covering it.' })
  serverId?: string | null;
  @Field(() => ID, { nullable: true })
  policyId?: string | null;
  @Field(() => ID, { nullable: true })
  accessSessionId?: string | null;
  @Field(() => DecisionChannelEnum, { nullable: true, description: 'Requests with a decision made in this channel.' })
  channel?: DecisionChannelEnum | null;
}

@InputType()
export class SudoCheckFilterInput extends TimeRangeInput {
  @Field(() => ID, { nullable: true })
  serverId?: string | null;
  @Field(() => ID, { nullable: true })
  userId?: string | null;
  @Field(() => Boolean, { nullable: true })
  isAllowed?: boolean | null;
  @Field(() => [SudoCheckOutcomeEnum], { nullable: true })
  outcome?: SudoCheckOutcomeEnum[] | null;
}
