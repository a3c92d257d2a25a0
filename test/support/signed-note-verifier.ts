/**
 * Checks a C2SP signed note (a checkpoint) with a verifier key, written from the README's
 * "Verifying from outside" alone and importing nothing from server/: the key string is
 * `<name>+<8 hex key id>+<base64(0x01 || Ed25519 public key)>`, the signature line
 * `— <name> <base64(4-byte key id || signature)>`, and the signature covers the text up to and
 * including the newline before the blank line.
 */
import { createPublicKey, verify } from 'node:crypto';

export function independentNoteCheck(note: string, vkey: string): boolean {
  const [name, , key] = [vkey.slice(0, vkey.indexOf('+')), '', vkey.slice(vkey.indexOf('+', vkey.indexOf('+') + 1) + 1)];
  const raw = Buffer.from(key, 'base64').subarray(1);
  const publicKey = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]), format: 'der', type: 'spki' });
  const split = note.indexOf('\n\n');
  const text = note.slice(0, split + 1);
  const line = note
    .slice(split + 2)
    .split('\n')
    .find((candidate) => candidate.startsWith(`\u2014 ${name} `));
  if (!line) return false;
  const signature = Buffer.from(line.split(' ')[2]!, 'base64').subarray(4);
  return verify(null, Buffer.from(text), publicKey, signature);
}
