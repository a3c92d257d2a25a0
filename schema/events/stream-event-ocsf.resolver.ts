import { GraphQLJSONObject } from 'graphql-scalars';
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { requireActor } from '../../server/auth/scope.js';
import { OCSF_VERSION, ocsfEventOf } from '../../server/events/ocsf.js';
import type { GraphQLContext } from '../context.js';
import { StreamEventView } from './stream-event.types.js';

@Resolver(() => StreamEventView)
export class StreamEventOcsfResolver {
  @FieldResolver(() => GraphQLJSONObject, {
    description: `The event as OCSF ${OCSF_VERSION}: an object of the class that fits it (README, "OCSF"), for SIEM pipelines and AWS Security Lake.`,
  })
  ocsf(@Root() event: StreamEventView, @Ctx() ctx: GraphQLContext): Record<string, unknown> {
    return ocsfEventOf(event, requireActor(ctx.actor).tenantId);
  }
}
