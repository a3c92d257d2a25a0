import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { SessionSourceEnum } from '../records/enums.js';

export enum SessionDecisionEnum {
  ALLOWED = 'allowed',
  DENIED = 'denied',
  PENDING = 'pending',
}
registerEnumType(SessionDecisionEnum, {
  name: 'SessionDecision',
  description: 'ALLOWED: open the session; DENIED: refuse it; PENDING: refuse it for now, a request of theirs waits for a decision.',
});

export enum SessionCheckReasonEnum {
  NOT_REQUIRED = 'not_required',
  ACCESS_SESSION = 'access_session',
  NO_ACCESS_SESSION = 'no_access_session',
  REQUEST_PENDING = 'request_pending',
  UNKNOWN_USER = 'unknown_user',
  USER_DISABLED = 'user_disabled',
}
registerEnumType(SessionCheckReasonEnum, {
  name: 'SessionCheckReason',
  description:
    'NOT_REQUIRED: no policy asks for an access session on this server; ACCESS_SESSION: one in force allows it; NO_ACCESS_SESSION: the policy asks for one and there is none; REQUEST_PENDING: only a request waits; UNKNOWN_USER, USER_DISABLED.',
});

@InputType()
export class AuthorizeSessionInput {
  @Field(() => String, { nullable: true, description: 'The server by name or id; it must be the agent token’s own.' })
  server?: string | null;
  @Field(() => String, { description: 'The user by id or email.' })
  user!: string;
  @Field(() => SessionSourceEnum, { description: 'How they connect.' })
  source!: SessionSourceEnum;
}

@ObjectType({
  simpleResolvers: true,
  description: 'The answer to an agent asking whether a person may open a session on its server now. Every check is recorded.',
})
export class SessionAuthorization {
  @Field(() => Boolean)
  isAllowed!: boolean;
  @Field(() => SessionDecisionEnum)
  decision!: SessionDecisionEnum;
  @Field(() => SessionCheckReasonEnum)
  reason!: SessionCheckReasonEnum;
  @Field(() => ID, { description: 'The recorded check (kind `session_check` in the event stream).' })
  checkId!: string;
  @Field(() => Date)
  checkedAt!: Date;
  @Field(() => ID, { nullable: true, description: 'The access session that allows it.' })
  accessSessionId!: string | null;
  @Field(() => Date, { nullable: true, description: 'When that access session ends: the session should end by then (a directive will say so).' })
  allowedUntil!: Date | null;
  @Field(() => ID, { nullable: true, description: 'The request waiting for a decision (PENDING).' })
  approvalId!: string | null;
  @Field(() => ID, { nullable: true, description: 'The approval policy that asks for an access session here.' })
  policyId!: string | null;
  @Field(() => String, {
    nullable: true,
    description:
      'Where to go next: the waiting request (VIGIL_APPROVAL_URL) when PENDING, where to ask for access (VIGIL_ACCESS_REQUEST_URL) when refused for want of one; null when unset.',
  })
  url!: string | null;
}
