import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import { listArchiveObjects } from '../../server/archive/archive-objects.js';
import { requirePermission } from '../../server/auth/scope.js';
import { BadInput } from '../../server/errors.js';
import type { GraphQLContext } from '../context.js';
import { LogArchive } from './archive.types.js';
import { toLogCheckpoint } from './log.resolver.js';

@Resolver()
export class LogArchiveResolver {
  @Query(() => LogArchive, {
    nullable: true,
    description: 'The log’s archive in object storage and its objects, newest first; null when no archive is configured. Needs AUDIT_LOGS_VIEW.',
  })
  async logArchive(
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true, defaultValue: 48 }) first?: number,
    @Arg('before', () => Date, { nullable: true, description: 'Only periods starting before this time (the next page).' }) before?: Date | null,
  ): Promise<LogArchive | null> {
    const actor = requirePermission(ctx.actor, 'audit_logs.view');
    if (first === undefined || first < 1 || first > 500) throw new BadInput('first', 'first must be between 1 and 500');
    const archive = ctx.deps.archive;
    if (!archive) return null;
    const objects = await listArchiveObjects(ctx.deps.db, actor.tenantId, { before, limit: first });
    return {
      location: `${archive.location}tenants/${actor.tenantId}/log/`,
      period: archive.period.toUpperCase(),
      objects: objects.map((object) => ({ ...object, checkpoint: object.checkpoint ? toLogCheckpoint(object.checkpoint) : null })),
    };
  }
}
