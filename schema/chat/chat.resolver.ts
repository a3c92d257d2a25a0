/**
 * Chat bots, as the API sees them: an admin binds the tenant's Slack workspace (team id) or Teams
 * tenant (AAD tenant id) and names the approver channel; anyone signed in makes a one-time code to
 * link their chat account (`/audit link CODE`) when their chat email does not match.
 */
import { Arg, Ctx, Field, ObjectType, Mutation, Query, Resolver, registerEnumType } from 'type-graphql';
import { requireAdmin } from '../../server/auth/scope.js';
import { createLinkCode } from '../../server/chat/identities.js';
import { bindChatWorkspace, listChatWorkspaces } from '../../server/chat/workspaces.js';
import type { ChatWorkspaceRow } from '../../server/db/tables/index.js';
import { inTransaction } from '../../server/service-context.js';
import { serviceContext, type GraphQLContext } from '../context.js';

export enum ChatProviderEnum {
  SLACK = 'slack',
  TEAMS = 'teams',
}
registerEnumType(ChatProviderEnum, { name: 'ChatProvider' });

@ObjectType({ simpleResolvers: true, description: "A chat workspace bound to this tenant: requests from any other are refused." })
class ChatWorkspace {
  @Field(() => ChatProviderEnum)
  provider!: ChatProviderEnum;
  @Field(() => String, { description: 'Slack team id (T…) or Teams AAD tenant id.' })
  externalId!: string;
  @Field(() => String, { nullable: true, description: 'Where requests needing approval are posted (Slack channel id, Teams conversation id).' })
  approverChannel!: string | null;
  @Field(() => Date)
  updatedAt!: Date;

  static from(row: ChatWorkspaceRow): ChatWorkspace {
    return Object.assign(new ChatWorkspace(), { provider: row.provider, externalId: row.externalId, approverChannel: row.approverChannel, updatedAt: row.updatedAt });
  }
}

@ObjectType({ simpleResolvers: true })
class ChatLinkCode {
  @Field(() => String, { description: 'Type `/audit link CODE` in Slack (or `audit link CODE` to the Teams bot).' })
  code!: string;
  @Field(() => Date)
  expiresAt!: Date;
}

@Resolver()
export class ChatResolver {
  @Mutation(() => ChatWorkspace, { description: 'Admins: bind the Slack workspace or Teams tenant to this tenant (one of each), with its approver channel.' })
  async bindChatWorkspace(
    @Ctx() ctx: GraphQLContext,
    @Arg('provider', () => ChatProviderEnum) provider: ChatProviderEnum,
    @Arg('externalId', () => String) externalId: string,
    @Arg('approverChannel', () => String, { nullable: true }) approverChannel?: string | null,
  ): Promise<ChatWorkspace> {
    return ChatWorkspace.from(await inTransaction(serviceContext(ctx), (tx) => bindChatWorkspace(tx, { provider, externalId, approverChannel })));
  }

  @Query(() => [ChatWorkspace], { description: 'Admins: the chat workspaces bound to this tenant.' })
  async chatWorkspaces(@Ctx() ctx: GraphQLContext): Promise<ChatWorkspace[]> {
    const actor = requireAdmin(ctx.actor);
    return (await listChatWorkspaces(ctx.deps.db, actor.tenantId)).map(ChatWorkspace.from);
  }

  @Mutation(() => ChatLinkCode, { description: 'A one-time code (10 minutes) linking your chat account to you, for when its email does not match yours.' })
  async createChatLinkCode(@Ctx() ctx: GraphQLContext): Promise<ChatLinkCode> {
    return Object.assign(new ChatLinkCode(), await inTransaction(serviceContext(ctx), (tx) => createLinkCode(tx)));
  }
}
