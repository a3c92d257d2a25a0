import { Field, ID, Int, ObjectType } from 'type-graphql';
import { KeyCount, WindowStatistics } from '../audit/statistics.type.js';

@ObjectType({ simpleResolvers: true })
export class EventUserCount {
  @Field(() => ID)
  userId!: string;
  @Field(() => String, { nullable: true })
  email!: string | null;
  @Field(() => Int)
  count!: number;
}

@ObjectType({ simpleResolvers: true })
export class EventServerCount {
  @Field(() => ID)
  serverId!: string;
  @Field(() => Int)
  count!: number;
}

@ObjectType({
  simpleResolvers: true,
  description: 'Counts of the events you may see over a window of event time (sign-ins, sessions, commands, sudo, transfers, approvals, settings…).',
})
export class EventStatistics extends WindowStatistics {
  @Field(() => [KeyCount])
  byCategory!: KeyCount[];
  @Field(() => [KeyCount], { description: 'The 100 most frequent types.' })
  byType!: KeyCount[];
  @Field(() => [KeyCount])
  bySeverity!: KeyCount[];
  @Field(() => [KeyCount])
  byOutcome!: KeyCount[];
  @Field(() => [EventUserCount], { description: 'The 100 most active people (the events’ actors).' })
  byUser!: EventUserCount[];
  @Field(() => [EventServerCount], { description: 'The 100 servers with the most events.' })
  byServer!: EventServerCount[];
  @Field(() => Int, { description: 'Positions of the log read to count them.' })
  scanned!: number;
}
