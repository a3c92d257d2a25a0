/**
 * Secrets at rest (webhook and channel secrets, SMTP passwords, TOTP secrets): AES-256-GCM under a
 * 32-byte key from VIGIL_SECRET_KEY (base64), or generated once into the data dir (mode 0600) for
 * a single instance. Instances sharing a database must share the key, so set VIGIL_SECRET_KEY there.
 * Sealed values read `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url), so a rotated key can be
 * told apart from the one that sealed a value: `seal` always uses the current key, `open` also
 * accepts the previous keys (VIGIL_SECRET_KEY_PREVIOUS) until `vigil secrets rotate` (reseal.ts)
 * has sealed every stored value again under the current one.
 * The same keys also authenticate what Vigil wrote for itself to act on later (an outbox row it
 * will send): `tag` gives `v1.<key id>.<HMAC-SHA256>` under a key derived from the secret key for
 * that use alone, so a row written by anyone holding only the database is told apart.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const KEY_FILE = 'secret.key';
const AUTH_TAG_BYTES = 16;

export interface SecretBox {
  /** The id of the current key, the one `seal` uses. */
  readonly keyId: string;
  seal(plaintext: string): string;
  /** Opens a value sealed under the current key or one of the previous keys. */
  open(sealed: string): string;
  /** Whether `sealed` (or a tag) names the current key (by its key id; nothing is decrypted). */
  isCurrent(sealed: string): boolean;
  /** Authenticates `parts` for `purpose` under the current key. */
  tag(purpose: string, parts: readonly string[]): string;
  /** Whether `tag` authenticates `parts` for `purpose` under the current key or a previous one. */
  isTagOf(tag: string, purpose: string, parts: readonly string[]): boolean;
  /** Whether `keyId` names the current key or a previous one. */
  hasKey(keyId: string): boolean;
}

const TAG_KEY_INFO = 'vigil row tag v1';

/** The HMAC key for tags: never the sealing key itself, so neither use can stand in for the other. */
function tagKeyOf(key: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), TAG_KEY_INFO, 32));
}

/** HMAC over the JSON array of purpose and parts: unambiguous wherever the parts' boundaries fall. */
function macOf(tagKey: Buffer, purpose: string, parts: readonly string[]): Buffer {
  return createHmac('sha256', tagKey)
    .update(JSON.stringify([purpose, ...parts]))
    .digest();
}

/** The first 8 base64url characters of the key's SHA-256: names a key without revealing it. */
function keyIdOf(key: Buffer): string {
  if (key.length !== 32) throw new Error('The secret key must be 32 bytes (base64 of 32 random bytes)');
  return createHash('sha256').update(key).digest('base64url').slice(0, 8);
}

/** The key id a sealed value names, or undefined when it is not a sealed value at all. */
export function sealedKeyId(sealed: string): string | undefined {
  const [version, keyId] = sealed.split('.');
  return version === 'v1' && keyId ? keyId : undefined;
}

export function secretBoxFromKey(key: Buffer, previousKeys: readonly Buffer[] = []): SecretBox {
  const keyId = keyIdOf(key);
  const keys = new Map<string, Buffer>(previousKeys.map((previous) => [keyIdOf(previous), previous]));
  keys.set(keyId, key);
  const tagKeys = new Map([...keys].map(([id, each]) => [id, tagKeyOf(each)]));
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
      const sealingKey = keys.get(sealedKeyId!);
      if (!sealingKey) {
        throw new Error(`The secret was sealed with key ${sealedKeyId}, which is neither the configured key ${keyId} nor one of VIGIL_SECRET_KEY_PREVIOUS`);
      }
      const authTag = Buffer.from(tag, 'base64url');
      // A shortened tag would still "verify" with fewer bits of protection: only the full 16 bytes count.
      if (authTag.length !== AUTH_TAG_BYTES) throw new Error('Not a sealed secret: the authentication tag is not 16 bytes');
      const decipher = createDecipheriv('aes-256-gcm', sealingKey, Buffer.from(iv, 'base64url'), { authTagLength: AUTH_TAG_BYTES });
      decipher.setAuthTag(authTag);
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    },
    isCurrent(sealed) {
      return sealedKeyId(sealed) === keyId;
    },
    tag(purpose, parts) {
      return ['v1', keyId, macOf(tagKeys.get(keyId)!, purpose, parts).toString('base64url')].join('.');
    },
    hasKey(id) {
      return keys.has(id);
    },
    isTagOf(tag, purpose, parts) {
      const [version, tagKeyId, mac, ...rest] = tag.split('.');
      const tagKey = tagKeys.get(tagKeyId ?? '');
      if (version !== 'v1' || !tagKey || mac === undefined || rest.length > 0) return false;
      const expected = macOf(tagKey, purpose, parts);
      const given = Buffer.from(mac, 'base64url');
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

/**
 * The configured key, else the one in the data dir, else a new one written there; values sealed
 * under `previousKeys` (base64, from VIGIL_SECRET_KEY_PREVIOUS) still open.
 */
export function loadSecretBox(configuredKey: string | undefined, previousKeys: readonly string[], dataDir: string): SecretBox {
  const previous = previousKeys.map((key) => Buffer.from(key, 'base64'));
  if (configuredKey) return secretBoxFromKey(Buffer.from(configuredKey, 'base64'), previous);
  const file = path.join(dataDir, KEY_FILE);
  if (fs.existsSync(file)) return secretBoxFromKey(Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64'), previous);
  fs.mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  fs.writeFileSync(file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
  return secretBoxFromKey(key, previous);
}
