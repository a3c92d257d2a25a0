import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { requireAdmin, requireSelfOrAdmin, requireUser, tokenOwnerScope } from '../../server/auth/scope.js';
import { createAgentToken, createStreamToken, createUserToken, getToken, listTokens, revokeToken } from '../../server/identity/api-tokens.js';
import { inTransaction } from '../../server/service-context.js';
import { parseId, parseOptionalId } from '../../server/validation.js';
import { PageArgs, toConnection } from '../common/connection.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import { ApiToken, ApiTokenConnection, CreatedApiToken } from './api-token.type.js';
import { CreateAgentTokenInput, CreateStreamTokenInput, CreateUserTokenInput, TokenFilterInput } from './inputs.js';
import { Server } from './server.type.js';
import { User } from './user.type.js';

@Resolver(() => ApiToken)
export class ApiTokenResolver {
  @Query(() => ApiTokenConnection, {
    description: "API tokens, newest first: a user's own, or the whole tenant's for admins.",
  })
  async apiTokens(
    @Ctx() ctx: GraphQLContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => TokenFilterInput, { nullable: true }) filter?: TokenFilterInput | null,
  ): Promise<ApiTokenConnection> {
    const actor = requireUser(ctx.actor);
    const userId = tokenOwnerScope(actor, parseOptionalId('filter.userId', filter?.userId));
    const serverId = parseOptionalId('filter.serverId', filter?.serverId);
    const rows = await listTokens(ctx.deps.db, actor.tenantId, { ...filter, userId, serverId }, page);
    return toConnection(rows, ApiToken.from);
  }

  @Mutation(() => CreatedApiToken, { description: "Creates a user token: your own, or any user's for admins." })
  async createUserToken(@Ctx() ctx: GraphQLContext, @Arg('input', () => CreateUserTokenInput) input: CreateUserTokenInput): Promise<CreatedApiToken> {
    const caller = requireUser(ctx.actor);
    const userId = parseOptionalId('input.userId', input.userId) ?? caller.userId;
    requireSelfOrAdmin(caller, userId);
    const created = await inTransaction(serviceContext(ctx), (tx) => createUserToken(tx, { userId, name: input.name, expiresAt: input.expiresAt }));
    return { token: created.token, apiToken: ApiToken.from(created.row) };
  }

  @Mutation(() => CreatedApiToken, {
    description:
      "Creates a stream token: your own, or any user's for admins. It reads the event stream (`eventStream`) with its user's scope, and `me`; every other operation, export and recording is FORBIDDEN to it.",
  })
  async createStreamToken(@Ctx() ctx: GraphQLContext, @Arg('input', () => CreateStreamTokenInput) input: CreateStreamTokenInput): Promise<CreatedApiToken> {
    const caller = requireUser(ctx.actor);
    const userId = parseOptionalId('input.userId', input.userId) ?? caller.userId;
    requireSelfOrAdmin(caller, userId);
    const created = await inTransaction(serviceContext(ctx), (tx) => createStreamToken(tx, { userId, name: input.name, expiresAt: input.expiresAt }));
    return { token: created.token, apiToken: ApiToken.from(created.row) };
  }

  @Mutation(() => CreatedApiToken, { description: 'Creates an agent token bound to one server. Admins only.' })
  async createAgentToken(@Ctx() ctx: GraphQLContext, @Arg('input', () => CreateAgentTokenInput) input: CreateAgentTokenInput): Promise<CreatedApiToken> {
    requireAdmin(ctx.actor);
    const serverId = parseId('input.serverId', input.serverId);
    const created = await inTransaction(serviceContext(ctx), (tx) => createAgentToken(tx, { serverId, name: input.name, expiresAt: input.expiresAt }));
    return { token: created.token, apiToken: ApiToken.from(created.row) };
  }

  @Mutation(() => ApiToken, { description: 'Revokes a token at once: your own, or any in the tenant for admins.' })
  async revokeToken(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<ApiToken> {
    const caller = requireUser(ctx.actor);
    const tokenId = parseId('id', id);
    const existing = await getToken(ctx.deps.db, caller.tenantId, tokenId);
    if (existing.kind === 'agent') requireAdmin(caller);
    else requireSelfOrAdmin(caller, existing.userId!);
    return ApiToken.from(await inTransaction(serviceContext(ctx), (tx) => revokeToken(tx, tokenId)));
  }

  @FieldResolver(() => User, { nullable: true, description: 'The user a USER or STREAM token acts as.' })
  async user(@Root() token: ApiToken, @Ctx() ctx: GraphQLContext): Promise<User | null> {
    if (!token.userId) return null;
    const row = await ctx.loaders.userById.load(token.userId);
    return row ? User.from(row) : null;
  }

  @FieldResolver(() => Server, { nullable: true, description: 'The server an AGENT token reports for.' })
  async server(@Root() token: ApiToken, @Ctx() ctx: GraphQLContext): Promise<Server | null> {
    if (!token.serverId) return null;
    const row = await ctx.loaders.serverById.load(token.serverId);
    return row ? Server.from(row) : null;
  }
}
