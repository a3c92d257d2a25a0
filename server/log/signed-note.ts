/**
 * C2SP signed notes (c2sp.org/signed-note, the format of Go's golang.org/x/mod/sumdb/note) with
 * Ed25519 keys. Verifiers outside Vigil re-implement this, so here it is in full:
 *
 *   note            = text "\n" signature-line+         (the LAST blank line splits text from signatures)
 *   text            = UTF-8 lines, the last ending in "\n" (blank lines allowed inside)
 *   signature-line  = "— " key-name " " base64(key id || Ed25519 signature over the text bytes) "\n"
 *   key id          = SHA-256(key-name || 0x0A || 0x01 || 32-byte public key)[:4]
 *   verifier key    = key-name "+" hex(key id) "+" base64(0x01 || 32-byte public key)
 *   signer key      = "PRIVATE+KEY+" key-name "+" hex(key id) "+" base64(0x01 || 32-byte seed)   (secret; Go's format)
 *
 * The dash is U+2014 EM DASH; base64 is RFC 4648 standard with padding; 0x01 is Ed25519's
 * signature type. Key names are non-empty, without Unicode spaces or "+". A note holds no control
 * character but newline, so CRLF line endings make it malformed.
 *
 * Verifying follows the spec: a signature whose (name, key id) pair no given verifier has is
 * ignored, even if one of the two matches; a signature from a given key that fails to verify
 * rejects the whole note (the spec's SHOULD). Two limits Go does not have: base64 must be canonical
 * (what every encoder writes), and a note holds at most 100 signatures (Go's own cap).
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/** Signature types (the byte after a key name's newline in its key id): a note signer's, and a C2SP cosigner's (server/log/cosignature.ts). */
export const ED25519 = 0x01;
export const COSIGNATURE_V1 = 0x04;
export type KeyType = typeof ED25519 | typeof COSIGNATURE_V1;

const KEY_TYPE_NAMES: Record<KeyType, string> = { [ED25519]: 'Ed25519 (0x01)', [COSIGNATURE_V1]: 'an Ed25519 cosigner key (0x04)' };
const SIGNATURE_PREFIX = '— ';
const SIGNER_KEY_PREFIX = 'PRIVATE+KEY+';
const MAX_SIGNATURES = 100;
// RFC 8410: an Ed25519 PKCS#8 key is this fixed DER header followed by the 32-byte seed.
const PKCS8_ED25519_HEADER = Buffer.from('302e020100300506032b657004220420', 'hex');
// Control characters other than newline, and lone surrogates (a string with one has no UTF-8 form).

const NOT_IN_A_NOTE = /[\x00-\x09\x0b-\x1f\p{Cs}]/u;

export interface NoteSigner {
  readonly name: string;
  /** 4 bytes. */
  readonly keyId: Buffer;
  readonly privateKey: KeyObject;
  readonly verifierKey: string;
}

export interface NoteVerifier {
  readonly name: string;
  /** 4 bytes. */
  readonly keyId: Buffer;
  readonly publicKey: KeyObject;
  /** Canonical form (lower-case hex id), whatever case the parsed string used. */
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

const isKeyName = (name: string) => name !== '' && !/[\p{White_Space}+]/u.test(name) && !NOT_IN_A_NOTE.test(name);

function assertKeyName(name: string): void {
  if (!isKeyName(name)) throw new Error(`"${name}" is not a valid key name: it must be non-empty, without spaces, "+" or control characters`);
}

function assertEd25519(key: KeyObject, type: 'public' | 'private'): void {
  if (key.asymmetricKeyType !== 'ed25519' || (type === 'private' && key.type !== 'private'))
    throw new Error(`A signed-note ${type} key must be an Ed25519 key`);
}

function keyIdOf(name: string, rawPublicKey: Buffer, type: KeyType = ED25519): Buffer {
  return createHash('sha256')
    .update(name)
    .update(Buffer.from([0x0a, type]))
    .update(rawPublicKey)
    .digest()
    .subarray(0, 4);
}

/** The bytes, or null unless `encoded` is exactly what an encoder writes for them. */
function decodeBase64(encoded: string): Buffer | null {
  const bytes = Buffer.from(encoded, 'base64');
  return encoded !== '' && bytes.toString('base64') === encoded ? bytes : null;
}

const rawPublicKeyOf = (key: KeyObject): Buffer => Buffer.from(key.export({ format: 'jwk' }).x!, 'base64url');

const formatKey = (name: string, keyId: Buffer, raw: Buffer, type: KeyType) =>
  `${name}+${keyId.toString('hex')}+${Buffer.concat([Buffer.from([type]), raw]).toString('base64')}`;

/** Splits "<name>+<hex id>+<base64(type || 32 bytes)>"; the base64 may hold "+", so only the first two split. */
function splitKey(key: string, what: string, type: KeyType): { name: string; keyId: Buffer; raw: Buffer } {
  const first = key.indexOf('+');
  const second = key.indexOf('+', first + 1);
  if (first < 0 || second < 0) throw new Error(`${what} is not "<name>+<hex key id>+<base64 key>"`);
  const [name, hexId, encoded] = [key.slice(0, first), key.slice(first + 1, second), key.slice(second + 1)];
  if (!isKeyName(name)) throw new Error(`${what} has an invalid key name (empty, or with spaces or control characters)`);
  if (!/^[0-9a-f]{8}$/i.test(hexId)) throw new Error(`${what} has a key id that is not 8 hex digits`);
  const material = decodeBase64(encoded);
  if (!material) throw new Error(`${what} has a key that is not canonical base64`);
  if (material[0] !== type)
    throw new Error(`${what} has signature type 0x${material[0]!.toString(16).padStart(2, '0')}; only ${KEY_TYPE_NAMES[type]} is supported`);
  if (material.length !== 33) throw new Error(`${what} has an Ed25519 key of ${material.length - 1} bytes, not 32`);
  return { name, keyId: Buffer.from(hexId, 'hex'), raw: material.subarray(1) };
}

export function verifierKeyOf(name: string, publicKey: KeyObject, type: KeyType = ED25519): string {
  assertKeyName(name);
  assertEd25519(publicKey, 'public');
  const raw = rawPublicKeyOf(publicKey);
  return formatKey(name, keyIdOf(name, raw, type), raw, type);
}

export function noteSignerFromPrivateKey(name: string, privateKey: KeyObject, type: KeyType = ED25519): NoteSigner {
  assertEd25519(privateKey, 'private');
  const verifierKey = verifierKeyOf(name, createPublicKey(privateKey), type);
  return { name, keyId: keyIdOf(name, rawPublicKeyOf(privateKey), type), privateKey, verifierKey };
}

export function parseVerifierKey(vkey: string): NoteVerifier {
  return parseTypedVerifierKey(vkey, ED25519);
}

/** A verifier key of the given signature type (a cosigner's: COSIGNATURE_V1). */
export function parseTypedVerifierKey(vkey: string, type: KeyType): NoteVerifier {
  const what = `Verifier key "${vkey}"`;
  const { name, keyId, raw } = splitKey(vkey, what, type);
  if (!keyIdOf(name, raw, type).equals(keyId)) throw new Error(`${what} has a key id that does not match its name and key`);
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  return { name, keyId, publicKey, verifierKey: formatKey(name, keyId, raw, type) };
}

/** Go's secret signer-key string for this key, for configuration; never log it. */
export function signerKeyOf(name: string, privateKey: KeyObject, type: KeyType = ED25519): string {
  const signer = noteSignerFromPrivateKey(name, privateKey, type);
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
  return `${SIGNER_KEY_PREFIX}${formatKey(name, signer.keyId, seed, type)}`;
}

/** Reads Go's "PRIVATE+KEY+..." string. Error messages never repeat the key. */
export function parseSignerKey(skey: string): NoteSigner {
  return parseTypedSignerKey(skey, ED25519);
}

export function parseTypedSignerKey(skey: string, type: KeyType): NoteSigner {
  const what = 'The signer key';
  if (!skey.startsWith(SIGNER_KEY_PREFIX)) throw new Error(`${what} does not start with "${SIGNER_KEY_PREFIX}"`);
  const { name, keyId, raw: seed } = splitKey(skey.slice(SIGNER_KEY_PREFIX.length), what, type);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_HEADER, seed]), format: 'der', type: 'pkcs8' });
  const signer = noteSignerFromPrivateKey(name, privateKey, type);
  // The id is of the public key, so it can only be checked once the key is derived from the seed.
  if (!signer.keyId.equals(keyId)) throw new Error(`${what} has a key id that does not match its name and key`);
  return signer;
}

export function signNote(text: string, signers: readonly NoteSigner[]): string {
  if (!text.endsWith('\n')) throw new Error('A note text must end in a newline');
  if (NOT_IN_A_NOTE.test(text)) throw new Error('A note text must hold no control characters but newline (no CR) and be valid Unicode');
  if (signers.length === 0) throw new Error('A signed note needs at least one signer');
  const bytes = Buffer.from(text, 'utf8');
  const lines = signers.map((signer) => {
    assertKeyName(signer.name);
    const signature = sign(null, bytes, signer.privateKey);
    return `${SIGNATURE_PREFIX}${signer.name} ${Buffer.concat([signer.keyId, signature]).toString('base64')}\n`;
  });
  return `${text}\n${lines.join('')}`;
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(SIGNATURE_PREFIX)) throw new Error(`The note line "${line}" is not a signature line ("— <name> <base64>")`);
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  const [name, encoded] = space < 0 ? [rest, ''] : [rest.slice(0, space), rest.slice(space + 1)];
  const bytes = decodeBase64(encoded);
  if (!isKeyName(name) || !bytes || bytes.length < 5) throw new Error(`The note line "${line}" is not a signature line ("— <name> <base64>")`);
  return { name, keyId: bytes.subarray(0, 4), signature: bytes.subarray(4) };
}

/** Splits a note into its text and signature lines; checks syntax only, no signature. */
export function parseNote(note: string): ParsedNote {
  if (NOT_IN_A_NOTE.test(note)) throw new Error('A note holds a control character other than newline (CRLF line endings?) or invalid Unicode');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new Error('A note has no blank line between its text and its signatures');
  const block = note.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) throw new Error('A note ends in one or more signature lines, each ending in a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw new Error(`A note holds ${lines.length} signatures, more than ${MAX_SIGNATURES}`);
  return { text: note.slice(0, split + 1), signatures: lines.map(parseSignatureLine) };
}

function isValidSignature(text: Buffer, verifier: NoteVerifier, signature: Buffer): boolean {
  if (signature.length !== 64) return false;
  try {
    return verify(null, text, verifier.publicKey, signature);
  } catch {
    return false;
  }
}

/**
 * The verifiers, among `verifiers`, whose signature the note carries and which verify it; a key
 * listed twice counts once. Signatures from other keys (another name or another key id) are
 * ignored. A malformed note, or one where a listed key's signature fails, yields none.
 */
export function verifiedSigners(note: string, verifiers: readonly NoteVerifier[]): NoteVerifier[] {
  let parsed: ParsedNote;
  try {
    parsed = parseNote(note);
  } catch {
    return [];
  }
  const text = Buffer.from(parsed.text, 'utf8');
  const verified = new Map<string, NoteVerifier>();
  for (const signature of parsed.signatures) {
    for (const verifier of verifiers) {
      if (verifier.name !== signature.name || !verifier.keyId.equals(signature.keyId)) continue;
      if (!isValidSignature(text, verifier, signature.signature)) return [];
      verified.set(verifier.verifierKey, verified.get(verifier.verifierKey) ?? verifier);
    }
  }
  return [...verified.values()];
}
