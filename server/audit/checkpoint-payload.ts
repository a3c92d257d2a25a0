/**
 * What a checkpoint signs, fixed like the entry format: the RFC 8785 serialization of
 * { "v": 1, "tenantId", "seq", "headHash", "signedAt" (ISO 8601, milliseconds, Z) },
 * signed with Ed25519; the signature is stored in base64.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../canonical-json.js';

export interface CheckpointFacts {
  readonly tenantId: string;
  readonly seq: number;
  readonly headHash: string;
  readonly signedAt: Date;
}

export interface SignedCheckpoint extends CheckpointFacts {
  readonly keyId: string;
  readonly signature: string;
}

export function checkpointPayload(facts: CheckpointFacts): string {
  return canonicalJson({ v: 1, tenantId: facts.tenantId, seq: facts.seq, headHash: facts.headHash, signedAt: facts.signedAt.toISOString() });
}

export function isCheckpointSignatureValid(checkpoint: SignedCheckpoint, publicKeys: ReadonlyMap<string, KeyObject>): boolean {
  const key = publicKeys.get(checkpoint.keyId);
  if (!key) return false;
  try {
    return verify(null, Buffer.from(checkpointPayload(checkpoint)), key, Buffer.from(checkpoint.signature, 'base64'));
  } catch {
    return false;
  }
}

export function publicKeyMap(keys: readonly { keyId: string; publicKey: string }[]): Map<string, KeyObject> {
  return new Map(keys.map((key) => [key.keyId, createPublicKey(key.publicKey)]));
}
