import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { AccessReviewItemRecord as AccessReviewItemRow, AccessReviewRecord as AccessReviewRow } from '../../server/reviews/access-reviews.js';
import { Connection } from '../common/connection.js';

export enum AccessReviewGrantKindEnum {
  PERMISSION = 'permission',
  ADMIN_ROLE = 'admin_role',
  GROUP = 'group',
  ROLE_ASSIGNMENT = 'role_assignment',
  SUDO_GRANT = 'sudo_grant',
  API_TOKEN = 'api_token',
  ACCESS_SESSION = 'access_session',
}
registerEnumType(AccessReviewGrantKindEnum, {
  name: 'AccessReviewGrantKind',
  description:
    'A kind of grant a review re-certifies: PERMISSION (a standing permission), ADMIN_ROLE, GROUP (a membership; groups make approvers), ROLE_ASSIGNMENT (a custom role), SUDO_GRANT (sudo an admin granted outside any request), API_TOKEN (a person’s token), ACCESS_SESSION (an access session in force granted for more than a day).',
});

export enum AccessReviewStatusEnum {
  OPEN = 'open',
  COMPLETED = 'completed',
  CANCELLED = 'cancelled',
}
registerEnumType(AccessReviewStatusEnum, { name: 'AccessReviewStatus' });

export enum AccessReviewDecisionEnum {
  KEEP = 'keep',
  REVOKE = 'revoke',
}
registerEnumType(AccessReviewDecisionEnum, { name: 'AccessReviewDecision', description: 'KEEP re-certifies the grant; REVOKE takes it away at once.' });

export enum RevokeOutcomeEnum {
  REVOKED = 'revoked',
  ALREADY_GONE = 'already_gone',
}
registerEnumType(RevokeOutcomeEnum, {
  name: 'AccessReviewRevokeOutcome',
  description: 'What a revoke found: the grant (taken away), or nothing left to take.',
});

@ObjectType({ simpleResolvers: true, description: 'One grant under review and its decision. Its id is its record id in the verifiable log.' })
export class AccessReviewItem {
  @Field(() => ID)
  id!: string;
  @Field(() => ID)
  reviewId!: string;
  @Field(() => AccessReviewGrantKindEnum)
  kind!: AccessReviewGrantKindEnum;
  @Field(() => ID, { nullable: true, description: 'Whose grant; null for a role assigned to a group.' })
  subjectUserId!: string | null;
  @Field(() => String, { description: 'Which grant: a permission’s or group’s name, a sudo grant’s, token’s or role assignment’s id.' })
  grantRef!: string;
  @Field(() => GraphQLJSONObject, { description: 'The grant when the campaign started.' })
  grantSnapshot!: Record<string, unknown>;
  @Field(() => ID, { nullable: true })
  assignedReviewerId!: string | null;
  @Field(() => AccessReviewDecisionEnum, { nullable: true })
  decision!: AccessReviewDecisionEnum | null;
  @Field(() => String, { nullable: true })
  reason!: string | null;
  @Field(() => ID, { nullable: true })
  decidedById!: string | null;
  @Field(() => Date, { nullable: true })
  decidedAt!: Date | null;
  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;
  @Field(() => RevokeOutcomeEnum, { nullable: true })
  revokeOutcome!: RevokeOutcomeEnum | null;

  static from(row: AccessReviewItemRow): AccessReviewItem {
    return Object.assign(new AccessReviewItem(), {
      id: row.id,
      reviewId: row.reviewId,
      kind: row.itemKind as AccessReviewGrantKindEnum,
      subjectUserId: row.subjectUserId,
      grantRef: row.grantRef,
      grantSnapshot: row.grantSnapshot,
      assignedReviewerId: row.assignedReviewerId,
      decision: row.decision as AccessReviewDecisionEnum | null,
      reason: row.reason,
      decidedById: row.decidedById,
      decidedAt: row.decidedAt,
      revokedAt: row.revokedAt,
      revokeOutcome: row.revokeOutcome as RevokeOutcomeEnum | null,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class AccessReviewItemConnection extends Connection(AccessReviewItem, 'AccessReviewItem') {}

@ObjectType({ description: 'How a campaign’s items stand.' })
export class AccessReviewTally {
  @Field(() => Int)
  total!: number;
  @Field(() => Int)
  undecided!: number;
  @Field(() => Int)
  kept!: number;
  @Field(() => Int, { description: 'Revokes that took a grant away.' })
  revoked!: number;
  @Field(() => Int, { description: 'Revokes that found the grant already gone.' })
  alreadyGone!: number;
}

@ObjectType({ description: 'An access review campaign: grants re-certified by reviewers by a due date, optionally recurring.' })
export class AccessReview {
  @Field(() => ID)
  id!: string;
  @Field(() => ID, { description: 'Shared by the campaigns of one recurring review.' })
  seriesId!: string;
  @Field(() => String)
  name!: string;
  @Field(() => String)
  description!: string;
  @Field(() => [AccessReviewGrantKindEnum])
  grantKinds!: AccessReviewGrantKindEnum[];
  @Field(() => Int, { nullable: true })
  tokenMinAgeDays!: number | null;
  @Field(() => [ID])
  reviewerIds!: string[];
  @Field(() => [String])
  reviewerGroups!: string[];
  @Field(() => Date, { description: 'The schedule’s run this campaign belongs to (its creation, for the first).' })
  periodStart!: Date;
  @Field(() => Date)
  dueAt!: Date;
  @Field(() => String, { nullable: true, description: 'A cron expression (five fields), read in timeZone.' })
  recurrence!: string | null;
  @Field(() => String, { nullable: true })
  timeZone!: string | null;
  @Field(() => AccessReviewStatusEnum)
  status!: AccessReviewStatusEnum;
  @Field(() => Date, { nullable: true, description: 'When undecided items past the due date were escalated to the admins.' })
  overdueAt!: Date | null;
  @Field(() => ID, { nullable: true, description: 'Null for a campaign the schedule started.' })
  createdById!: string | null;
  @Field(() => Date)
  createdAt!: Date;
  @Field(() => Date, { nullable: true })
  completedAt!: Date | null;
  @Field(() => Date, { nullable: true })
  cancelledAt!: Date | null;

  static from(row: AccessReviewRow): AccessReview {
    return Object.assign(new AccessReview(), {
      ...row,
      grantKinds: row.grantKinds as AccessReviewGrantKindEnum[],
      status: row.status as AccessReviewStatusEnum,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class AccessReviewConnection extends Connection(AccessReview, 'AccessReview') {}

@InputType()
export class CreateAccessReviewInput {
  @Field(() => String)
  name!: string;
  @Field(() => String, { nullable: true })
  description?: string | null;
  @Field(() => [AccessReviewGrantKindEnum])
  grantKinds!: AccessReviewGrantKindEnum[];
  @Field(() => Int, { nullable: true, description: 'With API_TOKEN: only tokens at least this many days old.' })
  tokenMinAgeDays?: number | null;
  @Field(() => [ID], { nullable: true, description: 'Reviewers by user id. With reviewerGroups empty too, admins review.' })
  reviewerIds?: string[] | null;
  @Field(() => [String], { nullable: true, description: 'Every member of these groups reviews.' })
  reviewerGroups?: string[] | null;
  @Field(() => Date)
  dueAt!: Date;
  @Field(() => String, { nullable: true, description: 'Recurs on this cron expression (five fields), e.g. quarterly `0 9 1 1,4,7,10 *`.' })
  recurrence?: string | null;
  @Field(() => String, { nullable: true, description: 'The IANA time zone the recurrence is read in (default UTC).' })
  timeZone?: string | null;
}

@InputType()
export class AccessReviewItemFilterInput {
  @Field(() => Boolean, { nullable: true, description: 'true: only items waiting for a decision; false: only decided ones.' })
  isUndecided?: boolean | null;
  @Field(() => ID, { nullable: true })
  assignedReviewerId?: string | null;
}
