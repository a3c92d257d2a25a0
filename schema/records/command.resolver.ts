import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Query, Resolver, Root } from 'type-graphql';
import { canSeeField, recordScope } from '../../server/auth/scope.js';
import { NotFound } from '../../server/errors.js';
import { getCommandInScope, listCommands } from '../../server/records/queries/list-commands.js';
import { parseFilterIds, parseId } from '../../server/validation.js';
import { PageArgs, toConnection } from '../common/connection.js';
import { connectionNodeFields } from '../common/selected-fields.js';
import type { GraphQLContext } from '../context.js';
import { ApiToken } from '../identity/api-token.type.js';
import { Server } from '../identity/server.type.js';
import { AccessSession } from './access-session.type.js';
import { Command, CommandConnection, commandColumnsFor } from './command.type.js';
import { CommandFilterInput } from './filters.js';
import { Person } from './person.type.js';
import { loadAccessSession, loadPerson, loadServer, loadTerminalSession } from './references.js';
import { TerminalSession } from './terminal-session.type.js';

export const COMMAND_FILTER_IDS = ['userId', 'serverId', 'accessSessionId', 'terminalSessionId'] as const;

@Resolver(() => Command)
export class CommandResolver {
  @Query(() => CommandConnection, { description: 'Commands, newest first: your own, or the whole tenant for admins.' })
  async commands(
    @Ctx() ctx: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => CommandFilterInput, { nullable: true }) filter?: CommandFilterInput | null,
  ): Promise<CommandConnection> {
    const scope = recordScope(ctx.actor, 'commands');
    const columns = commandColumnsFor(connectionNodeFields(info));
    return toConnection(await listCommands(ctx.reads.db(), scope, parseFilterIds(filter, COMMAND_FILTER_IDS), page, columns), Command.from);
  }

  @Query(() => Command, { description: 'A command by id (NOT_FOUND when it is not yours to see).' })
  async command(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<Command> {
    const scope = recordScope(ctx.actor, 'commands');
    const row = await getCommandInScope(ctx.deps.db, scope, parseId('id', id));
    if (!row) throw new NotFound('Command', id);
    return Command.from(row);
  }

  @FieldResolver(() => String, { nullable: true, description: "The output or error message. Others' output: admins only." })
  result(@Root() command: Command, @Ctx() ctx: GraphQLContext): string | null {
    return canSeeField(ctx.actor, 'Command.result', command.record.operatorUserId) ? command.record.result : null;
  }

  @FieldResolver(() => Server)
  server(@Root() command: Command, @Ctx() ctx: GraphQLContext): Promise<Server | null> {
    return loadServer(ctx, command.record.serverId);
  }

  @FieldResolver(() => Person, { nullable: true, description: 'The user who submitted the command (null for agent tasks).' })
  operator(@Root() command: Command, @Ctx() ctx: GraphQLContext): Promise<Person | null> {
    return loadPerson(ctx, command.record.operatorUserId);
  }

  @FieldResolver(() => ApiToken, { nullable: true, description: 'The API token that submitted the command, if one did. Admins and the operator.' })
  async operatorToken(@Root() command: Command, @Ctx() ctx: GraphQLContext): Promise<ApiToken | null> {
    if (!command.record.operatorTokenId || !canSeeField(ctx.actor, 'Command.operatorToken', command.record.operatorUserId)) return null;
    const row = await ctx.loaders.tokenById.load(command.record.operatorTokenId);
    return row ? ApiToken.from(row) : null;
  }

  @FieldResolver(() => TerminalSession, { nullable: true })
  terminalSession(@Root() command: Command, @Ctx() ctx: GraphQLContext): Promise<TerminalSession | null> {
    return loadTerminalSession(ctx, command.record.terminalSessionId);
  }

  @FieldResolver(() => AccessSession, { nullable: true })
  accessSession(@Root() command: Command, @Ctx() ctx: GraphQLContext): Promise<AccessSession | null> {
    return loadAccessSession(ctx, command.record.accessSessionId);
  }
}
