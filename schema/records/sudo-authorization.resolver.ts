import { Arg, Args, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { recordScope } from '../../server/auth/scope.js';
import { NotFound } from '../../server/errors.js';
import { getSudoAuthorizationInScope, listSudoAuthorizations } from '../../server/records/queries/list-sudo-authorizations.js';
import { parseFilterIds, parseId } from '../../server/validation.js';
import { PageArgs, toConnection } from '../common/connection.js';
import type { GraphQLContext } from '../context.js';
import { Server } from '../identity/server.type.js';
import { AccessSession } from './access-session.type.js';
import { SudoAuthorizationFilterInput } from './filters.js';
import { Person } from './person.type.js';
import { loadAccessSession, loadPerson, loadServer } from './references.js';
import { SudoAuthorization, SudoAuthorizationConnection } from './sudo-authorization.type.js';

export const SUDO_FILTER_IDS = ['userId', 'serverId', 'accessSessionId'] as const;

@Resolver(() => SudoAuthorization)
export class SudoAuthorizationResolver {
  @Query(() => SudoAuthorizationConnection, { description: 'Sudo authorizations, newest first: those granted to you, or all for admins.' })
  async sudoAuthorizations(
    @Ctx() ctx: GraphQLContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => SudoAuthorizationFilterInput, { nullable: true }) filter?: SudoAuthorizationFilterInput | null,
  ): Promise<SudoAuthorizationConnection> {
    const scope = recordScope(ctx.actor, 'sudoAuthorizations');
    return toConnection(await listSudoAuthorizations(ctx.reads.db(), scope, parseFilterIds(filter, SUDO_FILTER_IDS), page), SudoAuthorization.from);
  }

  @Query(() => SudoAuthorization)
  async sudoAuthorization(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<SudoAuthorization> {
    const row = await getSudoAuthorizationInScope(ctx.deps.db, recordScope(ctx.actor, 'sudoAuthorizations'), parseId('id', id));
    if (!row) throw new NotFound('Sudo authorization', id);
    return SudoAuthorization.from(row);
  }

  @FieldResolver(() => Boolean, { description: 'In force now: neither revoked nor expired.' })
  isActive(@Root() grant: SudoAuthorization, @Ctx() ctx: GraphQLContext): boolean {
    const now = ctx.deps.clock.now().getTime();
    return grant.record.revokedAt === null && (grant.record.expiresAt === null || grant.record.expiresAt.getTime() > now);
  }

  @FieldResolver(() => Server)
  async server(@Root() grant: SudoAuthorization, @Ctx() ctx: GraphQLContext): Promise<Server> {
    return (await loadServer(ctx, grant.record.serverId))!;
  }

  @FieldResolver(() => Person, { description: 'Who may run the command.' })
  async user(@Root() grant: SudoAuthorization, @Ctx() ctx: GraphQLContext): Promise<Person> {
    return (await loadPerson(ctx, grant.record.userId))!;
  }

  @FieldResolver(() => Person, { nullable: true, description: 'The admin or approver who granted it.' })
  grantedBy(@Root() grant: SudoAuthorization, @Ctx() ctx: GraphQLContext): Promise<Person | null> {
    return loadPerson(ctx, grant.record.grantedById);
  }

  @FieldResolver(() => Person, { nullable: true, description: 'The admin who revoked it, or the person who ended its session.' })
  revokedBy(@Root() grant: SudoAuthorization, @Ctx() ctx: GraphQLContext): Promise<Person | null> {
    return loadPerson(ctx, grant.record.revokedById);
  }

  @FieldResolver(() => AccessSession, { nullable: true })
  accessSession(@Root() grant: SudoAuthorization, @Ctx() ctx: GraphQLContext): Promise<AccessSession | null> {
    return loadAccessSession(ctx, grant.record.accessSessionId);
  }
}
