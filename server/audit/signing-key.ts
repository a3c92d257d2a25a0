/**
 * The Ed25519 key that signs audit checkpoints. It comes from VIGIL_AUDIT_SIGNING_KEY, or is
 * generated once into the data dir (mode 0600). Every public key that ever signed is kept in the
 * database, so checkpoints stay verifiable after the key is rotated, and is published in the API.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Executor } from '../db/database.js';
import { auditSigningKeys } from '../db/tables/index.js';

export interface SigningKey {
  readonly keyId: string;
  readonly privateKey: KeyObject;
  readonly publicKeyPem: string;
}

const KEY_FILE = 'audit-signing-key.pem';

/** A key's id: the first 16 hex digits of the SHA-256 of its public key (SPKI DER). */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

export function signingKeyFromPem(pem: string): SigningKey {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('The audit signing key must be an Ed25519 key');
  const publicKey = createPublicKey(privateKey);
  return { keyId: keyIdOf(publicKey), privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** The configured key, else the one in the data dir, else a new one written there. */
export function loadSigningKey(configuredPem: string | undefined, dataDir: string): SigningKey {
  if (configuredPem) return signingKeyFromPem(configuredPem);
  const file = path.join(dataDir, KEY_FILE);
  if (fs.existsSync(file)) return signingKeyFromPem(fs.readFileSync(file, 'utf8'));
  fs.mkdirSync(dataDir, { recursive: true });
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  fs.writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
  return signingKeyFromPem(pem);
}

export async function publishSigningKey(db: Executor, key: SigningKey): Promise<void> {
  await db.insert(auditSigningKeys).values({ keyId: key.keyId, publicKey: key.publicKeyPem }).onConflictDoNothing();
}

export function signBytes(key: SigningKey, data: string): string {
  return sign(null, Buffer.from(data), key.privateKey).toString('base64');
}
