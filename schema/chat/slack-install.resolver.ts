/** "Add to Slack" (server/chat/slack-install.ts): the install link an admin opens to bind a workspace through OAuth. */
import { Arg, Ctx, Field, Mutation, ObjectType, Resolver } from 'type-graphql';
import { requireAdmin } from '../../server/auth/scope.js';
import { startSlackInstall } from '../../server/chat/slack-install.js';
import { BadInput } from '../../server/errors.js';
import { inTransaction } from '../../server/service-context.js';
import { serviceContext, type GraphQLContext } from '../context.js';

@ObjectType({ simpleResolvers: true })
class SlackInstallLink {
  @Field(() => String, {
    description:
      "Open it in a browser signed in to the Slack workspace and allow the app: the workspace is then bound to this tenant with its own bot token (the install is the binding's proof). Good once.",
  })
  installUrl!: string;
  @Field(() => Date, { description: 'Until when the link is good (10 minutes).' })
  expiresAt!: Date;
}

@Resolver()
export class SlackInstallResolver {
  @Mutation(() => SlackInstallLink, {
    description:
      'Admins: start installing the Slack app into a workspace through OAuth ("Add to Slack"), with the channel where requests needing approval are posted. Needs SLACK_CLIENT_ID and SLACK_CLIENT_SECRET on this instance. Starting again replaces the link made before.',
  })
  async installSlackApp(
    @Ctx() ctx: GraphQLContext,
    @Arg('approverChannel', () => String, { nullable: true }) approverChannel?: string | null,
  ): Promise<SlackInstallLink> {
    requireAdmin(ctx.actor);
    const app = ctx.deps.slackOAuth;
    if (!app)
      throw new BadInput(
        'installSlackApp',
        'Slack installs through OAuth are not set up on this Vigil: set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, or bind with bindChatWorkspace.',
      );
    return Object.assign(new SlackInstallLink(), await inTransaction(serviceContext(ctx), (tx) => startSlackInstall(tx, app, { approverChannel })));
  }
}
