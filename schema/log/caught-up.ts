/**
 * Writers return at commit and the sequencer places their leaves a moment later, so whatever
 * shows what the sequencer derives (audit entries' chain positions, a record's leaf, proofs,
 * checkpoints) first catches the tenant's log up: once per operation, or per event in a
 * subscription (each event gets loaders of its own). A log that cannot be extended (a damaged
 * stored tree) is still read as it stands; verification names why.
 */
import type { GraphQLContext } from '../context.js';
import type { Loaders } from '../loaders.js';

const caughtUp = new WeakMap<Loaders, Promise<void>>();

export function logCaughtUp(ctx: GraphQLContext): Promise<void> {
  const tenantId = ctx.actor?.tenantId;
  if (!tenantId) return Promise.resolve();
  let done = caughtUp.get(ctx.loaders);
  if (!done) {
    done = ctx.deps.audit.log
      .catchUp(tenantId)
      .catch((error: unknown) => ctx.deps.logger.warn({ err: error, tenantId }, 'catching the log up before a read failed'));
    caughtUp.set(ctx.loaders, done);
  }
  return done;
}
