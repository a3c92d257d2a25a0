/**
 * C2SP tlog-cosignature (cosignature/v1, Ed25519): a witness's statement that, as of a time, the
 * checkpoint is the largest consistent tree it has seen of that log. Verifiers outside Vigil
 * re-implement this, so here it is in full:
 *
 *   cosignature line = "— " witness-name " " base64(key id || timestamp || Ed25519 signature) "\n"
 *   key id           = SHA-256(witness-name || 0x0A || 0x04 || 32-byte public key)[:4]
 *   timestamp        = 8 bytes, big-endian: seconds since the epoch when it cosigned
 *   signed message   = "cosignature/v1\n" "time " decimal(timestamp) "\n" checkpoint-text
 *   verifier key     = witness-name "+" hex(key id) "+" base64(0x04 || 32-byte public key)
 *   signer key       = "PRIVATE+KEY+" witness-name "+" hex(key id) "+" base64(0x04 || 32-byte seed)
 *
 * checkpoint-text is the note's text (server/log/signed-note.ts): everything before the blank
 * line, its final newline included, no signature line. A cosignature is one more signature line
 * of the checkpoint's note, so a note carrying the log's signature and its witnesses' is read by
 * any signed-note parser, which ignores the lines of keys it does not know.
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import {
  COSIGNATURE_V1,
  parseNote,
  parseTypedSignerKey,
  parseTypedVerifierKey,
  signerKeyOf,
  verifierKeyOf,
  type NoteSigner,
  type NoteVerifier,
} from './signed-note.js';

const SIGNATURE_PREFIX = '— ';

export interface Cosignature {
  readonly witness: NoteVerifier;
  /** Seconds since the epoch, as the witness stated. */
  readonly timestamp: number;
  /** The whole signature line, newline included. */
  readonly line: string;
}

/** The bytes a witness signs for `checkpointText` at `timestamp`. */
export function cosignedMessage(checkpointText: string, timestamp: number): Buffer {
  return Buffer.from(`cosignature/v1\ntime ${timestamp}\n${checkpointText}`, 'utf8');
}

/** A witness's signature line over the checkpoint text, at `timestamp` (seconds). */
export function cosign(checkpointText: string, witness: NoteSigner, timestamp: number): string {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new Error('A cosignature timestamp is a whole number of seconds since the epoch');
  const time = Buffer.alloc(8);
  time.writeBigUInt64BE(BigInt(timestamp));
  const signature = sign(null, cosignedMessage(checkpointText, timestamp), witness.privateKey);
  return `${SIGNATURE_PREFIX}${witness.name} ${Buffer.concat([witness.keyId, time, signature]).toString('base64')}\n`;
}

/**
 * The cosignatures among a note's signature lines that a listed witness made and that verify over
 * its text; lines of other keys are ignored. A listed witness's line that fails to verify (a
 * forgery, or a cosignature moved from another checkpoint) makes the whole note refused: throws.
 */
export function verifiedCosignatures(note: string, witnesses: readonly NoteVerifier[]): Cosignature[] {
  const parsed = parseNote(note);
  const found = new Map<string, Cosignature>();
  for (const signature of parsed.signatures) {
    const witness = witnesses.find((each) => each.name === signature.name && each.keyId.equals(signature.keyId));
    if (!witness) continue;
    if (signature.signature.length !== 8 + 64) throw new Error(`The cosignature of ${witness.name} is not a timestamp and an Ed25519 signature`);
    const timestamp = signature.signature.readBigUInt64BE(0);
    if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`The cosignature of ${witness.name} has a timestamp out of range`);
    const seconds = Number(timestamp);
    if (!isValid(cosignedMessage(parsed.text, seconds), witness.publicKey, signature.signature.subarray(8))) {
      throw new Error(`The cosignature of ${witness.name} does not verify over this checkpoint`);
    }
    const previous = found.get(witness.verifierKey);
    const line = `${SIGNATURE_PREFIX}${signature.name} ${Buffer.concat([signature.keyId, signature.signature]).toString('base64')}\n`;
    if (!previous || previous.timestamp < seconds) found.set(witness.verifierKey, { witness, timestamp: seconds, line });
  }
  return [...found.values()];
}

function isValid(message: Buffer, publicKey: KeyObject, signature: Buffer): boolean {
  try {
    return verify(null, message, publicKey, signature);
  } catch {
    return false;
  }
}

/** A note's text with these signature lines: the log's, then its witnesses'. */
export function withSignatureLines(note: string, lines: readonly string[]): string {
  return `${note}${lines.join('')}`;
}

export const parseWitnessKey = (vkey: string): NoteVerifier => parseTypedVerifierKey(vkey, COSIGNATURE_V1);
export const parseWitnessSignerKey = (skey: string): NoteSigner => parseTypedSignerKey(skey, COSIGNATURE_V1);
export const witnessKeyOf = (name: string, publicKey: KeyObject): string => verifierKeyOf(name, publicKey, COSIGNATURE_V1);
export const witnessSignerKeyOf = (name: string, privateKey: KeyObject): string => signerKeyOf(name, privateKey, COSIGNATURE_V1);
