/**
 * A verifier of the log's Merkle proofs written only from the text of RFC 9162 (section 2.1.1 for
 * MTH, 2.1.3.2 and 2.1.4.2 for verification), importing nothing from server/. It counts with BigInt
 * and shifts, where the library divides numbers, so the two share no arithmetic either.
 *
 * Where RFC 9162 is silent this verifier decides as follows (and the library must agree): a
 * consistency proof between equal sizes is valid only when empty and the two roots are equal; a
 * negative or fractional size or index fails.
 */
import { createHash } from 'node:crypto';

export const HASH = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
export const ONE = Buffer.from([0x01]);
export const ZERO = Buffer.from([0x00]);

/** RFC 9162 2.1.1: MTH({}) = HASH(), MTH({d(0)}) = HASH(0x00 || d(0)), else split at the largest power of two k < n. */
export function MTH(D: readonly Buffer[]): Buffer {
  const n = D.length;
  if (n === 0) return HASH();
  if (n === 1) return HASH(ZERO, D[0]!);
  let k = 1;
  while (k * 2 < n) k *= 2;
  return HASH(ONE, MTH(D.slice(0, k)), MTH(D.slice(k)));
}

const LSB = (x: bigint) => (x & 1n) === 1n;
const asCount = (x: number): bigint | null => (Number.isSafeInteger(x) && x >= 0 ? BigInt(x) : null);

/** RFC 9162 2.1.3.2, step by step. */
export function verifyInclusionPerRfc(hash: Buffer, leaf_index: number, tree_size: number, inclusion_path: readonly Buffer[], root_hash: Buffer): boolean {
  const index = asCount(leaf_index);
  const size = asCount(tree_size);
  if (index === null || size === null) return false;
  // 1. If leaf_index is greater than or equal to tree_size, then fail the proof verification.
  if (index >= size) return false;
  // 2. Set fn to leaf_index and sn to tree_size - 1.
  let fn = index;
  let sn = size - 1n;
  // 3. Set r to hash.
  let r = hash;
  // 4. For each value p in the inclusion_path array:
  for (const p of inclusion_path) {
    // a. If sn is 0, then stop the iteration and fail the proof verification.
    if (sn === 0n) return false;
    // b. If LSB(fn) is set, or if fn is equal to sn, then:
    if (LSB(fn) || fn === sn) {
      // 1. Set r to HASH(0x01 || p || r).
      r = HASH(ONE, p, r);
      // 2. If LSB(fn) is not set, then right-shift both fn and sn equally until either LSB(fn) is set or fn is 0.
      if (!LSB(fn)) {
        while (!LSB(fn) && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      // Otherwise: 1. Set r to HASH(0x01 || r || p).
      r = HASH(ONE, r, p);
    }
    // c. Finally, right-shift both fn and sn one time.
    fn >>= 1n;
    sn >>= 1n;
  }
  // 5. If sn is equal to 0 and r and the root_hash are equal, the log has proven the inclusion of hash.
  return sn === 0n && r.equals(root_hash);
}

/** RFC 9162 2.1.4.2, step by step. */
export function verifyConsistencyPerRfc(first: number, second: number, first_hash: Buffer, second_hash: Buffer, consistency_path: readonly Buffer[]): boolean {
  const m = asCount(first);
  const n = asCount(second);
  if (m === null || n === null || m === 0n || m > n) return false;
  if (m === n) return consistency_path.length === 0 && first_hash.equals(second_hash);
  // 1. If consistency_path is an empty array, stop and fail the proof verification.
  if (consistency_path.length === 0) return false;
  // 2. If first is an exact power of 2, then prepend first_hash to the consistency_path array.
  const path = (m & (m - 1n)) === 0n ? [first_hash, ...consistency_path] : [...consistency_path];
  // 3. Set fn to first - 1 and sn to second - 1.
  let fn = m - 1n;
  let sn = n - 1n;
  // 4. If LSB(fn) is set, then right-shift both fn and sn equally until LSB(fn) is not set.
  while (LSB(fn)) {
    fn >>= 1n;
    sn >>= 1n;
  }
  // 5. Set both fr and sr to the first value in the consistency_path array.
  let fr = path[0]!;
  let sr = path[0]!;
  // 6. For each subsequent value c in the consistency_path array:
  for (const c of path.slice(1)) {
    // a. If sn is 0, then stop the iteration and fail the proof verification.
    if (sn === 0n) return false;
    // b. If LSB(fn) is set, or if fn is equal to sn, then:
    if (LSB(fn) || fn === sn) {
      // 1. Set fr to HASH(0x01 || c || fr). Set sr to HASH(0x01 || c || sr).
      fr = HASH(ONE, c, fr);
      sr = HASH(ONE, c, sr);
      // 2. If LSB(fn) is not set, then right-shift both fn and sn equally until either LSB(fn) is set or fn is 0.
      if (!LSB(fn)) {
        while (!LSB(fn) && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      // Otherwise: 1. Set sr to HASH(0x01 || sr || c).
      sr = HASH(ONE, sr, c);
    }
    // c. Finally, right-shift both fn and sn one time.
    fn >>= 1n;
    sn >>= 1n;
  }
  // 7. Verify that fr equals first_hash, sr equals second_hash, and sn is 0.
  return fr.equals(first_hash) && sr.equals(second_hash) && sn === 0n;
}
