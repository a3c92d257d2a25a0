import { Arg, Args, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { canSeeField, recordScope } from '../../server/auth/scope.js';
import { NotFound } from '../../server/errors.js';
import { getTerminalSessionInScope, listTerminalSessions } from '../../server/records/queries/list-terminal-sessions.js';
import { parseFilterIds, parseId } from '../../server/validation.js';
import { PageArgs, toConnection } from '../common/connection.js';
import type { GraphQLContext } from '../context.js';
import { Server } from '../identity/server.type.js';
import { AccessSession } from './access-session.type.js';
import { Command, CommandConnection } from './command.type.js';
import { TerminalSessionFilterInput } from './filters.js';
import { commandsOfTerminalSession } from './nested-sources.js';
import { Person } from './person.type.js';
import { loadAccessSession, loadPerson, loadServer } from './references.js';
import { TerminalSession, TerminalSessionConnection } from './terminal-session.type.js';

export const TERMINAL_SESSION_FILTER_IDS = ['userId', 'serverId', 'accessSessionId'] as const;

@Resolver(() => TerminalSession)
export class TerminalSessionResolver {
  @Query(() => TerminalSessionConnection, {
    description: 'Terminal sessions, newest first: your own, or every one for admins and holders of SESSION_RECORDINGS_VIEW.',
  })
  async terminalSessions(
    @Ctx() ctx: GraphQLContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => TerminalSessionFilterInput, { nullable: true }) filter?: TerminalSessionFilterInput | null,
  ): Promise<TerminalSessionConnection> {
    const scope = recordScope(ctx.actor, 'terminalSessions');
    return toConnection(await listTerminalSessions(ctx.reads.db(), scope, parseFilterIds(filter, TERMINAL_SESSION_FILTER_IDS), page), TerminalSession.from);
  }

  @Query(() => TerminalSession)
  async terminalSession(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<TerminalSession> {
    const row = await getTerminalSessionInScope(ctx.deps.db, recordScope(ctx.actor, 'terminalSessions'), parseId('id', id));
    if (!row) throw new NotFound('Terminal session', id);
    return TerminalSession.from(row);
  }

  @FieldResolver(() => Server)
  async server(@Root() session: TerminalSession, @Ctx() ctx: GraphQLContext): Promise<Server> {
    return (await loadServer(ctx, session.record.serverId))!;
  }

  @FieldResolver(() => Person, { nullable: true, description: 'The operator: the Vigil user who opened the session.' })
  user(@Root() session: TerminalSession, @Ctx() ctx: GraphQLContext): Promise<Person | null> {
    return loadPerson(ctx, session.record.userId);
  }

  @FieldResolver(() => Person, {
    nullable: true,
    description: 'Who ended it through Vigil (revoked its access session, disabled its user, or terminated it); null otherwise.',
  })
  endedBy(@Root() session: TerminalSession, @Ctx() ctx: GraphQLContext): Promise<Person | null> {
    return loadPerson(ctx, session.record.endedById);
  }

  @FieldResolver(() => String, { nullable: true, description: "Others' sessions: admins only." })
  browser(@Root() session: TerminalSession, @Ctx() ctx: GraphQLContext): string | null {
    return canSeeField(ctx.actor, 'TerminalSession.browser', session.record.userId) ? session.record.browser : null;
  }

  @FieldResolver(() => String, { nullable: true, description: "Others' sessions: admins only." })
  remoteIp(@Root() session: TerminalSession, @Ctx() ctx: GraphQLContext): string | null {
    return canSeeField(ctx.actor, 'TerminalSession.remoteIp', session.record.userId) ? session.record.remoteIp : null;
  }

  @FieldResolver(() => AccessSession, { nullable: true })
  accessSession(@Root() session: TerminalSession, @Ctx() ctx: GraphQLContext): Promise<AccessSession | null> {
    return loadAccessSession(ctx, session.record.accessSessionId);
  }

  @FieldResolver(() => CommandConnection, { description: 'The commands typed in the session (its Record), newest first.' })
  async commands(@Root() session: TerminalSession, @Ctx() ctx: GraphQLContext, @Args(() => PageArgs) page: PageArgs): Promise<CommandConnection> {
    return toConnection(await commandsOfTerminalSession(ctx, session.id, page), Command.from);
  }
}
