import { Arg, Args, Ctx, Field, ID, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { listSudoChecks } from '../../server/approvals/approval-queries.js';
import { authorizeSudo } from '../../server/approvals/authorize-sudo.js';
import { grantSudo, revokeSudoAuthorization } from '../../server/approvals/sudo-grants.js';
import { requireAdmin } from '../../server/auth/scope.js';
import { inTransaction } from '../../server/service-context.js';
import { parseFilterIds, parseId } from '../../server/validation.js';
import { PageArgs, toConnection } from '../common/connection.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import { SudoAuthorization } from '../records/sudo-authorization.type.js';
import { AuthorizeSudoInput, GrantSudoInput, SudoCheckFilterInput } from './inputs.js';
import { SudoCheck, SudoCheckConnection } from './sudo-check.type.js';

@ObjectType({ simpleResolvers: true, description: 'The answer to an agent’s sudo check.' })
export class SudoCheckResult {
  @Field(() => Boolean)
  isAllowed!: boolean;
  @Field(() => SudoCheck, { description: 'The check as recorded.' })
  check!: SudoCheck;
  @Field(() => SudoAuthorization, { nullable: true, description: 'The grant that allows the command.' })
  authorization!: SudoAuthorization | null;
}

@Resolver()
export class SudoResolver {
  @Mutation(() => SudoCheckResult, {
    description: 'For agent tokens: may this user run this command through sudo on the agent’s server now? Every check is recorded.',
  })
  async authorizeSudo(@Ctx() ctx: GraphQLContext, @Arg('input', () => AuthorizeSudoInput) input: AuthorizeSudoInput): Promise<SudoCheckResult> {
    const { server, user, command } = input;
    const result = await inTransaction(serviceContext(ctx), (tx) => authorizeSudo(tx, { server, user, command }));
    return Object.assign(new SudoCheckResult(), {
      isAllowed: result.check.isAllowed,
      check: SudoCheck.from(result.check),
      authorization: result.authorization ? SudoAuthorization.from(result.authorization) : null,
    });
  }

  @Mutation(() => SudoAuthorization, { description: 'Grants sudo directly, outside any request. Admins only.' })
  async grantSudo(@Ctx() ctx: GraphQLContext, @Arg('input', () => GrantSudoInput) input: GrantSudoInput): Promise<SudoAuthorization> {
    requireAdmin(ctx.actor);
    const { server, user, command, isPattern, durationMinutes, reason } = input;
    return SudoAuthorization.from(
      await inTransaction(serviceContext(ctx), (tx) => grantSudo(tx, { server, user, command, isPattern: isPattern ?? undefined, durationMinutes, reason })),
    );
  }

  @Mutation(() => SudoAuthorization, { description: 'Revokes a sudo grant in force. Admins only.' })
  async revokeSudoAuthorization(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID) id: string,
    @Arg('reason', () => String) reason: string,
  ): Promise<SudoAuthorization> {
    requireAdmin(ctx.actor);
    return SudoAuthorization.from(await inTransaction(serviceContext(ctx), (tx) => revokeSudoAuthorization(tx, parseId('id', id), reason)));
  }

  @Query(() => SudoCheckConnection, { description: 'Agents’ sudo checks, newest first. Admins only.' })
  async sudoChecks(
    @Ctx() ctx: GraphQLContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => SudoCheckFilterInput, { nullable: true }) filter?: SudoCheckFilterInput | null,
  ): Promise<SudoCheckConnection> {
    const admin = requireAdmin(ctx.actor);
    return toConnection(await listSudoChecks(ctx.reads.db(), admin.tenantId, parseFilterIds(filter, ['serverId', 'userId']), page), SudoCheck.from);
  }
}
