import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { requireAdmin } from '../../server/auth/scope.js';
import { deleteServer, getServer, listServers, registerServer } from '../../server/identity/servers.js';
import { inTransaction } from '../../server/service-context.js';
import { parseId } from '../../server/validation.js';
import { PageArgs, toConnection } from '../common/connection.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import { RegisterServerInput, ServerFilterInput } from './inputs.js';
import { Server, ServerConnection } from './server.type.js';

@Resolver(() => Server)
export class ServerResolver {
  @Query(() => ServerConnection, { description: 'Servers of the tenant, newest first. Admins only.' })
  async servers(
    @Ctx() ctx: GraphQLContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => ServerFilterInput, { nullable: true }) filter?: ServerFilterInput | null,
  ): Promise<ServerConnection> {
    const actor = requireAdmin(ctx.actor);
    return toConnection(await listServers(ctx.deps.db, actor.tenantId, { ...filter }, page), Server.from);
  }

  @Query(() => Server, { description: 'A server by id. Admins only.' })
  async server(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<Server> {
    const actor = requireAdmin(ctx.actor);
    return Server.from(await getServer(ctx.deps.db, actor.tenantId, parseId('id', id)));
  }

  @Mutation(() => Server, { description: 'Retires a server: it leaves the lists and its agent tokens are revoked; its records stay. Admins only.' })
  async deleteServer(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<Server> {
    requireAdmin(ctx.actor);
    return Server.from(await inTransaction(serviceContext(ctx), (tx) => deleteServer(tx, parseId('id', id))));
  }

  @Mutation(() => Server, { description: 'Registers a server. Admins only.' })
  async registerServer(@Ctx() ctx: GraphQLContext, @Arg('input', () => RegisterServerInput) input: RegisterServerInput): Promise<Server> {
    requireAdmin(ctx.actor);
    const { name, hostname, os, ipAddress, labels } = input;
    const row = await inTransaction(serviceContext(ctx), (tx) =>
      registerServer(tx, { name, hostname, os, ipAddress, labels: labels?.map((label) => ({ ...label })) ?? undefined }),
    );
    return Server.from(row);
  }
}
