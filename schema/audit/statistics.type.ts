import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum BucketEnum {
  HOUR = 'hour',
  DAY = 'day',
}
registerEnumType(BucketEnum, { name: 'TimeBucket' });

@ObjectType({ simpleResolvers: true })
export class KeyCount {
  @Field(() => String)
  key!: string;
  @Field(() => Int)
  count!: number;
}

@ObjectType({ simpleResolvers: true })
export class ActorCount {
  @Field(() => String)
  actorId!: string;
  @Field(() => String, { nullable: true })
  actorEmail!: string | null;
  @Field(() => String)
  actorType!: string;
  @Field(() => Int)
  count!: number;
}

@ObjectType({ simpleResolvers: true })
export class BucketCount {
  @Field(() => Date)
  bucketStart!: Date;
  @Field(() => Int)
  count!: number;
}

/** What every statistics answer has: its window, its total and its series. */
@ObjectType()
export abstract class WindowStatistics {
  @Field(() => Date)
  from!: Date;
  @Field(() => Date)
  to!: Date;
  @Field(() => Int)
  total!: number;
  @Field(() => [BucketCount], { description: 'Every bucket of the window, empty ones included.' })
  series!: BucketCount[];
}

@ObjectType({ simpleResolvers: true, description: 'Counts over a window, for dashboards and the "User activity" charts.' })
export class AuditStatistics extends WindowStatistics {
  @Field(() => [KeyCount])
  byAction!: KeyCount[];
  @Field(() => [ActorCount], { description: 'The 100 most active actors.' })
  byActor!: ActorCount[];
  @Field(() => [KeyCount])
  byActorType!: KeyCount[];
}
