/**
 * What a witness decides about a checkpoint a log serves it, given the last one it accepted: as in
 * transparency-log witnessing (C2SP tlog-witness), a new checkpoint is accepted only if a trusted
 * key signed it for the same log and an RFC 9162 consistency proof shows its tree extends the one
 * accepted before. So a history rewritten and signed again (by whoever holds the key, or by Vigil
 * itself after someone with database access removed the checkpoints that contradicted it), a tail
 * cut off, or two different trees shown to two parties, is refused by a witness that saw the
 * earlier state, with the public key and the proof alone. The first checkpoint seen is trusted on
 * first use.
 */
import { readCheckpoint } from './checkpoint-chain.js';
import { parseCheckpointBody } from './checkpoint-note.js';
import { verifyConsistency } from './merkle.js';
import { parseNote, type NoteVerifier } from './signed-note.js';

/** What a witness keeps: the last checkpoint it accepted. */
export interface WitnessState {
  readonly origin: string;
  readonly size: number;
  /** base64 */
  readonly rootHash: string;
  readonly note: string;
}

export type WitnessVerdict =
  { readonly isAccepted: true; readonly state: WitnessState; readonly grewBy: number } | { readonly isAccepted: false; readonly reason: string };

/**
 * A log that serves a checkpoint but answers that it cannot prove it extends an earlier one (a
 * tree it says is too small, say): evidence, not an outage.
 */
export class ProofRefused extends Error {}

/**
 * Fetches the log's consistency proof from `fromSize` to `toSize`; throws ProofRefused when the log
 * says it cannot give one, anything else when it cannot be reached.
 */
export type FetchConsistencyProof = (fromSize: number, toSize: number) => Promise<Buffer[]>;

export async function witnessCheckpoint(
  previous: WitnessState | null,
  note: string,
  trusted: readonly NoteVerifier[],
  fetchProof: FetchConsistencyProof,
): Promise<WitnessVerdict> {
  const { checkpoint, error } = readCheckpoint(note, null, trusted);
  if (!checkpoint) return { isAccepted: false, reason: `The checkpoint is not valid: ${error}` };
  const { origin } = parseCheckpointBody(parseNote(note).text);
  const state: WitnessState = { origin, size: checkpoint.size, rootHash: checkpoint.rootHash.toString('base64'), note };
  if (!previous) return { isAccepted: true, state, grewBy: checkpoint.size };
  if (origin !== previous.origin) return { isAccepted: false, reason: `The checkpoint is of another log ("${origin}", not "${previous.origin}")` };
  const previousRoot = Buffer.from(previous.rootHash, 'base64');
  if (checkpoint.size < previous.size) {
    return {
      isAccepted: false,
      reason: `The log shrank from ${previous.size} to ${checkpoint.size} leaves: its tail was cut, or its history rewritten and signed again`,
    };
  }
  if (checkpoint.size === previous.size) {
    if (checkpoint.rootHash.equals(previousRoot)) return { isAccepted: true, state, grewBy: 0 };
    return { isAccepted: false, reason: `Two different trees of ${checkpoint.size} leaves were signed: the log forked (its history was rewritten)` };
  }
  // A tree extends the empty one whatever it holds: nothing to prove.
  if (previous.size === 0) return { isAccepted: true, state, grewBy: checkpoint.size };
  let proof: Buffer[];
  try {
    proof = await fetchProof(previous.size, checkpoint.size);
  } catch (error) {
    if (!(error instanceof ProofRefused)) throw error;
    return { isAccepted: false, reason: `The log cannot prove its ${checkpoint.size} leaves extend the ${previous.size} the witness holds: ${error.message}` };
  }
  if (!verifyConsistency(previous.size, checkpoint.size, previousRoot, checkpoint.rootHash, proof)) {
    return {
      isAccepted: false,
      reason: `The tree of ${checkpoint.size} leaves does not extend the one of ${previous.size} the witness holds: leaves before position ${previous.size} were changed, replaced or reordered`,
    };
  }
  return { isAccepted: true, state, grewBy: checkpoint.size - previous.size };
}
