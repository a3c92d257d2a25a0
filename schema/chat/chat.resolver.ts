/**
 * Chat bots, as the API sees them: an admin binds the tenant's Slack workspace (team id) or Teams
 * tenant (AAD tenant id) and names the approver channel, proven from inside the workspace with a
 * one-time bind code; anyone signed in makes a one-time code to
 * link their chat account (`/audit link CODE`) when their chat email does not match.
 */
import { Arg, Ctx, Field, ID, ObjectType, Mutation, Query, Resolver, registerEnumType } from 'type-graphql';
import { requireAdmin } from '../../server/auth/scope.js';
import { createLinkCode } from '../../server/chat/identities.js';
import { bindChatWorkspace, listChatWorkspaces, unbindChatWorkspace, type WorkspaceBinding } from '../../server/chat/workspaces.js';
import { inTransaction } from '../../server/service-context.js';
import { parseId } from '../../server/validation.js';
import { serviceContext, type GraphQLContext } from '../context.js';

export enum ChatProviderEnum {
  SLACK = 'slack',
  TEAMS = 'teams',
}
registerEnumType(ChatProviderEnum, { name: 'ChatProvider' });

@ObjectType({
  simpleResolvers: true,
  description: 'A chat workspace bound to this tenant, or waiting to be: bots answer and post for proven bindings only, and refuse every other workspace.',
})
class ChatWorkspace {
  @Field(() => ChatProviderEnum)
  provider!: ChatProviderEnum;
  @Field(() => String, { description: 'Slack team id (T…) or Teams AAD tenant id.' })
  externalId!: string;
  @Field(() => String, { nullable: true, description: 'Where requests needing approval are posted (Slack channel id, Teams conversation id).' })
  approverChannel!: string | null;
  @Field(() => Boolean, {
    description: 'Whether someone entitled inside the workspace proved the binding with its bind code. Until then the bots do not serve it.',
  })
  verified!: boolean;
  @Field(() => Date, { nullable: true })
  verifiedAt!: Date | null;
  @Field(() => String, { nullable: true, description: 'The chat user who proved it (Slack user id, Teams AAD object id).' })
  verifiedBy!: string | null;
  @Field(() => String, {
    nullable: true,
    description:
      'Only in the answer of bindChatWorkspace, when the binding needs proof: an admin or owner of the Slack workspace posts `/audit bind CODE` there (in Teams, a member of the tenant sends `audit bind CODE` to the bot). Shown once; only its hash is kept.',
  })
  bindCode!: string | null;
  @Field(() => Date, { nullable: true, description: 'Until when the bind code is good, while the binding waits for it.' })
  bindCodeExpiresAt!: Date | null;
  @Field(() => Date)
  updatedAt!: Date;

  static from(binding: WorkspaceBinding): ChatWorkspace {
    return Object.assign(new ChatWorkspace(), { ...binding, provider: binding.provider as ChatProviderEnum, verified: binding.verifiedAt !== null });
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
  @Mutation(() => ChatWorkspace, {
    description:
      'Admins: bind the Slack workspace or Teams tenant to this tenant (one of each), with its approver channel. The answer carries a one-time bind code (24 hours) that someone entitled posts from inside the workspace; the binding takes effect then. Changing the approver channel of a proven binding takes effect at once.',
  })
  async bindChatWorkspace(
    @Ctx() ctx: GraphQLContext,
    @Arg('provider', () => ChatProviderEnum) provider: ChatProviderEnum,
    @Arg('externalId', () => String) externalId: string,
    @Arg('approverChannel', () => String, { nullable: true }) approverChannel?: string | null,
  ): Promise<ChatWorkspace> {
    return ChatWorkspace.from(await inTransaction(serviceContext(ctx), (tx) => bindChatWorkspace(tx, { provider, externalId, approverChannel })));
  }

  @Mutation(() => Boolean, { description: 'Admins: end the binding of this provider (proven or not) and withdraw any bind code waiting for proof.' })
  async unbindChatWorkspace(@Ctx() ctx: GraphQLContext, @Arg('provider', () => ChatProviderEnum) provider: ChatProviderEnum): Promise<boolean> {
    return inTransaction(serviceContext(ctx), (tx) => unbindChatWorkspace(tx, provider));
  }

  @Query(() => [ChatWorkspace], { description: 'Admins: the chat workspaces bound to this tenant, proven or not, and those waiting for their bind code.' })
  async chatWorkspaces(@Ctx() ctx: GraphQLContext): Promise<ChatWorkspace[]> {
    const actor = requireAdmin(ctx.actor);
    return (await listChatWorkspaces(ctx.deps.db, actor.tenantId)).map(ChatWorkspace.from);
  }

  @Mutation(() => ChatLinkCode, {
    description:
      'A one-time code (10 minutes) linking a chat account to you, for when its email does not match yours; admins may make one for another user (`userId`), to hand to someone who never uses the API.',
  })
  async createChatLinkCode(@Ctx() ctx: GraphQLContext, @Arg('userId', () => ID, { nullable: true }) userId?: string | null): Promise<ChatLinkCode> {
    return Object.assign(new ChatLinkCode(), await inTransaction(serviceContext(ctx), (tx) => createLinkCode(tx, userId ? parseId('userId', userId) : null)));
  }
}
