/** A checkpoint's witness cosignatures, read for every checkpoint of a list in one statement. */
import DataLoader from 'dataloader';
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { requirePermission } from '../../server/auth/scope.js';
import { cosignaturesOf } from '../../server/log/cosignatures.js';
import { withSignatureLines } from '../../server/log/cosignature.js';
import type { GraphQLContext } from '../context.js';
import { LogCheckpoint, LogCosignature } from './log.types.js';

function cosignaturesLoader(ctx: GraphQLContext, tenantId: string): DataLoader<string, LogCosignature[]> {
  let loader = ctx.loaders.nested.get('log.cosignatures') as DataLoader<string, LogCosignature[]> | undefined;
  if (!loader) {
    loader = new DataLoader<string, LogCosignature[]>(async (checkpointIds) => {
      const byCheckpoint = new Map<string, LogCosignature[]>();
      for (const row of await cosignaturesOf(ctx.deps.db, tenantId, checkpointIds)) {
        const cosignature = { witnessName: row.witnessName, keyId: row.keyId, cosignedAt: row.cosignedAt, line: row.line };
        byCheckpoint.set(row.checkpointId, [...(byCheckpoint.get(row.checkpointId) ?? []), cosignature]);
      }
      return checkpointIds.map((id) => byCheckpoint.get(id) ?? []);
    });
    ctx.loaders.nested.set('log.cosignatures', loader);
  }
  return loader;
}

@Resolver(() => LogCheckpoint)
export class LogCheckpointResolver {
  @FieldResolver(() => [LogCosignature], { description: 'Witnesses’ cosignatures Vigil received and verified (VIGIL_LOG_WITNESS_KEYS), by witness.' })
  cosignatures(@Root() checkpoint: LogCheckpoint, @Ctx() ctx: GraphQLContext): Promise<LogCosignature[]> {
    const actor = requirePermission(ctx.actor, 'audit_logs.view');
    return cosignaturesLoader(ctx, actor.tenantId).load(checkpoint.id);
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
