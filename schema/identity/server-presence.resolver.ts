import DataLoader from 'dataloader';
import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { canSeeAgentHealth, requireAgent, requireAgentHealthReader } from '../../server/auth/scope.js';
import { agentFleet, presencesOf, reportHeartbeat, type Presence } from '../../server/presence/heartbeats.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import { AgentFleet, HeartbeatInput, ServerPresence, type PresenceStatusEnum } from './server-presence.type.js';
import { Server } from './server.type.js';

const toView = (presence: Presence): ServerPresence =>
  Object.assign(new ServerPresence(), {
    ...presence,
    status: presence.status as PresenceStatusEnum,
    clockSkewSeconds: presence.agentTime ? (presence.agentTime.getTime() - presence.lastSeenAt.getTime()) / 1000 : null,
  });

@Resolver(() => Server)
export class ServerPresenceResolver {
  @Mutation(() => ServerPresence, {
    description: `Agents: "I am alive", every few seconds, with what the agent knows of itself. The first one (and the first after the server went offline) records server.online and sends host.online.`,
  })
  async reportHeartbeat(@Ctx() ctx: GraphQLContext, @Arg('input', () => HeartbeatInput) input: HeartbeatInput): Promise<ServerPresence> {
    const actor = requireAgent(ctx.actor);
    return toView(await reportHeartbeat({ ...serviceContext(ctx), actor }, { ...input }));
  }

  @Query(() => AgentFleet, {
    description: 'How many agents are online, offline or never heard from, and which versions run. Admins and MONITORING_VIEW holders.',
  })
  async agentFleet(@Ctx() ctx: GraphQLContext): Promise<AgentFleet> {
    const actor = requireAgentHealthReader(ctx.actor);
    return agentFleet(ctx.deps.db, actor.tenantId);
  }

  @FieldResolver(() => ServerPresence, {
    nullable: true,
    description: 'Its agent’s heartbeats: null when it never sent one, and for whoever is neither an admin nor holds MONITORING_VIEW.',
  })
  async presence(@Root() server: Server, @Ctx() ctx: GraphQLContext): Promise<ServerPresence | null> {
    const actor = ctx.actor;
    if (!actor || !canSeeAgentHealth(actor)) return null;
    let loader = ctx.loaders.nested.get('serverPresence') as DataLoader<string, Presence | null> | undefined;
    if (!loader) {
      loader = new DataLoader<string, Presence | null>(async (ids) => {
        const found = await presencesOf(ctx.deps.db, actor.tenantId, ids);
        return ids.map((id) => found.get(id) ?? null);
      });
      ctx.loaders.nested.set('serverPresence', loader);
    }
    const presence = await loader.load(server.id);
    return presence ? toView(presence) : null;
  }
}
