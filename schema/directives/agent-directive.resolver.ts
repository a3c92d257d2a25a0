/**
 * Directives over GraphQL. Agents: `pendingDirectives` (poll) or the `directives` subscription (the
 * waiting ones, then each new one as it is issued), and `acknowledgeDirective`. Admins:
 * `terminateTerminalSession` and `agentDirectives` (the list). Revoking, ending or expiring an access session, revoking a sudo
 * grant and disabling a user issue directives too (server/directives/issue-directives.ts).
 */
import { Arg, Args, Ctx, ID, Mutation, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { requireAdmin, requireAgent } from '../../server/auth/scope.js';
import { acknowledgeDirective } from '../../server/directives/acknowledge-directive.js';
import { listDirectives } from '../../server/directives/list-directives.js';
import { directivesOfServer, pendingDirectives } from '../../server/directives/read-directives.js';
import { terminateTerminalSession } from '../../server/directives/terminate-session.js';
import { inTransaction } from '../../server/service-context.js';
import { parseFilterIds, parseId } from '../../server/validation.js';
import { PageArgs, toConnection } from '../common/connection.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import { eventStream } from '../realtime/event-stream.js';
import { AgentDirective, AgentDirectiveConnection, AgentDirectiveFilterInput, DirectiveAcknowledgementInput } from './agent-directive.type.js';

type Data = SubscribeResolverData<unknown, Record<string, never>, GraphQLContext>;

/**
 * The waiting directives, then each new one. The live stream listens before the waiting ones are
 * read, so a directive issued in between comes once (by one or the other, never lost).
 */
async function directiveStream({ context: ctx }: Data): Promise<AsyncIterableIterator<AgentDirective>> {
  const agent = requireAgent(ctx.actor);
  const live = eventStream(
    ctx,
    (event) => event.type === 'directive.issued' && event.serverId === agent.serverId,
    async (delivery) =>
      delivery.event.type === 'directive.issued' ? (await directivesOfServer(ctx.deps.db, agent, delivery.event.directiveIds)).map(AgentDirective.from) : [],
  );
  let waiting: AgentDirective[];
  try {
    waiting = (await pendingDirectives(ctx.deps.db, agent)).map(AgentDirective.from);
  } catch (error) {
    await live.return?.();
    throw error;
  }
  const sent = new Set(waiting.map((directive) => directive.id));
  const iterator: AsyncIterableIterator<AgentDirective> = {
    async next() {
      const first = waiting.shift();
      if (first) return { value: first, done: false };
      for (;;) {
        const next = await live.next();
        if (next.done || !sent.has(next.value.id)) return next;
      }
    },
    return: () => live.return!(),
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

@Resolver()
export class AgentDirectiveResolver {
  @Query(() => [AgentDirective], {
    description: 'Agents: your server’s directives not yet acknowledged, oldest first (at most 500). Acknowledge each when it is carried out.',
  })
  async pendingDirectives(@Ctx() ctx: GraphQLContext): Promise<AgentDirective[]> {
    const agent = requireAgent(ctx.actor);
    return (await pendingDirectives(ctx.deps.db, agent)).map(AgentDirective.from);
  }

  @Query(() => AgentDirectiveConnection, {
    description: 'Admins: what agents were told to do (end a session, drop a sudo grant, announce a watcher), why, and how they answered; newest first.',
  })
  async agentDirectives(
    @Ctx() ctx: GraphQLContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => AgentDirectiveFilterInput, { nullable: true }) filter?: AgentDirectiveFilterInput | null,
  ): Promise<AgentDirectiveConnection> {
    const admin = requireAdmin(ctx.actor);
    const ids = parseFilterIds({ ...filter }, ['serverId', 'terminalSessionId', 'accessSessionId']);
    return toConnection(await listDirectives(ctx.deps.db, admin.tenantId, ids, page), AgentDirective.from);
  }

  @Mutation(() => AgentDirective, {
    description:
      'Agents: the answer to a directive. For TERMINATE_SESSION with DONE or GONE the session is recorded as ended (at endedAt, or now), with the directive’s cause and reason as its end reason. Sent again with the same outcome: unchanged; with another: CONFLICT.',
  })
  async acknowledgeDirective(
    @Ctx() ctx: GraphQLContext,
    @Arg('input', () => DirectiveAcknowledgementInput) input: DirectiveAcknowledgementInput,
  ): Promise<AgentDirective> {
    const actor = requireAgent(ctx.actor);
    const id = parseId('id', input.id);
    const row = await inTransaction(serviceContext(ctx), (tx) =>
      acknowledgeDirective({ ...tx, actor }, id, { outcome: input.outcome, detail: input.detail, endedAt: input.endedAt }),
    );
    return AgentDirective.from(row);
  }

  @Mutation(() => AgentDirective, {
    description:
      'Admins: end a terminal session now. Its agent gets a TERMINATE_SESSION directive; the session ends when the agent acknowledges it. While one waits, the same directive is returned.',
  })
  async terminateTerminalSession(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('reason', () => String) reason: string,
  ): Promise<AgentDirective> {
    return AgentDirective.from(await inTransaction(serviceContext(ctx), (tx) => terminateTerminalSession(tx, parseId('id', id), reason)));
  }

  @Subscription(() => AgentDirective, {
    description:
      'Agents: your server’s directives not yet acknowledged, then each new one as it is issued. Resubscribing sends again every directive not acknowledged, so an agent that was away loses none.',
    subscribe: directiveStream,
  })
  directives(@Root() directive: AgentDirective): AgentDirective {
    return directive;
  }
}
