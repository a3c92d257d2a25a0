/** What witnesses said of a checkpoint: their cosignatures and refusals, each read for every checkpoint of a list in one statement. */
import DataLoader from 'dataloader';
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { requirePermission } from '../../server/auth/scope.js';
import { cosignaturesOf } from '../../server/log/cosignatures.js';
import { refusalsOf } from '../../server/log/witness-refusals.js';
import { withSignatureLines } from '../../server/log/cosignature.js';
import type { GraphQLContext } from '../context.js';
import { LogCheckpoint, LogCosignature, LogWitnessRefusal } from './log.types.js';

/** A per-request loader of rows by checkpoint, for every checkpoint of a list in one statement. */
function byCheckpointLoader<Row extends { checkpointId: string }, T>(
  ctx: GraphQLContext,
  key: string,
  read: (checkpointIds: readonly string[]) => Promise<Row[]>,
  toField: (row: Row) => T,
): DataLoader<string, T[]> {
  let loader = ctx.loaders.nested.get(key) as DataLoader<string, T[]> | undefined;
  if (!loader) {
    loader = new DataLoader<string, T[]>(async (checkpointIds) => {
      const byCheckpoint = new Map<string, T[]>();
      for (const row of await read(checkpointIds)) byCheckpoint.set(row.checkpointId, [...(byCheckpoint.get(row.checkpointId) ?? []), toField(row)]);
      return checkpointIds.map((id) => byCheckpoint.get(id) ?? []);
    });
    ctx.loaders.nested.set(key, loader);
  }
  return loader;
}

const cosignaturesLoader = (ctx: GraphQLContext, tenantId: string): DataLoader<string, LogCosignature[]> =>
  byCheckpointLoader(
    ctx,
    'log.cosignatures',
    (ids) => cosignaturesOf(ctx.deps.db, tenantId, ids),
    (row) => ({ witnessName: row.witnessName, keyId: row.keyId, cosignedAt: row.cosignedAt, line: row.line }),
  );

const refusalsLoader = (ctx: GraphQLContext, tenantId: string): DataLoader<string, LogWitnessRefusal[]> =>
  byCheckpointLoader(
    ctx,
    'log.witnessRefusals',
    (ids) => refusalsOf(ctx.deps.db, tenantId, ids),
    (row) => ({ witnessName: row.witnessName, keyId: row.keyId, status: row.status, reason: row.reason, refusedAt: row.refusedAt }),
  );

@Resolver(() => LogCheckpoint)
export class LogCheckpointResolver {
  @FieldResolver(() => [LogCosignature], { description: 'Witnesses’ cosignatures Vigil received and verified (VIGIL_LOG_WITNESS_KEYS), by witness.' })
  cosignatures(@Root() checkpoint: LogCheckpoint, @Ctx() ctx: GraphQLContext): Promise<LogCosignature[]> {
    const actor = requirePermission(ctx.actor, 'audit_logs.view');
    return cosignaturesLoader(ctx, actor.tenantId).load(checkpoint.id);
  }

  @FieldResolver(() => [LogWitnessRefusal], {
    description: 'Witnesses that refused it: it contradicts what they cosigned before (each raised the log’s alarm once).',
  })
  witnessRefusals(@Root() checkpoint: LogCheckpoint, @Ctx() ctx: GraphQLContext): Promise<LogWitnessRefusal[]> {
    const actor = requirePermission(ctx.actor, 'audit_logs.view');
    return refusalsLoader(ctx, actor.tenantId).load(checkpoint.id);
  }

  @FieldResolver(() => String, {
    description: 'The note with its witnesses’ cosignature lines appended: what `vigil proof verify --witness` checks, and any signed-note reader accepts.',
  })
  async cosignedNote(@Root() checkpoint: LogCheckpoint, @Ctx() ctx: GraphQLContext): Promise<string> {
    const actor = requirePermission(ctx.actor, 'audit_logs.view');
    const cosignatures = await cosignaturesLoader(ctx, actor.tenantId).load(checkpoint.id);
    return withSignatureLines(
      checkpoint.note,
      cosignatures.map((cosignature) => cosignature.line),
    );
  }
}
