import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { ActivityEntryRecord } from '../../server/records/record-types.js';
import { Connection } from '../common/connection.js';

@ObjectType({ simpleResolvers: true, description: 'A workspace activity-log entry: sign-ins, permission changes, tokens, settings, resource access.' })
export class ActivityEntry {
  @Field(() => ID)
  id!: string;
  @Field(() => String, { nullable: true, description: 'The email as known, or as typed in a failed sign-in.' })
  userEmail!: string | null;
  @Field(() => String, { description: 'e.g. user.role_changed, auth.sign_in_failed (see ActivityAction).' })
  action!: string;
  @Field(() => Int, { description: 'HTTP-like result: 200 done, 401 refused credentials, 403 not allowed.' })
  result!: number;
  @Field(() => String, { nullable: true })
  ipAddress!: string | null;
  @Field(() => String, { nullable: true })
  userAgent!: string | null;
  @Field(() => GraphQLJSONObject)
  details!: Record<string, unknown>;
  @Field(() => String, { nullable: true })
  requestId!: string | null;
  @Field(() => Date)
  occurredAt!: Date;

  record!: ActivityEntryRecord;

  static from(record: ActivityEntryRecord): ActivityEntry {
    return Object.assign(new ActivityEntry(), {
      id: record.id,
      userEmail: record.userEmail,
      action: record.action,
      result: record.result,
      ipAddress: record.ipAddress,
      userAgent: record.userAgent,
      details: record.details,
      requestId: record.requestId,
      occurredAt: record.occurredAt,
      record,
    });
  }
}

@ObjectType({ simpleResolvers: true })
export class ActivityEntryConnection extends Connection(ActivityEntry, 'ActivityEntry') {}
