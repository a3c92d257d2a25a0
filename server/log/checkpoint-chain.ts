/**
 * Checks a tenant's checkpoints as a chain: each signed by a trusted key, naming this tenant in
 * its origin, linking to the one before it, never shrinking the tree. Returns the (size, root)
 * pairs the tree must reproduce, checkpoints given from outside (anchors) included.
 */
import type { FaultList } from './log-faults.js';
import { noteHash, parseCheckpointBody } from './checkpoint-note.js';
import { parseNote, verifiedSigners, type NoteVerifier } from './signed-note.js';

export interface SignedHead {
  readonly size: number;
  readonly rootHash: Buffer;
  readonly source: string;
}

export interface VerifiedCheckpoint extends SignedHead {
  readonly note: string;
  readonly time: string | null;
}

/** The body of a note signed by a trusted key for `tenantId`, or the reason it is not one. */
export function readCheckpoint(note: string, tenantId: string | null, trusted: readonly NoteVerifier[]): { checkpoint?: VerifiedCheckpoint; error?: string } {
  try {
    const parsed = parseNote(note);
    if (verifiedSigners(note, trusted).length === 0) return { error: 'no trusted key signed it' };
    const body = parseCheckpointBody(parsed.text);
    if (tenantId && !body.origin.endsWith(`/tenants/${tenantId}`)) return { error: `its origin "${body.origin}" names another tenant` };
    const time = body.extensions.find((line) => line.startsWith('vigil-time '))?.slice('vigil-time '.length) ?? null;
    return { checkpoint: { size: body.size, rootHash: body.rootHash, note, time, source: `checkpoint of size ${body.size}${time ? ` signed ${time}` : ''}` } };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

export function previousLinkOf(note: string): string | null {
  const line = parseCheckpointBody(parseNote(note).text).extensions.find((extension) => extension.startsWith('vigil-prev '));
  return line ? line.slice('vigil-prev '.length) : null;
}

export function checkCheckpointChain(notes: readonly string[], tenantId: string, trusted: readonly NoteVerifier[], faults: FaultList): VerifiedCheckpoint[] {
  const verified: VerifiedCheckpoint[] = [];
  let previous: { note: string; size: number } | undefined;
  for (const note of notes) {
    const { checkpoint, error } = readCheckpoint(note, tenantId, trusted);
    if (!checkpoint) {
      faults.add('checkpoint_bad_signature', `A stored checkpoint is not valid: ${error}`);
      continue;
    }
    const link = previousLinkOf(note);
    const expected = previous ? noteHash(previous.note) : 'none';
    if (link !== expected) {
      faults.add(
        'checkpoint_broken_link',
        previous
          ? `The ${checkpoint.source} does not link to the checkpoint before it (size ${previous.size}): a checkpoint between them was deleted or one was inserted`
          : `The ${checkpoint.source} is the first stored but links to an earlier one: earlier checkpoints were deleted`,
        { index: checkpoint.size },
      );
    }
    if (previous && checkpoint.size < previous.size) {
      faults.add('checkpoint_broken_link', `The ${checkpoint.source} signs fewer leaves than the one before it (${previous.size})`, { index: checkpoint.size });
    }
    verified.push(checkpoint);
    previous = { note, size: checkpoint.size };
  }
  return verified;
}
