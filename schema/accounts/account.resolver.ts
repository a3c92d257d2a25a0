import { Arg, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { accountAuditLog } from '../../server/accounts/account-audit-log.js';
import { AuditLogFilterInput } from '../audit/audit.resolver.js';
import { accountAdminEmails, accountAdminIn, grantAccountAdmin, revokeAccountAdmin } from '../../server/accounts/account-admins.js';
import { accountStatistics } from '../../server/accounts/account-statistics.js';
import { accountWorkspaces, getAccount, getWorkspace, type AccountDeps } from '../../server/accounts/accounts.js';
import { requireAccountAdmin, requireActor } from '../../server/auth/scope.js';
import { BucketEnum } from '../audit/statistics.type.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import { EventStreamFilter } from '../events/stream-event.types.js';
import { Account, AccountAuditLogPage, AccountStatistics, Workspace } from './account.types.js';

const accountDeps = (ctx: GraphQLContext): AccountDeps => ({ db: ctx.deps.db, clock: ctx.deps.clock, request: ctx.request });

async function accountOf(ctx: GraphQLContext, accountId: string): Promise<Account> {
  const db = ctx.deps.db;
  const [row, workspaces, admins] = await Promise.all([getAccount(db, accountId), accountWorkspaces(db, accountId), accountAdminEmails(db, accountId)]);
  return Account.from(row, workspaces, admins);
}

@Resolver()
export class AccountResolver {
  @Query(() => Workspace, {
    description: 'The workspace this request acts in: the credential’s own, or the one an account admin chose with Vigil-Workspace.',
  })
  async workspace(@Ctx() ctx: GraphQLContext): Promise<Workspace> {
    const actor = requireActor(ctx.actor);
    return Workspace.from(await getWorkspace(ctx.deps.db, actor.tenantId));
  }

  @Query(() => Account, { description: 'The account (organisation) of the workspace you act in: its workspaces and admins. Account admins only.' })
  async account(@Ctx() ctx: GraphQLContext): Promise<Account> {
    const admin = requireAccountAdmin(ctx.actor);
    return accountOf(ctx, admin.accountId);
  }

  @Query(() => AccountStatistics, {
    description:
      'Account-wide event statistics over a window (7 days by default): each workspace’s, counted as in eventStatistics, and their sums. `workspaces` (slugs or ids) narrows it; left out, every workspace of the account. Account admins only.',
  })
  async accountStatistics(
    @Ctx() ctx: GraphQLContext,
    @Arg('since', () => Date, { nullable: true }) since?: Date | null,
    @Arg('until', () => Date, { nullable: true }) until?: Date | null,
    @Arg('bucket', () => BucketEnum, { nullable: true }) bucket?: BucketEnum | null,
    @Arg('filter', () => EventStreamFilter, { nullable: true, description: 'Its since and until are the window’s own.' }) filter?: EventStreamFilter | null,
    @Arg('workspaces', () => [String], { nullable: true }) workspaces?: string[] | null,
  ): Promise<AccountStatistics> {
    const { since: _since, until: _until, ...rest } = filter ?? {};
    return AccountStatistics.from(await accountStatistics(serviceContext(ctx), ctx.deps.audit.log, { since, until, bucket, filter: rest, workspaces }));
  }

  @Query(() => AccountAuditLogPage, {
    description:
      'The audit logs of the account’s workspaces (all, or those `workspaces` names), merged newest first, each entry with its workspace: the organisation filter left out. Each workspace records the reading in its own log. Account admins only.',
  })
  async accountAuditLog(
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true, description: 'Page size (default 50, at most 500).' }) first?: number | null,
    @Arg('after', () => String, { nullable: true, description: 'The endCursor of the previous page.' }) after?: string | null,
    @Arg('filter', () => AuditLogFilterInput, { nullable: true }) filter?: AuditLogFilterInput | null,
    @Arg('workspaces', () => [String], { nullable: true }) workspaces?: string[] | null,
  ): Promise<AccountAuditLogPage> {
    const page = await accountAuditLog(serviceContext(ctx), (tenantId) => ctx.deps.audit.log.catchUp(tenantId), {
      first,
      after,
      filter: { ...(filter ?? {}) },
      workspaces,
    });
    return AccountAuditLogPage.from(page);
  }

  @Mutation(() => Account, {
    description:
      'Makes a person (by email) an admin of every workspace of your account, creating their user where a workspace has none; recorded in each workspace’s log. Account admins only.',
  })
  async grantAccountAdmin(@Ctx() ctx: GraphQLContext, @Arg('email', () => String) email: string): Promise<Account> {
    const admin = requireAccountAdmin(ctx.actor);
    await grantAccountAdmin(accountDeps(ctx), admin.accountId, email, accountAdminIn(admin));
    return accountOf(ctx, admin.accountId);
  }

  @Mutation(() => Account, {
    description:
      'Ends a person’s account admin role in every workspace at once (their users stay, with their own roles); open subscriptions re-check at once. Account admins only.',
  })
  async revokeAccountAdmin(@Ctx() ctx: GraphQLContext, @Arg('email', () => String) email: string): Promise<Account> {
    const admin = requireAccountAdmin(ctx.actor);
    await revokeAccountAdmin(accountDeps(ctx), admin.accountId, email, accountAdminIn(admin));
    return accountOf(ctx, admin.accountId);
  }
}
