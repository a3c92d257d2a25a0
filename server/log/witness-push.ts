/**
 * Vigil asks witnesses for cosignatures itself (C2SP tlog-witness, server/log/tlog-witness.ts):
 * for each workspace's latest checkpoint a witness of VIGIL_LOG_WITNESS_URLS has not cosigned yet,
 * it sends the checkpoint with a consistency proof from the largest one that witness cosigned, and
 * keeps the cosignature it answers (server/log/cosignatures.ts). A witness that holds another size
 * (409) is asked again once from its size; one that contradicts it (a proof that does not verify,
 * another root at the same size, a larger tree than the log's) is refusing a history it did not
 * see grow: recorded, with the log's alarm raised once (server/log/witness-refusals.ts). Other
 * failures (unreachable, a key it does not trust) are logged. Safe on every instance at once: the
 * witness checks and keeps sizes atomically, and the newest cosignature per witness is kept.
 */
import { sql } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import { queryRows, type Database } from '../db/database.js';
import type { Disposable } from '../disposable.js';
import type { Logger } from '../logger.js';
import { startPeriodicJob } from '../periodic-job.js';
import { latestLogCheckpoint } from './checkpoints.js';
import { verifiedCosignatures, withSignatureLines } from './cosignature.js';
import { cosignaturesOf, keepCosignature, largestCosignedSize } from './cosignatures.js';
import { proveConsistency } from './proofs.js';
import type { NoteVerifier } from './signed-note.js';
import { formatAddCheckpoint, SIZE_CONTENT_TYPE } from './tlog-witness.js';
import { recordWitnessRefusal } from './witness-refusals.js';

export interface PushedWitness {
  readonly name: string;
  /** The submission prefix: `<url>/add-checkpoint` is called. */
  readonly url: string;
  readonly key: NoteVerifier;
}

export interface WitnessPushDeps {
  readonly db: Database;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly witnesses: readonly PushedWitness[];
  readonly timeoutMs: number;
}

/** A witness's answer that contradicts the log: evidence, not an outage. */
class Contradicted extends Error {
  constructor(
    readonly checkpoint: { readonly id: string; readonly size: number },
    readonly status: number,
    reason: string,
  ) {
    super(reason);
  }
}

/** How often every instance offers new checkpoints to the witnesses. */
const PUSH_INTERVAL_MS = 30_000;

async function post(deps: WitnessPushDeps, witness: PushedWitness, body: string): Promise<{ status: number; text: string; contentType: string }> {
  const response = await fetch(`${witness.url.replace(/\/$/, '')}/add-checkpoint`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body,
    signal: AbortSignal.timeout(deps.timeoutMs),
  });
  return { status: response.status, text: await response.text(), contentType: response.headers.get('content-type') ?? '' };
}

/** One tenant's latest checkpoint to one witness; returns whether a cosignature was kept. */
async function offer(deps: WitnessPushDeps, tenantId: string, witness: PushedWitness): Promise<boolean> {
  const checkpoint = await latestLogCheckpoint(deps.db, tenantId);
  if (!checkpoint) return false;
  const cosigned = await cosignaturesOf(deps.db, tenantId, [checkpoint.id]);
  if (cosigned.some((row) => row.witnessName === witness.name && row.keyId === witness.key.keyId.toString('hex'))) return false;
  let oldSize = await largestCosignedSize(deps.db, tenantId, witness.key);
  for (let attempt = 1; attempt <= 2; attempt += 1) {
    const proof = oldSize > 0 && oldSize < checkpoint.size ? (await proveConsistency(deps.db, tenantId, oldSize, checkpoint.size)).hashes : [];
    const answer = await post(deps, witness, formatAddCheckpoint({ oldSize, proof, note: checkpoint.note }));
    if (answer.status === 200) {
      const [cosignature] = verifiedCosignatures(withSignatureLines(checkpoint.note, answer.text.split(/(?<=\n)/)), [witness.key]);
      if (!cosignature) throw new Error(`${witness.name} answered without a cosignature of its key`);
      await keepCosignature(deps.db, tenantId, checkpoint, cosignature, deps.clock.now());
      return true;
    }
    const heldSize = Number(answer.text.trim());
    const isSize = answer.status === 409 && answer.contentType.startsWith(SIZE_CONTENT_TYPE) && Number.isSafeInteger(heldSize);
    if (isSize && heldSize > checkpoint.size) {
      // Another instance may have signed and offered a newer checkpoint meanwhile: only a log that has none that large shrank.
      if (((await latestLogCheckpoint(deps.db, tenantId))?.size ?? 0) >= heldSize) return false;
      throw new Contradicted(checkpoint, 409, `it cosigned a tree of ${heldSize} leaves: the log shrank`);
    }
    if (isSize && heldSize === checkpoint.size && heldSize === oldSize)
      throw new Contradicted(checkpoint, 409, `it cosigned another tree of ${heldSize} leaves: the log forked`);
    // The witness holds another size (it cosigned elsewhere, or Vigil forgot): offer from there, once.
    if (isSize && heldSize !== oldSize) {
      oldSize = heldSize;
      continue;
    }
    if (answer.status === 422)
      throw new Contradicted(checkpoint, 422, `the tree does not extend the one of ${oldSize} leaves it cosigned: ${answer.text.trim().slice(0, 300)}`);
    throw new Error(
      `${witness.name} refused the checkpoint of ${checkpoint.size} leaves (from ${oldSize}): HTTP ${answer.status} ${answer.text.trim().slice(0, 300)}`,
    );
  }
  return false;
}

/** Offers every tenant's latest checkpoint to every witness; returns the cosignatures kept. */
export async function pushToWitnesses(deps: WitnessPushDeps, onlyTenantId?: string): Promise<number> {
  if (deps.witnesses.length === 0) return 0;
  const tenants = onlyTenantId
    ? [onlyTenantId]
    : (await queryRows<{ id: string }>(deps.db, sql`select t.id from tenants t where exists (select 1 from log_checkpoints c where c.tenant_id = t.id)`)).map(
        (row) => row.id,
      );
  let kept = 0;
  for (const tenantId of tenants) {
    for (const witness of deps.witnesses) {
      try {
        if (await offer(deps, tenantId, witness)) kept += 1;
      } catch (error) {
        deps.logger.error({ err: error, tenantId, witness: witness.name }, 'a witness did not cosign the latest checkpoint');
        if (error instanceof Contradicted) {
          const refusal = { status: error.status, reason: error.message };
          await recordWitnessRefusal(deps.db, deps.clock, tenantId, error.checkpoint, witness.key, refusal).catch((failure: unknown) =>
            deps.logger.warn({ err: failure, tenantId }, 'recording a witness’s refusal failed; the next round tries again'),
          );
        }
      }
    }
  }
  return kept;
}

export function startWitnessPush(deps: WitnessPushDeps): Disposable {
  return startPeriodicJob({ name: 'witness cosignatures', intervalMs: PUSH_INTERVAL_MS, logger: deps.logger, work: () => pushToWitnesses(deps) });
}
