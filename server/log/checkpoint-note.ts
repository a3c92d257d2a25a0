/**
 * The text of a C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint), which is then signed as a note
 * (./signed-note.ts). Each line ends in a newline:
 *
 *   <origin>                      non-empty; Vigil writes "<instance>/tenants/<tenant id>"
 *   <tree size>                   ASCII decimal, no leading zeros ("0" for the empty tree)
 *   <root hash>                   base64 of the 32-byte RFC 6962 root at that size
 *   <extension line>*             non-empty, opaque to the spec; Vigil writes vigil-time and vigil-prev
 *
 * The spec lets origins hold spaces, so only emptiness is checked. Sizes beyond 2^53 - 1 are
 * refused: they would not survive a JavaScript number.
 */
import { createHash } from 'node:crypto';

export interface CheckpointBody {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Buffer;
  readonly extensions: readonly string[];
}

// A line holds no control character: the note it goes into could not carry it.

const isLine = (line: string) => line !== '' && !/[\x00-\x1f]/.test(line);

export function formatCheckpointBody(body: CheckpointBody): string {
  if (!isLine(body.origin)) throw new Error('A checkpoint origin is one non-empty line');
  if (!Number.isSafeInteger(body.size) || body.size < 0) throw new Error(`A checkpoint tree size is a whole number, not ${body.size}`);
  if (body.rootHash.length !== 32) throw new Error(`A checkpoint root hash is 32 bytes, not ${body.rootHash.length}`);
  if (!body.extensions.every(isLine)) throw new Error('Checkpoint extension lines are non-empty single lines');
  return [body.origin, String(body.size), body.rootHash.toString('base64'), ...body.extensions].map((line) => `${line}\n`).join('');
}

export function parseCheckpointBody(text: string): CheckpointBody {
  if (!text.endsWith('\n')) throw new Error('A checkpoint text ends in a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new Error('A checkpoint text has at least three lines: origin, tree size, root hash');
  const [origin, size, root, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin === '') throw new Error('A checkpoint origin is non-empty');
  if (!/^(0|[1-9][0-9]*)$/.test(size) || !Number.isSafeInteger(Number(size)))
    throw new Error(`"${size}" is not a checkpoint tree size (decimal, no leading zeros)`);
  const rootHash = Buffer.from(root, 'base64');
  if (rootHash.length !== 32 || rootHash.toString('base64') !== root) throw new Error(`"${root}" is not the base64 of a 32-byte root hash`);
  if (extensions.some((line) => line === '')) throw new Error('Checkpoint extension lines are non-empty');
  return { origin, size: Number(size), rootHash, extensions };
}

/** A checkpoint note's hash, as the next checkpoint names it (`vigil-prev`). */
export const noteHash = (note: string) => createHash('sha256').update(note).digest('hex');
