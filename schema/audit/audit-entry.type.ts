import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { AuditEntryRecord } from '../../server/audit/audit-entry.js';
import { Connection } from '../common/connection.js';

export enum AuditActorTypeEnum {
  USER = 'user',
  SYSTEM = 'system',
  AGENT = 'agent',
  WORKFLOW = 'workflow',
}
registerEnumType(AuditActorTypeEnum, { name: 'AuditActorType' });

@ObjectType({ simpleResolvers: true, description: 'An entry of the tamper-evident audit log.' })
export class AuditEntry {
  @Field(() => ID)
  id!: string;
  @Field(() => Int, { description: 'Position in the tenant’s chain: contiguous, from 1.' })
  seq!: number;
  @Field(() => Date)
  occurredAt!: Date;
  @Field(() => AuditActorTypeEnum)
  actorType!: AuditActorTypeEnum;
  @Field(() => String, { description: 'A user id, an agent token id, or the name of the system part that acted.' })
  actorId!: string;
  @Field(() => String, { nullable: true })
  actorEmail!: string | null;
  @Field(() => String, { description: 'e.g. user.role_changed' })
  action!: string;
  @Field(() => String)
  resourceType!: string;
  @Field(() => String, { nullable: true })
  resourceId!: string | null;
  @Field(() => String, { nullable: true })
  resourceName!: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true })
  before!: Record<string, unknown> | null;
  @Field(() => GraphQLJSONObject, { nullable: true })
  after!: Record<string, unknown> | null;
  @Field(() => String, { nullable: true })
  clientIp!: string | null;
  @Field(() => String, { nullable: true })
  userAgent!: string | null;
  @Field(() => String, { nullable: true })
  requestId!: string | null;
  @Field(() => String)
  prevHash!: string;
  @Field(() => String)
  hash!: string;

  static from(record: AuditEntryRecord): AuditEntry {
    return Object.assign(new AuditEntry(), record);
  }
}

@ObjectType({ simpleResolvers: true })
export class AuditEntryConnection extends Connection(AuditEntry, 'AuditEntry') {}
