import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, ObjectType, Query, Resolver } from 'type-graphql';
import { ownRowsScope, requireUser } from '../../server/auth/scope.js';
import { getUser } from '../../server/identity/users.js';
import { listAccessSessions } from '../../server/records/queries/list-access-sessions.js';
import { listCommands } from '../../server/records/queries/list-commands.js';
import { listFileTransfers } from '../../server/records/queries/list-file-transfers.js';
import { listSudoAuthorizations } from '../../server/records/queries/list-sudo-authorizations.js';
import { listTerminalSessions } from '../../server/records/queries/list-terminal-sessions.js';
import { parseFilterIds } from '../../server/validation.js';
import { PageArgs, toConnection } from '../common/connection.js';
import { connectionNodeFields } from '../common/selected-fields.js';
import type { GraphQLContext } from '../context.js';
import { User } from '../identity/user.type.js';
import { ACCESS_SESSION_FILTER_IDS } from './access-session.resolver.js';
import { AccessSession, AccessSessionConnection } from './access-session.type.js';
import { COMMAND_FILTER_IDS } from './command.resolver.js';
import { Command, CommandConnection, commandColumnsFor } from './command.type.js';
import { FILE_TRANSFER_FILTER_IDS } from './file-transfer.resolver.js';
import { FileTransfer, FileTransferConnection } from './file-transfer.type.js';
import { AccessSessionFilterInput, CommandFilterInput, FileTransferFilterInput, SudoAuthorizationFilterInput, TerminalSessionFilterInput } from './filters.js';
import { SUDO_FILTER_IDS } from './sudo-authorization.resolver.js';
import { SudoAuthorization, SudoAuthorizationConnection } from './sudo-authorization.type.js';
import { TERMINAL_SESSION_FILTER_IDS } from './terminal-session.resolver.js';
import { TerminalSession, TerminalSessionConnection } from './terminal-session.type.js';

@ObjectType({ simpleResolvers: true, description: '"My sessions / My events": the signed-in user and their own records, whatever their role.' })
export class Viewer {}

@Resolver(() => Viewer)
export class ViewerResolver {
  @Query(() => Viewer)
  viewer(@Ctx() ctx: GraphQLContext): Viewer {
    requireUser(ctx.actor);
    return new Viewer();
  }

  @FieldResolver(() => User)
  async user(@Ctx() ctx: GraphQLContext): Promise<User> {
    const actor = requireUser(ctx.actor);
    return User.from(await getUser(ctx.deps.db, actor.tenantId, actor.userId));
  }

  @FieldResolver(() => AccessSessionConnection, { description: 'My sessions: access I requested.' })
  async accessSessions(
    @Ctx() ctx: GraphQLContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => AccessSessionFilterInput, { nullable: true }) filter?: AccessSessionFilterInput | null,
  ): Promise<AccessSessionConnection> {
    const rows = await listAccessSessions(ctx.reads.db(), ownRowsScope(ctx.actor), parseFilterIds(filter, ACCESS_SESSION_FILTER_IDS), page);
    return toConnection(rows, AccessSession.from);
  }

  @FieldResolver(() => TerminalSessionConnection, { description: 'My terminal sessions.' })
  async terminalSessions(
    @Ctx() ctx: GraphQLContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => TerminalSessionFilterInput, { nullable: true }) filter?: TerminalSessionFilterInput | null,
  ): Promise<TerminalSessionConnection> {
    const rows = await listTerminalSessions(ctx.reads.db(), ownRowsScope(ctx.actor), parseFilterIds(filter, TERMINAL_SESSION_FILTER_IDS), page);
    return toConnection(rows, TerminalSession.from);
  }

  @FieldResolver(() => CommandConnection, { description: 'Commands I ran.' })
  async commands(
    @Ctx() ctx: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => CommandFilterInput, { nullable: true }) filter?: CommandFilterInput | null,
  ): Promise<CommandConnection> {
    const columns = commandColumnsFor(connectionNodeFields(info));
    return toConnection(await listCommands(ctx.reads.db(), ownRowsScope(ctx.actor), parseFilterIds(filter, COMMAND_FILTER_IDS), page, columns), Command.from);
  }

  @FieldResolver(() => FileTransferConnection, { description: 'Files I transferred.' })
  async fileTransfers(
    @Ctx() ctx: GraphQLContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => FileTransferFilterInput, { nullable: true }) filter?: FileTransferFilterInput | null,
  ): Promise<FileTransferConnection> {
    const rows = await listFileTransfers(ctx.reads.db(), ownRowsScope(ctx.actor), parseFilterIds(filter, FILE_TRANSFER_FILTER_IDS), page);
    return toConnection(rows, FileTransfer.from);
  }

  @FieldResolver(() => SudoAuthorizationConnection, { description: 'Sudo grants I received.' })
  async sudoAuthorizations(
    @Ctx() ctx: GraphQLContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => SudoAuthorizationFilterInput, { nullable: true }) filter?: SudoAuthorizationFilterInput | null,
  ): Promise<SudoAuthorizationConnection> {
    const rows = await listSudoAuthorizations(ctx.reads.db(), ownRowsScope(ctx.actor), parseFilterIds(filter, SUDO_FILTER_IDS), page);
    return toConnection(rows, SudoAuthorization.from);
  }
}
