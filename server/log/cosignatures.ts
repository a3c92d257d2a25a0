/**
 * Witnesses' cosignatures of a tenant's checkpoints: received from a witness that checked the
 * checkpoint extends what it saw before (POST /log/cosignatures), kept when they verify under a
 * key of VIGIL_LOG_WITNESS_KEYS, and published with the checkpoint, so a reader who trusts some
 * witnesses can require their cosignatures before trusting a proof (`vigil proof verify
 * --witness`): a history Vigil shows one reader and not the witnesses then fails for that reader.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../db/database.js';
import { logCheckpoints, logCosignatures, type LogCosignatureRow } from '../db/tables/index.js';
import { BadInput, Forbidden, NotFound } from '../errors.js';
import { parseCheckpointBody } from './checkpoint-note.js';
import { verifiedCosignatures, withSignatureLines, type Cosignature } from './cosignature.js';
import { parseNote, type NoteVerifier } from './signed-note.js';

/** How far ahead of Vigil's clock a witness's stated time may be (clocks differ a little). */
const FUTURE_SKEW_SECONDS = 600;

export interface AcceptedCosignature {
  readonly checkpointId: string;
  readonly size: number;
  readonly witnessName: string;
  readonly cosignedAt: Date;
}

/** Keeps a witness's cosignature `line` of the tenant's checkpoint `note` (as Vigil served it). */
export async function acceptCosignature(
  db: Executor,
  tenantId: string,
  witnesses: readonly NoteVerifier[],
  input: { readonly note: string; readonly cosignature: string },
  now: Date,
): Promise<AcceptedCosignature> {
  let size: number;
  try {
    size = parseCheckpointBody(parseNote(input.note).text).size;
  } catch (error) {
    throw new BadInput('note', `note: not a checkpoint: ${(error as Error).message}`);
  }
  if (!/^— \S+ \S+\n?$/u.test(input.cosignature)) throw new BadInput('cosignature', 'cosignature: must be one signature line ("— <witness> <base64>")');
  const line = input.cosignature.endsWith('\n') ? input.cosignature : `${input.cosignature}\n`;
  const [checkpoint] = await db
    .select()
    .from(logCheckpoints)
    .where(and(eq(logCheckpoints.tenantId, tenantId), eq(logCheckpoints.size, size), eq(logCheckpoints.note, input.note)))
    .limit(1);
  if (!checkpoint) throw new NotFound('Checkpoint', `of ${size} leaves with this note`);
  let cosignature;
  try {
    [cosignature] = verifiedCosignatures(withSignatureLines(checkpoint.note, [line]), witnesses);
  } catch (error) {
    throw new Forbidden(`The cosignature is refused: ${(error as Error).message}`);
  }
  if (!cosignature) throw new Forbidden('The cosignature is not from a witness this Vigil trusts (VIGIL_LOG_WITNESS_KEYS)');
  if (cosignature.timestamp > now.getTime() / 1000 + FUTURE_SKEW_SECONDS) {
    throw new BadInput('cosignature', `cosignature: its time (${new Date(cosignature.timestamp * 1000).toISOString()}) is in the future`);
  }
  return keepCosignature(db, tenantId, checkpoint, cosignature, now);
}

/** Stores a verified cosignature of a tenant's checkpoint: the newest statement per witness is kept. */
export async function keepCosignature(
  db: Executor,
  tenantId: string,
  checkpoint: { readonly id: string; readonly size: number },
  cosignature: Cosignature,
  now: Date,
): Promise<AcceptedCosignature> {
  const cosignedAt = new Date(cosignature.timestamp * 1000);
  // A witness cosigns an unchanged log again on each round: the newest statement is the one kept.
  await db
    .insert(logCosignatures)
    .values({
      tenantId,
      checkpointId: checkpoint.id,
      witnessName: cosignature.witness.name,
      keyId: cosignature.witness.keyId.toString('hex'),
      cosignedAt,
      line: cosignature.line,
      receivedAt: now,
    })
    .onConflictDoUpdate({
      target: [logCosignatures.tenantId, logCosignatures.checkpointId, logCosignatures.witnessName, logCosignatures.keyId],
      set: { cosignedAt, line: cosignature.line, receivedAt: now },
      setWhere: sql`excluded.cosigned_at > ${logCosignatures.cosignedAt}`,
    });
  return { checkpointId: checkpoint.id, size: checkpoint.size, witnessName: cosignature.witness.name, cosignedAt };
}

/** The size of the largest checkpoint of a tenant a witness has cosigned (0: none). */
export async function largestCosignedSize(db: Executor, tenantId: string, witness: NoteVerifier): Promise<number> {
  const [row] = await db
    .select({ size: sql<number | null>`max(${logCheckpoints.size})`.mapWith(Number) })
    .from(logCosignatures)
    .innerJoin(logCheckpoints, and(eq(logCheckpoints.tenantId, logCosignatures.tenantId), eq(logCheckpoints.id, logCosignatures.checkpointId)))
    .where(
      and(eq(logCosignatures.tenantId, tenantId), eq(logCosignatures.witnessName, witness.name), eq(logCosignatures.keyId, witness.keyId.toString('hex'))),
    );
  return row?.size ?? 0;
}

/** The cosignatures of some checkpoints of a tenant, by witness name then key. */
export function cosignaturesOf(db: Executor, tenantId: string, checkpointIds: readonly string[]): Promise<LogCosignatureRow[]> {
  if (checkpointIds.length === 0) return Promise.resolve([]);
  return db
    .select()
    .from(logCosignatures)
    .where(and(eq(logCosignatures.tenantId, tenantId), inArray(logCosignatures.checkpointId, [...checkpointIds])))
    .orderBy(logCosignatures.witnessName, logCosignatures.keyId);
}
