/**
 * The C2SP tlog-witness protocol (c2sp.org/tlog-witness), both sides: a log POSTs
 * `<prefix>/add-checkpoint` with
 *
 *   "old " decimal(size the witness last cosigned, 0 for none) "\n"
 *   base64(hash) "\n"  ×  the RFC 6962 consistency proof from that size (none when it is 0)
 *   "\n"
 *   the signed checkpoint note
 *
 * and the witness answers 200 with its cosignature lines (server/log/cosignature.ts), or 404 for
 * an origin it does not witness, 403 when no key it trusts for that origin signed, 400 for a
 * malformed body or an old size above the checkpoint's, 409 (body: its size, text/x.tlog.size)
 * when the old size is not the one it holds or the same size has another root, 422 when the proof
 * does not verify. Any witness of that ecosystem can witness Vigil's logs, and `vigil witness
 * serve` (server/cli/witness-serve.ts) is such a witness.
 */
import { readCheckpoint } from './checkpoint-chain.js';
import { parseCheckpointBody } from './checkpoint-note.js';
import { cosign } from './cosignature.js';
import { verifyConsistency } from './merkle.js';
import { parseNote, type NoteSigner, type NoteVerifier } from './signed-note.js';

/** The spec's cap on proof lines (a proof of a tree below 2^63 needs fewer). */
const MAX_PROOF_LINES = 63;

export const SIZE_CONTENT_TYPE = 'text/x.tlog.size';

export interface AddCheckpointRequest {
  readonly oldSize: number;
  readonly proof: readonly Buffer[];
  readonly note: string;
}

export function formatAddCheckpoint(request: AddCheckpointRequest): string {
  return [`old ${request.oldSize}\n`, ...request.proof.map((hash) => `${hash.toString('base64')}\n`), '\n', request.note].join('');
}

export function parseAddCheckpoint(body: string): AddCheckpointRequest {
  const blank = body.indexOf('\n\n');
  if (blank < 0) throw new Error('The body has no blank line before the checkpoint');
  const [oldLine, ...proofLines] = body.slice(0, blank).split('\n');
  const old = /^old (0|[1-9]\d*)$/.exec(oldLine ?? '');
  if (!old || !Number.isSafeInteger(Number(old[1]))) throw new Error('The body does not start with "old <size>"');
  if (proofLines.length > MAX_PROOF_LINES) throw new Error(`The proof has more than ${MAX_PROOF_LINES} lines`);
  const proof = proofLines.map((line) => {
    const hash = Buffer.from(line, 'base64');
    if (hash.length !== 32 || hash.toString('base64') !== line) throw new Error('A proof line is not the base64 of a 32-byte hash');
    return hash;
  });
  return { oldSize: Number(old[1]), proof, note: body.slice(blank + 2) };
}

/** What a witness holds of one log: the latest checkpoint it cosigned. */
export interface WitnessedHead {
  readonly size: number;
  /** base64 */
  readonly rootHash: string;
}

export type AddCheckpointOutcome =
  | { readonly status: 200; readonly body: string; readonly head: WitnessedHead; readonly origin: string }
  | { readonly status: 400 | 403 | 404 | 409 | 422; readonly body: string; readonly contentType?: string };

/**
 * A witness's answer to one add-checkpoint body, given the keys it trusts per origin and the head
 * it holds for that origin (read and, on 200, replaced by the caller atomically with this call).
 */
export function decideAddCheckpoint(
  body: string,
  logs: ReadonlyMap<string, readonly NoteVerifier[]>,
  headOf: (origin: string) => WitnessedHead | undefined,
  cosigner: NoteSigner,
  now: Date,
): AddCheckpointOutcome {
  let request: AddCheckpointRequest;
  let origin: string;
  try {
    request = parseAddCheckpoint(body);
    origin = parseCheckpointBody(parseNote(request.note).text).origin;
  } catch (error) {
    return { status: 400, body: `${(error as Error).message}\n` };
  }
  const trusted = logs.get(origin);
  if (!trusted) return { status: 404, body: `This witness does not witness the log "${origin}"\n` };
  const { checkpoint, error } = readCheckpoint(request.note, null, trusted);
  if (!checkpoint) return { status: 403, body: `The checkpoint is not signed by a key trusted for this log: ${error}\n` };
  if (request.oldSize > checkpoint.size) return { status: 400, body: `The old size ${request.oldSize} is above the checkpoint's ${checkpoint.size}\n` };
  const held = headOf(origin);
  const heldSize = held?.size ?? 0;
  if (request.oldSize !== heldSize) return { status: 409, body: `${heldSize}\n`, contentType: SIZE_CONTENT_TYPE };
  if (held && checkpoint.size === held.size) {
    if (checkpoint.rootHash.toString('base64') !== held.rootHash) return { status: 409, body: `${heldSize}\n`, contentType: SIZE_CONTENT_TYPE };
  } else if (held && held.size > 0) {
    if (!verifyConsistency(held.size, checkpoint.size, Buffer.from(held.rootHash, 'base64'), checkpoint.rootHash, [...request.proof])) {
      return { status: 422, body: `The proof does not show the tree of ${checkpoint.size} extends the one of ${held.size} this witness cosigned\n` };
    }
  } else if (request.proof.length > 0) {
    return { status: 400, body: 'The proof must be empty when the old size is 0\n' };
  }
  const line = cosign(parseNote(request.note).text, cosigner, Math.floor(now.getTime() / 1000));
  return { status: 200, body: line, head: { size: checkpoint.size, rootHash: checkpoint.rootHash.toString('base64') }, origin };
}
