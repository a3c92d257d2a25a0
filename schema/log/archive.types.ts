import { Field, Int, ObjectType } from 'type-graphql';
import { LogCheckpoint } from './log.types.js';

@ObjectType({ simpleResolvers: true, description: 'One period’s object of the log archive: a gzipped log segment (vigil-log-jsonl version 2).' })
export class LogArchiveObject {
  @Field(() => Date)
  periodStart!: Date;
  @Field(() => Date)
  periodEnd!: Date;
  @Field(() => String, { nullable: true, description: 'The object’s key in the bucket; null until its checkpoint is chosen.' })
  key!: string | null;
  @Field(() => Int, { nullable: true, description: 'The first position it holds: the previous object’s size.' })
  from!: number | null;
  @Field(() => Int, { nullable: true, description: 'The tree size of its checkpoint: it holds positions from to size - 1.' })
  size!: number | null;
  @Field(() => LogCheckpoint, { nullable: true, description: 'The checkpoint in its header, signed after the period closed.' })
  checkpoint!: LogCheckpoint | null;
  @Field(() => Int, { nullable: true, description: 'Bytes stored (gzip).' })
  bytes!: number | null;
  @Field(() => String, { nullable: true, description: 'Hex SHA-256 of the bytes stored: compare it with the bucket’s object.' })
  sha256!: string | null;
  @Field(() => Date, { nullable: true, description: 'When it landed; null while its upload is still to be (re)tried.' })
  uploadedAt!: Date | null;
  @Field(() => Int)
  attempts!: number;
  @Field(() => String, { nullable: true, description: 'Why the last upload failed, until one succeeds.' })
  lastError!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'Where the log is archived (VIGIL_ARCHIVE_S3_BUCKET) and its objects.' })
export class LogArchive {
  @Field(() => String, { description: 'The bucket and key prefix of this tenant’s objects, as s3://bucket/prefix/.' })
  location!: string;
  @Field(() => String, { description: 'HOUR or DAY: one object per tenant per closed period (UTC).' })
  period!: string;
  @Field(() => [LogArchiveObject], { description: 'Newest period first.' })
  objects!: LogArchiveObject[];
}
