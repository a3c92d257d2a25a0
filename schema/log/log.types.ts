import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LOG_FAULT_KINDS } from '../../server/log/log-faults.js';

const faultKinds = Object.fromEntries(LOG_FAULT_KINDS.map((kind) => [kind.toUpperCase(), kind]));
registerEnumType(faultKinds, { name: 'LogFaultKind', description: 'What a verification of the log found (README, "Verifiable log").' });

@ObjectType({ simpleResolvers: true, description: 'A record version as a leaf of the verifiable log.' })
export class LogLeaf {
  @Field(() => Int, { nullable: true, description: 'Position in the tenant’s tree; null for the moment between commit and sequencing.' })
  index!: number | null;
  @Field(() => String)
  kind!: string;
  @Field(() => String)
  recordId!: string;
  @Field(() => String, { description: 'Base64 RFC 6962 leaf hash: SHA-256(0x00 || leaf).' })
  leafHash!: string;
  @Field(() => String, {
    nullable: true,
    description: 'The leaf: RFC 8785 JSON of the stored row. For holders of AUDIT_LOGS_VIEW; null for others, and once retention dropped it.',
  })
  leaf!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'A signed tree head: a C2SP tlog-checkpoint note signed with Ed25519 (C2SP signed-note).' })
export class LogCheckpoint {
  @Field(() => String)
  id!: string;
  @Field(() => Int)
  size!: number;
  @Field(() => String, { description: 'Base64 root hash, as in the note.' })
  rootHash!: string;
  @Field(() => Date)
  signedAt!: Date;
  @Field(() => String, { description: 'The whole signed note, byte for byte what a witness verifies.' })
  note!: string;
}

@ObjectType({ simpleResolvers: true, description: 'A witness that refused a checkpoint Vigil offered: it contradicts what the witness cosigned before.' })
export class LogWitnessRefusal {
  @Field(() => String)
  witnessName!: string;
  @Field(() => String, { description: 'The witness key’s id, 8 hex digits.' })
  keyId!: string;
  @Field(() => Int, { description: 'The witness’s HTTP status (409 another tree or a larger one, 422 a proof that does not verify).' })
  status!: number;
  @Field(() => String)
  reason!: string;
  @Field(() => Date)
  refusedAt!: Date;
}

@ObjectType({ simpleResolvers: true, description: 'A witness’s cosignature of a checkpoint (C2SP tlog-cosignature/v1).' })
export class LogCosignature {
  @Field(() => String, { description: 'The witness’s key name.' })
  witnessName!: string;
  @Field(() => String, { description: 'The witness key’s id, 8 hex digits.' })
  keyId!: string;
  @Field(() => Date, { description: 'When the witness cosigned, as it stated: the checkpoint was then the largest consistent tree it had seen.' })
  cosignedAt!: Date;
  @Field(() => String, { description: 'The signature line, as appended to the note.' })
  line!: string;
}

@ObjectType({ simpleResolvers: true })
export class LogInclusionProof {
  @Field(() => LogLeaf)
  leaf!: LogLeaf;
  @Field(() => Int)
  treeSize!: number;
  @Field(() => String, { description: 'Base64 root of the tree of treeSize leaves.' })
  rootHash!: string;
  @Field(() => [String], { description: 'Base64 hashes, RFC 9162 section 2.1.3 order.' })
  hashes!: string[];
  @Field(() => LogCheckpoint, { nullable: true, description: 'The signed checkpoint of treeSize, when there is one.' })
  checkpoint!: LogCheckpoint | null;
}

@ObjectType({ simpleResolvers: true })
export class LogConsistencyProof {
  @Field(() => Int)
  fromSize!: number;
  @Field(() => Int)
  toSize!: number;
  @Field(() => String)
  fromRoot!: string;
  @Field(() => String)
  toRoot!: string;
  @Field(() => [String], { description: 'Base64 hashes, RFC 9162 section 2.1.4 order.' })
  hashes!: string[];
}

@ObjectType({ simpleResolvers: true })
export class LogFault {
  @Field(() => faultKinds)
  kind!: string;
  @Field(() => Int, { nullable: true, description: 'The leaf position (for checkpoint faults, the tree size).' })
  index!: number | null;
  @Field(() => String, { nullable: true })
  recordKind!: string | null;
  @Field(() => String, { nullable: true })
  recordId!: string | null;
  @Field(() => String)
  message!: string;
}

@ObjectType({ simpleResolvers: true })
export class LogIntegrityReport {
  @Field(() => Boolean)
  isIntact!: boolean;
  @Field(() => Int)
  size!: number;
  @Field(() => Int)
  checkedLeaves!: number;
  @Field(() => Int)
  checkedRecords!: number;
  @Field(() => Int)
  checkedCheckpoints!: number;
  @Field(() => Int)
  queuedLeaves!: number;
  @Field(() => Int, { description: 'Every fault found; `faults` lists the first thousand.' })
  faultCount!: number;
  @Field(() => [LogFault])
  faults!: LogFault[];
}
