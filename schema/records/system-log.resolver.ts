import { Arg, Args, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { recordScope } from '../../server/auth/scope.js';
import { NotFound } from '../../server/errors.js';
import { getSystemLogInScope, listSystemLogs } from '../../server/records/queries/list-system-logs.js';
import { parseFilterIds, parseId } from '../../server/validation.js';
import { PageArgs, toConnection } from '../common/connection.js';
import type { GraphQLContext } from '../context.js';
import { Server } from '../identity/server.type.js';
import { SystemLogFilterInput } from './filters.js';
import { loadServer } from './references.js';
import { SystemLog, SystemLogConnection } from './system-log.type.js';

@Resolver(() => SystemLog)
export class SystemLogResolver {
  @Query(() => SystemLogConnection, { description: 'System logs, newest first. Admins and holders of MONITORING_VIEW.' })
  async systemLogs(
    @Ctx() ctx: GraphQLContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => SystemLogFilterInput, { nullable: true }) filter?: SystemLogFilterInput | null,
  ): Promise<SystemLogConnection> {
    const scope = recordScope(ctx.actor, 'systemLogs');
    return toConnection(await listSystemLogs(ctx.reads.db(), scope, parseFilterIds(filter, ['serverId']), page), SystemLog.from);
  }

  @Query(() => SystemLog)
  async systemLog(@Ctx() ctx: GraphQLContext, @Arg('id', () => ID) id: string): Promise<SystemLog> {
    const row = await getSystemLogInScope(ctx.deps.db, recordScope(ctx.actor, 'systemLogs'), parseId('id', id));
    if (!row) throw new NotFound('System log', id);
    return SystemLog.from(row);
  }

  @FieldResolver(() => Server)
  async server(@Root() log: SystemLog, @Ctx() ctx: GraphQLContext): Promise<Server> {
    return (await loadServer(ctx, log.record.serverId))!;
  }
}
