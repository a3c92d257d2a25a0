/**
 * Secrets at rest (webhook and channel secrets, SMTP passwords): AES-256-GCM under a 32-byte key
 * from VIGIL_SECRET_KEY (base64), or generated once into the data dir (mode 0600) for a single
 * instance. Instances sharing a database must share the key, so set VIGIL_SECRET_KEY there.
 * Sealed values read `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url), so a rotated key can be
 * told apart from the one that sealed a value.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const KEY_FILE = 'secret.key';
const AUTH_TAG_BYTES = 16;

export interface SecretBox {
  readonly keyId: string;
  seal(plaintext: string): string;
  open(sealed: string): string;
}

export function secretBoxFromKey(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('The secret key must be 32 bytes (base64 of 32 random bytes)');
  const keyId = createHash('sha256').update(key).digest('base64url').slice(0, 8);
  return {
    keyId,
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
    },
    open(sealed) {
      const [version, sealedKeyId, iv, tag, ciphertext] = sealed.split('.');
      if (version !== 'v1' || !iv || !tag || ciphertext === undefined) throw new Error('Not a sealed secret');
      if (sealedKeyId !== keyId) throw new Error(`The secret was sealed with key ${sealedKeyId}, not the configured key ${keyId}`);
      const authTag = Buffer.from(tag, 'base64url');
      // A shortened tag would still "verify" with fewer bits of protection: only the full 16 bytes count.
      if (authTag.length !== AUTH_TAG_BYTES) throw new Error('Not a sealed secret: the authentication tag is not 16 bytes');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: AUTH_TAG_BYTES });
      decipher.setAuthTag(authTag);
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

/** The configured key, else the one in the data dir, else a new one written there. */
export function loadSecretBox(configuredKey: string | undefined, dataDir: string): SecretBox {
  if (configuredKey) return secretBoxFromKey(Buffer.from(configuredKey, 'base64'));
  const file = path.join(dataDir, KEY_FILE);
  if (fs.existsSync(file)) return secretBoxFromKey(Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64'));
  fs.mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  fs.writeFileSync(file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
  return secretBoxFromKey(key);
}
