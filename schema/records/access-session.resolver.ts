import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { endAccessSession, revokeAccessSession } from '../../server/approvals/access-session-lifecycle.js';
import { inTransaction } from '../../server/service-context.js';
import { Approval } from '../approvals/approval.type.js';
import { ExtensionAllowance } from '../approvals/extension-allowance.type.js';
import { extensionAllowance } from '../../server/approvals/extend-access.js';
import { serviceContext } from '../context.js';
import { recordScope, requireActor } from '../../server/auth/scope.js';
import { NotFound } from '../../server/errors.js';
import { getAccessSessionInScope, listAccessSessions } from '../../server/records/queries/list-access-sessions.js';
import { parseFilterIds, parseId } from '../../server/validation.js';
import { PageArgs, toConnection } from '../common/connection.js';
import type { GraphQLContext } from '../context.js';
import { Server } from '../identity/server.type.js';
import { AccessSession, AccessSessionConnection } from './access-session.type.js';
import { Command, CommandConnection } from './command.type.js';
import { FileTransfer, FileTransferConnection } from './file-transfer.type.js';
import { AccessSessionFilterInput } from './filters.js';
import { commandsOfAccessSession, fileTransfersOfAccessSession, sudoAuthorizationsOfAccessSession, terminalSessionsOfAccessSession } from './nested-sources.js';
import { Person } from './person.type.js';
import { loadPerson, loadServer } from './references.js';
import { SudoAuthorization, SudoAuthorizationConnection } from './sudo-authorization.type.js';
import { TerminalSession, TerminalSessionConnection } from './terminal-session.type.js';

export const ACCESS_SESSION_FILTER_IDS = ['userId', 'approverId', 'serverId'] as const;

@Resolver(() => AccessSession)
export class AccessSessionResolver {
  @Query(() => AccessSessionConnection, { description: 'Access sessions, newest first: those you requested, or all for admins.' })
  async accessSessions(
    @Ctx() ctx: GraphQLContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => AccessSessionFilterInput, { nullable: true }) filter?: AccessSessionFilterInput | null,
  ): Promise<AccessSessionConnection> {
    const scope = recordScope(ctx.actor, 'accessSessions');
    return toConnection(await listAccessSessions(ctx.reads.db(), scope, parseFilterIds(filter, ACCESS_SESSION_FILTER_IDS), page), AccessSession.from);
  }

  @Query(() => AccessSession)
  async accessSession(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<AccessSession> {
    const row = await getAccessSessionInScope(ctx.deps.db, recordScope(ctx.actor, 'accessSessions'), parseId('id', id));
    if (!row) throw new NotFound('Access session', id);
    return AccessSession.from(row);
  }

  @Mutation(() => AccessSession, {
    description: 'Ends an approved or active session: your own (a reason is optional), or anyone’s for admins (with a reason). Its sudo grants end with it.',
  })
  async endAccessSession(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('reason', () => String, { nullable: true }) reason?: string | null,
  ): Promise<AccessSession> {
    return AccessSession.from(await inTransaction(serviceContext(ctx), (tx) => endAccessSession(tx, parseId('id', id), reason)));
  }

  @Mutation(() => AccessSession, { description: 'Revokes an approved or active session, with a reason; its sudo grants end with it. Admins only.' })
  async revokeAccessSession(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string, @Arg('reason', () => String) reason: string): Promise<AccessSession> {
    return AccessSession.from(await inTransaction(serviceContext(ctx), (tx) => revokeAccessSession(tx, parseId('id', id), reason)));
  }

  @FieldResolver(() => Approval, { nullable: true, description: 'The request behind the session.' })
  async approval(@Root() session: AccessSession, @Ctx() ctx: GraphQLContext): Promise<Approval | null> {
    const row = session.record.approvalId ? await ctx.loaders.approvalById.load(session.record.approvalId) : null;
    return row ? Approval.from(row) : null;
  }

  @FieldResolver(() => ExtensionAllowance, {
    nullable: true,
    description: 'Whether and how the session may be extended now, under its policy; null once it is not in force.',
  })
  async extension(@Root() session: AccessSession, @Ctx() ctx: GraphQLContext): Promise<ExtensionAllowance | null> {
    const allowance = await extensionAllowance(ctx.deps.db, requireActor(ctx.actor).tenantId, session.record, ctx.deps.clock.now());
    return allowance ? ExtensionAllowance.from(allowance) : null;
  }

  @FieldResolver(() => Approval, { nullable: true, description: 'The extension of this session waiting for a decision, if any.' })
  async pendingExtension(@Root() session: AccessSession, @Ctx() ctx: GraphQLContext): Promise<Approval | null> {
    const allowance = await extensionAllowance(ctx.deps.db, requireActor(ctx.actor).tenantId, session.record, ctx.deps.clock.now());
    const row = allowance?.pendingApprovalId ? await ctx.loaders.approvalById.load(allowance.pendingApprovalId) : null;
    return row ? Approval.from(row) : null;
  }

  @FieldResolver(() => Person)
  async requester(@Root() session: AccessSession, @Ctx() ctx: GraphQLContext): Promise<Person> {
    return (await loadPerson(ctx, session.record.requesterId))!;
  }

  @FieldResolver(() => Person, { nullable: true })
  approver(@Root() session: AccessSession, @Ctx() ctx: GraphQLContext): Promise<Person | null> {
    return loadPerson(ctx, session.record.approverId);
  }

  @FieldResolver(() => Person, { nullable: true, description: 'Who ended or revoked the session.' })
  endedBy(@Root() session: AccessSession, @Ctx() ctx: GraphQLContext): Promise<Person | null> {
    return loadPerson(ctx, session.record.endedById);
  }

  @FieldResolver(() => [Server], { description: 'The servers in scope.' })
  async servers(@Root() session: AccessSession, @Ctx() ctx: GraphQLContext): Promise<Server[]> {
    const servers = await Promise.all(session.record.serverIds.map((id) => loadServer(ctx, id)));
    return servers.filter((server): server is Server => server !== null);
  }

  @FieldResolver(() => TerminalSessionConnection, { description: 'Terminal sessions opened in this access session.' })
  async terminalSessions(@Root() session: AccessSession, @Ctx() ctx: GraphQLContext, @Args(() => PageArgs) page: PageArgs): Promise<TerminalSessionConnection> {
    return toConnection(await terminalSessionsOfAccessSession(ctx, session.id, page), TerminalSession.from);
  }

  @FieldResolver(() => CommandConnection, { description: 'Commands run in this access session.' })
  async commands(@Root() session: AccessSession, @Ctx() ctx: GraphQLContext, @Args(() => PageArgs) page: PageArgs): Promise<CommandConnection> {
    return toConnection(await commandsOfAccessSession(ctx, session.id, page), Command.from);
  }

  @FieldResolver(() => FileTransferConnection, { description: 'Files moved in this access session.' })
  async fileTransfers(@Root() session: AccessSession, @Ctx() ctx: GraphQLContext, @Args(() => PageArgs) page: PageArgs): Promise<FileTransferConnection> {
    return toConnection(await fileTransfersOfAccessSession(ctx, session.id, page), FileTransfer.from);
  }

  @FieldResolver(() => SudoAuthorizationConnection, { description: 'Sudo grants made in this access session.' })
  async sudoAuthorizations(
    @Root() session: AccessSession,
    @Ctx() ctx: GraphQLContext,
    @Args(() => PageArgs) page: PageArgs,
  ): Promise<SudoAuthorizationConnection> {
    return toConnection(await sudoAuthorizationsOfAccessSession(ctx, session.id, page), SudoAuthorization.from);
  }
}
