import { Ctx, Field, ID, Int, Mutation, ObjectType, Resolver } from 'type-graphql';
import { requireAgent } from '../../server/auth/scope.js';
import { ingestEvents } from '../../server/records/ingest/ingest-events.js';
import { RawArg } from '../common/raw-arg.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import { AgentEventKindEnum } from './enums.js';
import { AgentEventInput } from './ingest-inputs.js';

@ObjectType({ simpleResolvers: true, description: 'What became of one event of a batch.' })
class IngestedEvent {
  @Field(() => Int)
  index!: number;
  @Field(() => String)
  eventId!: string;
  @Field(() => AgentEventKindEnum)
  kind!: AgentEventKindEnum;
  @Field(() => ID, { description: 'The record made, found again, or updated.' })
  recordId!: string;
  @Field(() => Boolean, { description: 'True when the event had been received before: nothing was written.' })
  isDuplicate!: boolean;
}

@ObjectType({ simpleResolvers: true })
class IngestResult {
  @Field(() => Int, { description: 'Events that wrote something.' })
  accepted!: number;
  @Field(() => Int, { description: 'Events received before, skipped.' })
  duplicates!: number;
  @Field(() => [IngestedEvent])
  events!: IngestedEvent[];
}

@Resolver()
export class IngestResolver {
  @Mutation(() => IngestResult, {
    description: 'Agents report up to 1,000 events of mixed kinds for their server. All or nothing; re-sending is harmless.',
  })
  async ingestEvents(@Ctx() ctx: GraphQLContext, @RawArg('events', () => [AgentEventInput]) events: AgentEventInput[]): Promise<IngestResult> {
    const actor = requireAgent(ctx.actor);
    const results = await ingestEvents(
      { ...serviceContext(ctx), actor },
      // Validation (zod) reads the input objects as they are and returns plain copies.
      events,
      { maxClockSkewSeconds: ctx.deps.records.maxClockSkewSeconds },
    );
    const duplicates = results.filter((result) => result.isDuplicate).length;
    return { accepted: results.length - duplicates, duplicates, events: results as IngestedEvent[] };
  }
}
