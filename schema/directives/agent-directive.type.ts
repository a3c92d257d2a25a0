import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../common/connection.js';
import type { AgentDirectiveRecord } from '../../server/directives/directive-record.js';

export enum DirectiveKindEnum {
  TERMINATE_SESSION = 'terminate_session',
  EXPIRE_SUDO = 'expire_sudo',
  ANNOUNCE = 'announce',
}
registerEnumType(DirectiveKindEnum, {
  name: 'DirectiveKind',
  description:
    'TERMINATE_SESSION: end the terminal session now (its shell and processes); EXPIRE_SUDO: drop the sudo grant from any cache; ANNOUNCE: show `reason` to the terminal session’s user (someone watches it live).',
});

export enum DirectiveCauseEnum {
  ACCESS_SESSION_REVOKED = 'access_session.revoked',
  ACCESS_SESSION_ENDED = 'access_session.ended',
  ACCESS_SESSION_EXPIRED = 'access_session.expired',
  USER_DISABLED = 'user.disabled',
  TERMINAL_SESSION_TERMINATED = 'terminal_session.terminated',
  SUDO_REVOKED = 'sudo.revoked',
  RECORDING_WATCHED = 'recording.watched',
}
registerEnumType(DirectiveCauseEnum, { name: 'DirectiveCause', description: 'The change that called for the directive.' });

export enum DirectiveOutcomeEnum {
  DONE = 'done',
  GONE = 'gone',
  FAILED = 'failed',
}
registerEnumType(DirectiveOutcomeEnum, {
  name: 'DirectiveOutcome',
  description: 'DONE: carried out; GONE: nothing to do (the session or grant was already gone); FAILED: the agent could not (see outcomeDetail).',
});

@ObjectType({ simpleResolvers: true, description: 'What Vigil told a server’s agent to do, why, and what the agent answered.' })
export class AgentDirective {
  @Field(() => ID)
  id!: string;
  @Field(() => ID)
  serverId!: string;
  @Field(() => DirectiveKindEnum)
  kind!: DirectiveKindEnum;
  @Field(() => DirectiveCauseEnum)
  cause!: DirectiveCauseEnum;
  @Field(() => String, { nullable: true, description: 'Why, in the words of whoever made the change; an agent may show it to the session’s user.' })
  reason!: string | null;
  @Field(() => ID, { nullable: true })
  terminalSessionId!: string | null;
  @Field(() => String, { nullable: true, description: 'The event id the agent reported that session under: its own name for it.' })
  terminalSessionEventId!: string | null;
  @Field(() => ID, { nullable: true })
  sudoAuthorizationId!: string | null;
  @Field(() => ID, { nullable: true })
  accessSessionId!: string | null;
  @Field(() => ID, { nullable: true, description: 'The person whose change called for it; null when Vigil did (an expiry).' })
  issuedById!: string | null;
  @Field(() => Date)
  issuedAt!: Date;
  @Field(() => Date, { nullable: true })
  acknowledgedAt!: Date | null;
  @Field(() => DirectiveOutcomeEnum, { nullable: true })
  outcome!: DirectiveOutcomeEnum | null;
  @Field(() => String, { nullable: true })
  outcomeDetail!: string | null;

  static from(row: AgentDirectiveRecord): AgentDirective {
    return Object.assign(new AgentDirective(), {
      id: row.id,
      serverId: row.serverId,
      kind: row.kind as DirectiveKindEnum,
      cause: row.cause as DirectiveCauseEnum,
      reason: row.reason,
      terminalSessionId: row.terminalSessionId,
      terminalSessionEventId: row.terminalSessionEventId,
      sudoAuthorizationId: row.sudoAuthorizationId,
      accessSessionId: row.accessSessionId,
      issuedById: row.issuedById,
      issuedAt: row.issuedAt,
      acknowledgedAt: row.acknowledgedAt,
      outcome: row.outcome as DirectiveOutcomeEnum | null,
      outcomeDetail: row.outcomeDetail,
    });
  }
}

@InputType({ description: 'An agent’s answer to a directive.' })
export class DirectiveAcknowledgementInput {
  @Field(() => ID)
  id!: string;
  @Field(() => DirectiveOutcomeEnum)
  outcome!: DirectiveOutcomeEnum;
  @Field(() => String, { nullable: true, description: 'On FAILED: what went wrong (at most 1,000 characters).' })
  detail?: string | null;
  @Field(() => Date, { nullable: true, description: 'When the session actually ended, by the agent’s clock; none: now.' })
  endedAt?: Date | null;
}

@ObjectType({ simpleResolvers: true })
export class AgentDirectiveConnection extends Connection(AgentDirective, 'AgentDirective') {}

@InputType()
export class AgentDirectiveFilterInput {
  @Field(() => ID, { nullable: true })
  serverId?: string | null;
  @Field(() => ID, { nullable: true })
  terminalSessionId?: string | null;
  @Field(() => ID, { nullable: true })
  accessSessionId?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'true: not answered yet; false: answered.' })
  isPending?: boolean | null;
}
