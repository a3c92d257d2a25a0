import { Arg, Args, Ctx, Field, ID, InputType, Int, Query, Resolver } from 'type-graphql';
import { auditStatistics } from '../../server/audit/statistics.js';
import { getAuditEntry, listAuditEntries, type AuditFilter } from '../../server/audit/list-entries.js';
import { recordAuditView } from '../../server/audit/record-view.js';
import { chainKeysOf, verifyAuditIntegrity } from '../../server/audit/verify-integrity.js';
import { listSigningKeys, latestCheckpoint } from '../../server/audit/published.js';
import { requirePermission, requireUser } from '../../server/auth/scope.js';
import { raiseIntegrityAlarm } from '../../server/audit/integrity-alarm.js';
import { BadInput, NotFound } from '../../server/errors.js';
import { PageArgs, toConnection } from '../common/connection.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import { logCaughtUp } from '../log/caught-up.js';
import { AuditActorTypeEnum, AuditEntry, AuditEntryConnection } from './audit-entry.type.js';
import { AuditCheckpoint, AuditIntegrityReport, AuditSigningKey } from './integrity.type.js';
import { AuditStatistics, BucketEnum } from './statistics.type.js';

@InputType()
export class AuditLogFilterInput {
  @Field(() => String, { nullable: true, description: 'A user id, agent token id or system part name.' })
  actorId?: string | null;
  @Field(() => AuditActorTypeEnum, { nullable: true })
  actorType?: AuditActorTypeEnum | null;
  @Field(() => [String], { nullable: true })
  action?: string[] | null;
  @Field(() => String, { nullable: true })
  resourceType?: string | null;
  @Field(() => String, { nullable: true })
  resourceId?: string | null;
  @Field(() => Date, { nullable: true })
  from?: Date | null;
  @Field(() => Date, { nullable: true })
  to?: Date | null;
  @Field(() => String, { nullable: true, description: 'Text in the actor email, action, resource or snapshots.' })
  keyword?: string | null;
}

const plainFilter = (filter: AuditLogFilterInput | null | undefined): AuditFilter => ({ ...(filter ?? {}) });

@Resolver()
export class AuditResolver {
  @Query(() => AuditEntryConnection, { description: 'The audit log, newest first. Needs AUDIT_LOGS_VIEW; every search is itself recorded.' })
  async auditLog(
    @Ctx() ctx: GraphQLContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => AuditLogFilterInput, { nullable: true }) filter?: AuditLogFilterInput | null,
  ): Promise<AuditEntryConnection> {
    const actor = requirePermission(ctx.actor, 'audit_logs.view');
    await logCaughtUp(ctx);
    const rows = await listAuditEntries(ctx.deps.db, actor.tenantId, plainFilter(filter), page);
    await recordAuditView(serviceContext(ctx), 'audit.log_viewed', 'audit_log', { view: 'search', filter: plainFilter(filter) });
    return toConnection(rows, AuditEntry.from);
  }

  @Query(() => AuditEntry, { description: 'One entry, with its before and after snapshots, by id or sequence number.' })
  async auditEntry(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID, { nullable: true }) id?: string | null,
    @Arg('seq', () => Int, { nullable: true }) seq?: number | null,
  ): Promise<AuditEntry> {
    const actor = requirePermission(ctx.actor, 'audit_logs.view');
    if ((id == null) === (seq == null)) throw new BadInput('id', 'Give either id or seq');
    await logCaughtUp(ctx);
    const row = await getAuditEntry(ctx.deps.db, actor.tenantId, { id: id ?? undefined, seq: seq ?? undefined });
    if (!row) throw new NotFound('Audit entry', String(id ?? seq));
    await recordAuditView(serviceContext(ctx), 'audit.log_viewed', 'audit_entry', { view: 'detail', seq: row.seq });
    return AuditEntry.from(row);
  }

  @Query(() => [AuditEntry], { description: 'The latest entries (10 by default, at most 50), for dashboard widgets.' })
  async recentAuditActivity(@Ctx() ctx: GraphQLContext, @Arg('limit', () => Int, { nullable: true }) limit?: number | null): Promise<AuditEntry[]> {
    const actor = requirePermission(ctx.actor, 'audit_logs.view');
    const size = limit ?? 10;
    if (!Number.isInteger(size) || size < 1 || size > 50) throw new BadInput('limit', 'limit must be between 1 and 50');
    await logCaughtUp(ctx);
    const rows = await listAuditEntries(ctx.deps.db, actor.tenantId, {}, { first: size });
    await recordAuditView(serviceContext(ctx), 'audit.log_viewed', 'audit_log', { view: 'recent', limit: size });
    return rows.nodes.map(AuditEntry.from);
  }

  @Query(() => AuditStatistics, { description: 'Counts by action, actor and actor type, and a time series, over a window (7 days by default).' })
  async auditStatistics(
    @Ctx() ctx: GraphQLContext,
    @Arg('from', () => Date, { nullable: true }) from?: Date | null,
    @Arg('to', () => Date, { nullable: true }) to?: Date | null,
    @Arg('bucket', () => BucketEnum, { nullable: true }) bucket?: BucketEnum | null,
    @Arg('filter', () => AuditLogFilterInput, { nullable: true }) filter?: AuditLogFilterInput | null,
  ): Promise<AuditStatistics> {
    const actor = requirePermission(ctx.actor, 'audit_logs.view');
    await logCaughtUp(ctx);
    const statistics = await auditStatistics(ctx.deps.db, actor.tenantId, { from, to, bucket, filter: plainFilter(filter) }, ctx.deps.clock.now());
    await recordAuditView(serviceContext(ctx), 'audit.log_viewed', 'audit_statistics', {
      view: 'statistics',
      from: statistics.from,
      to: statistics.to,
      bucket,
    });
    return statistics;
  }

  @Query(() => AuditIntegrityReport, {
    description: 'Walks the chain and its signed checkpoints and reports intact, or the first broken link. Needs AUDIT_LOGS_VIEW.',
  })
  async auditIntegrity(
    @Ctx() ctx: GraphQLContext,
    @Arg('fromSeq', () => Int, { nullable: true }) fromSeq?: number | null,
    @Arg('toSeq', () => Int, { nullable: true }) toSeq?: number | null,
  ): Promise<AuditIntegrityReport> {
    const actor = requirePermission(ctx.actor, 'audit_logs.view');
    await logCaughtUp(ctx);
    const report = await verifyAuditIntegrity(ctx.deps.db, actor.tenantId, chainKeysOf(ctx.deps.audit.trustedLogKeys), { fromSeq, toSeq });
    await recordAuditView(serviceContext(ctx), 'audit.verified', 'audit_log', {
      fromSeq: report.fromSeq,
      toSeq: report.toSeq,
      isIntact: report.isIntact,
      fault: report.fault,
    });
    await raiseIntegrityAlarm(serviceContext(ctx), report);
    return report as AuditIntegrityReport;
  }

  @Query(() => AuditCheckpoint, { nullable: true, description: 'The latest signed checkpoint of your tenant’s chain.' })
  async latestAuditCheckpoint(@Ctx() ctx: GraphQLContext): Promise<AuditCheckpoint | null> {
    const actor = requirePermission(ctx.actor, 'audit_logs.view');
    await logCaughtUp(ctx);
    return (await latestCheckpoint(ctx.deps.db, actor.tenantId)) ?? null;
  }

  @Query(() => [AuditSigningKey], { description: 'Every public key that signed checkpoints (rotated ones included).' })
  async auditSigningKeys(@Ctx() ctx: GraphQLContext): Promise<AuditSigningKey[]> {
    // People verify exports with these; agent tokens read nothing.
    requireUser(ctx.actor);
    return (await listSigningKeys(ctx.deps.db)).map((key) => ({ ...key, algorithm: 'Ed25519' }));
  }
}
