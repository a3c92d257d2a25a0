import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import { requirePermission } from '../../server/auth/scope.js';
import { recordAuditView } from '../../server/audit/record-view.js';
import { BadInput } from '../../server/errors.js';
import { latestLogCheckpoint } from '../../server/log/checkpoints.js';
import type { LogCheckpointRecord } from '../../server/log/log-checkpoint.js';
import { raiseLogAlarm } from '../../server/log/log-alarm.js';
import { leavesOfRecord, listLogCheckpoints, proveConsistency, proveInclusion, type StoredLeaf } from '../../server/log/proofs.js';
import { verifyLog } from '../../server/log/verify-log.js';
import { serviceContext, type GraphQLContext } from '../context.js';
import { logCaughtUp } from './caught-up.js';
import { LogCheckpoint, LogConsistencyProof, LogInclusionProof, LogIntegrityReport, LogLeaf } from './log.types.js';

const GRAPHQL_MAX_INT = 2 ** 31 - 1;

export const toLogCheckpoint = (checkpoint: LogCheckpointRecord): LogCheckpoint => ({
  id: checkpoint.id,
  size: checkpoint.size,
  rootHash: checkpoint.rootHash.toString('base64'),
  signedAt: checkpoint.signedAt,
  note: checkpoint.note,
});

export const toLogLeaf = (leaf: StoredLeaf, canReadText: boolean): LogLeaf => ({
  index: leaf.index,
  kind: leaf.kind,
  recordId: leaf.recordId,
  leafHash: leaf.leafHash.toString('base64'),
  leaf: canReadText ? leaf.leaf : null,
});

/** The verifiable log: checkpoints, leaves, proofs and the full verification. All need AUDIT_LOGS_VIEW. */
@Resolver()
export class LogResolver {
  @Query(() => LogCheckpoint, { nullable: true, description: 'The latest signed checkpoint of your tenant’s log.' })
  async latestLogCheckpoint(@Ctx() ctx: GraphQLContext): Promise<LogCheckpoint | null> {
    const actor = requirePermission(ctx.actor, 'audit_logs.view');
    await logCaughtUp(ctx);
    const row = await latestLogCheckpoint(ctx.deps.db, actor.tenantId);
    return row ? toLogCheckpoint(row) : null;
  }

  @Query(() => [LogCheckpoint], {
    description: 'Signed checkpoints, newest first, quiet-period ones included: two of them show what happened between their times.',
  })
  async logCheckpoints(
    @Ctx() ctx: GraphQLContext,
    @Arg('since', () => Date, { nullable: true }) since?: Date | null,
    @Arg('until', () => Date, { nullable: true }) until?: Date | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first?: number,
  ): Promise<LogCheckpoint[]> {
    const actor = requirePermission(ctx.actor, 'audit_logs.view');
    if (first === undefined || first < 1 || first > 500) throw new BadInput('first', 'first must be between 1 and 500');
    await logCaughtUp(ctx);
    return (await listLogCheckpoints(ctx.deps.db, actor.tenantId, { since, until, limit: first })).map(toLogCheckpoint);
  }

  @Query(() => [LogLeaf], { description: 'Every version of a record in the log, oldest first.' })
  async logLeaves(@Ctx() ctx: GraphQLContext, @Arg('recordId', () => String) recordId: string): Promise<LogLeaf[]> {
    const actor = requirePermission(ctx.actor, 'audit_logs.view');
    await logCaughtUp(ctx);
    return (await leavesOfRecord(ctx.deps.db, actor.tenantId, recordId)).map((leaf) => toLogLeaf(leaf, true));
  }

  @Query(() => LogInclusionProof, {
    description:
      'Proves a record’s latest version (or the leaf at leafIndex) is in the tree of treeSize leaves; by default against the latest signed checkpoint.',
  })
  async logInclusionProof(
    @Ctx() ctx: GraphQLContext,
    @Arg('recordId', () => String, { nullable: true }) recordId?: string | null,
    @Arg('leafIndex', () => Int, { nullable: true }) leafIndex?: number | null,
    @Arg('treeSize', () => Int, { nullable: true }) treeSize?: number | null,
  ): Promise<LogInclusionProof> {
    const actor = requirePermission(ctx.actor, 'audit_logs.view');
    // The proof's statement says whether leaves are queued; the log is caught up only then.
    const proof = await proveInclusion(ctx.deps.db, actor.tenantId, { recordId, leafIndex }, treeSize, { catchUp: () => logCaughtUp(ctx) });
    return {
      leaf: toLogLeaf(proof.leaf, true),
      treeSize: proof.treeSize,
      rootHash: proof.rootHash.toString('base64'),
      hashes: proof.hashes.map((hash) => hash.toString('base64')),
      checkpoint: proof.checkpoint ? toLogCheckpoint(proof.checkpoint) : null,
    };
  }

  @Query(() => LogConsistencyProof, { description: 'Proves the tree of toSize leaves (default: the latest checkpoint’s) extends the tree of fromSize.' })
  async logConsistencyProof(
    @Ctx() ctx: GraphQLContext,
    @Arg('fromSize', () => Int) fromSize: number,
    @Arg('toSize', () => Int, { nullable: true }) toSize?: number | null,
  ): Promise<LogConsistencyProof> {
    const actor = requirePermission(ctx.actor, 'audit_logs.view');
    await logCaughtUp(ctx);
    const proof = await proveConsistency(ctx.deps.db, actor.tenantId, fromSize, toSize);
    const b64 = (hash: Buffer) => hash.toString('base64');
    return { fromSize: proof.fromSize, toSize: proof.toSize, fromRoot: b64(proof.fromRoot), toRoot: b64(proof.toRoot), hashes: proof.hashes.map(b64) };
  }

  @Query(() => [String], { description: 'The signed-note verifier keys this deployment trusts (VIGIL_AUDIT_TRUSTED_KEYS, or its own key).' })
  logVerifierKeys(@Ctx() ctx: GraphQLContext): string[] {
    requirePermission(ctx.actor, 'audit_logs.view');
    return ctx.deps.audit.trustedLogKeys.map((key) => key.verifierKey);
  }

  @Query(() => LogIntegrityReport, {
    description:
      'Verifies the whole log and every record against it, reporting every fault. `anchor`: a checkpoint note held outside (a witness’s), checked for consistency too.',
  })
  async logIntegrity(@Ctx() ctx: GraphQLContext, @Arg('anchor', () => [String], { nullable: true }) anchor?: string[] | null): Promise<LogIntegrityReport> {
    const actor = requirePermission(ctx.actor, 'audit_logs.view');
    // Whatever is queued joins the tree first; a log too damaged to extend is still verified.
    await logCaughtUp(ctx);
    const report = await verifyLog(ctx.deps.db, actor.tenantId, { trusted: ctx.deps.audit.trustedLogKeys, anchors: anchor ?? [] });
    await recordAuditView(serviceContext(ctx), 'audit.verified', 'verifiable_log', {
      size: report.size,
      isIntact: report.isIntact,
      faultCount: report.faultCount,
    });
    const first = report.faults[0];
    if (first) await raiseLogAlarm(ctx.deps.db, ctx.deps.clock, actor.tenantId, { ...first, faultCount: report.faultCount, size: report.size });
    // A position past GraphQL's Int (a leaf moved there by hand) is named in the message alone.
    return {
      ...report,
      faults: report.faults.map((fault) => ({ ...fault, index: fault.index !== null && fault.index <= GRAPHQL_MAX_INT ? fault.index : null })),
    };
  }
}
