import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum FaultKindEnum {
  MISSING = 'missing',
  MODIFIED = 'modified',
  REORDERED = 'reordered',
  INSERTED = 'inserted',
  BAD_SIGNATURE = 'bad_signature',
}
registerEnumType(FaultKindEnum, { name: 'AuditFaultKind' });

@ObjectType({ simpleResolvers: true, description: 'The first broken link of the chain.' })
export class AuditFault {
  @Field(() => Int)
  seq!: number;
  @Field(() => FaultKindEnum)
  kind!: FaultKindEnum;
  @Field(() => String)
  expected!: string;
  @Field(() => String)
  found!: string;
  @Field(() => String)
  message!: string;
}

@ObjectType({ simpleResolvers: true })
export class AuditIntegrityReport {
  @Field(() => Boolean)
  isIntact!: boolean;
  @Field(() => Int)
  fromSeq!: number;
  @Field(() => Int)
  toSeq!: number;
  @Field(() => Int)
  checkedEntries!: number;
  @Field(() => Int)
  checkedCheckpoints!: number;
  @Field(() => AuditFault, { nullable: true })
  fault!: AuditFault | null;
}

@ObjectType({ simpleResolvers: true, description: 'A signed statement of a chain head: the tenant, sequence, head hash and time, signed with Ed25519.' })
export class AuditCheckpoint {
  @Field(() => Int)
  seq!: number;
  @Field(() => String)
  headHash!: string;
  @Field(() => Date)
  signedAt!: Date;
  @Field(() => String)
  keyId!: string;
  @Field(() => String, { description: 'Base64 Ed25519 signature over the RFC 8785 form of { v: 1, tenantId, seq, headHash, signedAt }.' })
  signature!: string;
}

@ObjectType({ simpleResolvers: true })
export class AuditSigningKey {
  @Field(() => String)
  keyId!: string;
  @Field(() => String)
  algorithm!: string;
  @Field(() => String, { description: 'SPKI PEM.' })
  publicKey!: string;
  @Field(() => Date)
  createdAt!: Date;
}
