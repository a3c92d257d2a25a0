/**
 * C2SP signed notes (the format of Go's golang.org/x/mod/sumdb/note) with Ed25519 keys: a text
 * ending in a newline, a blank line, then one line per signature, "— <key name> <base64(4-byte
 * key id || signature)>". A key id is the first 4 bytes of SHA-256(name || "\n" || 0x01 ||
 * public key); a verifier key is written "<name>+<hex key id>+<base64(0x01 || public key)>".
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

const ED25519 = 0x01;
const SIGNATURE_PREFIX = '— ';

export interface NoteSigner {
  readonly name: string;
  readonly keyId: Buffer;
  readonly privateKey: KeyObject;
  readonly verifierKey: string;
}

export interface NoteVerifier {
  readonly name: string;
  readonly keyId: Buffer;
  readonly publicKey: KeyObject;
  readonly verifierKey: string;
}

export interface NoteSignature {
  readonly name: string;
  readonly keyId: Buffer;
  readonly signature: Buffer;
}

export interface ParsedNote {
  readonly text: string;
  readonly signatures: NoteSignature[];
}

function checkKeyName(name: string): void {
  if (name === '' || /[\s+]/u.test(name) || [...name].some((character) => character.codePointAt(0)! < 0x20)) {
    throw new Error(`"${name}" is not a valid key name: it must be non-empty, without spaces or "+"`);
  }
}

const rawPublicKey = (publicKey: KeyObject): Buffer => Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');

function keyIdOf(name: string, raw: Buffer): Buffer {
  return createHash('sha256').update(name).update('\n').update(Buffer.from([ED25519])).update(raw).digest().subarray(0, 4);
}

export function verifierKeyOf(name: string, publicKey: KeyObject): string {
  checkKeyName(name);
  const raw = rawPublicKey(publicKey);
  return `${name}+${keyIdOf(name, raw).toString('hex')}+${Buffer.concat([Buffer.from([ED25519]), raw]).toString('base64')}`;
}

export function noteSignerFromPrivateKey(name: string, privateKey: KeyObject): NoteSigner {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('A note signer needs an Ed25519 key');
  const publicKey = createPublicKey(privateKey);
  const verifierKey = verifierKeyOf(name, publicKey);
  return { name, keyId: keyIdOf(name, rawPublicKey(publicKey)), privateKey, verifierKey };
}

export function parseVerifierKey(vkey: string): NoteVerifier {
  // The base64 key may itself hold "+": only the first two separate fields.
  const first = vkey.indexOf('+');
  const second = vkey.indexOf('+', first + 1);
  if (first < 0 || second < 0) throw new Error(`"${vkey}" is not a verifier key (name+hex id+base64 key)`);
  const [name, hexId, encoded] = [vkey.slice(0, first), vkey.slice(first + 1, second), vkey.slice(second + 1)];
  checkKeyName(name);
  if (!/^[0-9a-f]{8}$/.test(hexId)) throw new Error(`The key id of "${vkey}" is not 8 hex digits`);
  const key = Buffer.from(encoded, 'base64');
  if (key.toString('base64') !== encoded || key.length !== 33 || key[0] !== ED25519) throw new Error(`"${vkey}" does not hold an Ed25519 public key`);
  const raw = key.subarray(1);
  if (!keyIdOf(name, raw).equals(Buffer.from(hexId, 'hex'))) throw new Error(`The key id of "${vkey}" does not match its name and key`);
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  return { name, keyId: Buffer.from(hexId, 'hex'), publicKey, verifierKey: vkey };
}

export function signNote(text: string, signers: readonly NoteSigner[]): string {
  if (!text.endsWith('\n') || text.includes('\r')) throw new Error('A note text ends in a newline and holds no carriage returns');
  const lines = signers.map((signer) => {
    const signature = sign(null, Buffer.from(text), signer.privateKey);
    return `${SIGNATURE_PREFIX}${signer.name} ${Buffer.concat([signer.keyId, signature]).toString('base64')}\n`;
  });
  return `${text}\n${lines.join('')}`;
}

export function parseNote(note: string): ParsedNote {
  if (note.includes('\r')) throw new Error('A note holds no carriage returns');
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new Error('A note is its text, a blank line and its signature lines');
  const text = note.slice(0, split + 1);
  const signatures = note
    .slice(split + 2, -1)
    .split('\n')
    .map((line) => {
      if (!line.startsWith(SIGNATURE_PREFIX)) throw new Error(`"${line}" is not a signature line`);
      const [name, encoded, ...rest] = line.slice(SIGNATURE_PREFIX.length).split(' ');
      const bytes = Buffer.from(encoded ?? '', 'base64');
      if (!name || rest.length > 0 || bytes.length < 5 || bytes.toString('base64') !== encoded) throw new Error(`"${line}" is not a signature line`);
      return { name, keyId: bytes.subarray(0, 4), signature: bytes.subarray(4) };
    });
  return { text, signatures };
}

/** The verifiers, among `verifiers`, whose valid signature the note carries (unknown signers are ignored). */
export function verifiedSigners(note: string, verifiers: readonly NoteVerifier[]): NoteVerifier[] {
  let parsed: ParsedNote;
  try {
    parsed = parseNote(note);
  } catch {
    return [];
  }
  const text = Buffer.from(parsed.text);
  return verifiers.filter((verifier) =>
    parsed.signatures.some((signature) => {
      if (signature.name !== verifier.name || !signature.keyId.equals(verifier.keyId) || signature.signature.length !== 64) return false;
      try {
        return verify(null, text, verifier.publicKey, signature.signature);
      } catch {
        return false;
      }
    }),
  );
}
