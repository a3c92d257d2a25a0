/**
 * Checks a C2SP signed note (a checkpoint) with a verifier key, written from the README's
 * "Verifying from outside" alone and importing nothing from server/: the key string is
 * `<name>+<8 hex key id>+<base64(0x01 || Ed25519 public key)>`, the signature line
 * `— <name> <base64(4-byte key id || signature)>`, and the signature covers the text up to and
 * including the newline before the blank line.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';

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

/**
 * Checks a witness's cosignature on a checkpoint note, written from C2SP tlog-cosignature alone and
 * importing nothing from server/: the witness key is `<name>+<8 hex key id>+<base64(0x04 || Ed25519
 * public key)>`, its key id SHA-256(name || 0x0A || 0x04 || public key)[:4], the line
 * `— <name> <base64(key id || 8-byte big-endian timestamp || signature)>`, and the signature covers
 * "cosignature/v1\ntime <timestamp>\n" followed by the note's text. Returns the timestamp, or null.
 */
export function independentCosignatureCheck(note: string, witnessKey: string): number | null {
  const [name, hexId, key] = [
    witnessKey.slice(0, witnessKey.indexOf('+')),
    witnessKey.split('+')[1]!,
    witnessKey.slice(witnessKey.indexOf('+', witnessKey.indexOf('+') + 1) + 1),
  ];
  const material = Buffer.from(key, 'base64');
  if (material[0] !== 0x04) return null;
  const raw = material.subarray(1);
  const keyId = createHash('sha256')
    .update(Buffer.concat([Buffer.from(name), Buffer.from([0x0a, 0x04]), raw]))
    .digest()
    .subarray(0, 4);
  if (keyId.toString('hex') !== hexId) return null;
  const publicKey = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]), format: 'der', type: 'spki' });
  const split = note.indexOf('\n\n');
  const text = note.slice(0, split + 1);
  for (const line of note.slice(split + 2).split('\n')) {
    if (!line.startsWith(`\u2014 ${name} `)) continue;
    const bytes = Buffer.from(line.split(' ')[2]!, 'base64');
    if (!bytes.subarray(0, 4).equals(keyId) || bytes.length !== 4 + 8 + 64) continue;
    const timestamp = Number(bytes.readBigUInt64BE(4));
    if (verify(null, Buffer.from(`cosignature/v1\ntime ${timestamp}\n${text}`), publicKey, bytes.subarray(12))) return timestamp;
  }
  return null;
}
