/**
 * RFC 6962 / RFC 9162 Merkle trees over SHA-256. This is the format a verifier re-implements:
 *
 *   MTH({})     = SHA-256()                                   (EMPTY_ROOT)
 *   MTH({d})    = SHA-256(0x00 || d)                          (leafHash)
 *   MTH(D[n])   = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))  (nodeHash), k the largest power of two < n
 *
 * Proofs are RFC 9162 2.1.3 (inclusion, bottom first) and 2.1.4 (consistency); verification is the
 * text of 2.1.3.2 and 2.1.4.2. Storage keeps only PERFECT subtrees, named {level, index}: 2^level
 * leaves from leaf index * 2^level (level 0 is a leaf hash). Every hash a proof or root needs is
 * MTH of a range whose start is a multiple of the largest power of two that fits in it, so it is
 * a right-to-left fold of stored perfect nodes (perfectSubtrees). Proofs read their nodes through a
 * `fetch` callback called once with every node needed, so a caller answers with one query.
 *
 * Sizes and indexes are JavaScript numbers (exact up to 2^53): halving is division, never 32-bit
 * bit operators.
 */
import crypto, { createHash } from 'node:crypto';

// crypto.hash (Node >= 20.12) is about twice as fast as createHash for 65 bytes, and sequencing and
// verification hash twice per leaf. Inputs are copied into a scratch buffer behind a one-byte prefix
// rather than concatenated: no allocation but the digest. Safe because hashing is synchronous. The
// digest comes back as binary (latin1) text, copied into a pooled Buffer: a digest Buffer of its
// own has its own backing store, which costs twice the hash to allocate and collect.
const sha256: (data: Buffer) => Buffer =
  typeof crypto.hash === 'function'
    ? (data) => Buffer.from(crypto.hash('sha256', data, 'binary'), 'binary')
    : (data) => createHash('sha256').update(data).digest();
const nodeScratch = Buffer.alloc(65, 1);
const leafScratch = Buffer.alloc(8192, 0);

export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

/** SHA-256(0x00 || leaf); a string is hashed as its UTF-8 bytes. */
export function leafHash(leaf: Buffer | string): Buffer {
  const length = typeof leaf === 'string' ? Buffer.byteLength(leaf) : leaf.length;
  if (length >= leafScratch.length || !(typeof leaf === 'string' || Buffer.isBuffer(leaf))) {
    return createHash('sha256').update(leafScratch.subarray(0, 1)).update(leaf).digest();
  }
  if (typeof leaf === 'string') leafScratch.write(leaf, 1, 'utf8');
  else leaf.copy(leafScratch, 1);
  return sha256(leafScratch.subarray(0, length + 1));
}

/** SHA-256(0x01 || left || right). Any lengths hash (the published vectors use short ones). */
export function nodeHash(left: Buffer, right: Buffer): Buffer {
  if (left.length !== 32 || right.length !== 32) return createHash('sha256').update(nodeScratch.subarray(0, 1)).update(left).update(right).digest();
  left.copy(nodeScratch, 1);
  right.copy(nodeScratch, 33);
  return sha256(nodeScratch);
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 1 && 2 ** Math.round(Math.log2(n)) === n;
}

/** The largest power of two strictly below n (n >= 2): where RFC 6962 splits a range of n leaves. */
export function largestPowerOfTwoBelow(n: number): number {
  if (!Number.isSafeInteger(n) || n < 2) throw new RangeError(`No power of two splits ${n}`);
  // Math.log2 may round either way near a power of two; the loops make the answer exact.
  let k = 2 ** Math.floor(Math.log2(n - 1));
  while (k >= n) k /= 2;
  while (k * 2 < n) k *= 2;
  return k;
}

const isOdd = (n: number) => n % 2 === 1;
const half = (n: number) => Math.floor(n / 2);
const isIndex = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

/** A perfect subtree: 2^level leaves starting at leaf index * 2^level. Level 0 is a leaf. */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

export interface CompletedNode extends NodeId {
  readonly hash: Buffer;
}

export interface Range {
  readonly start: number;
  readonly end: number;
}

/**
 * The perfect subtrees, left to right, whose fold is MTH(D[start:end]): one per binary digit of
 * end - start, largest first. Throws for a range whose start is not a multiple of its largest part
 * (no RFC 6962 tree or proof hashes one; its MTH is not made of stored nodes).
 */
export function perfectSubtrees(start: number, end: number): NodeId[] {
  if (!isIndex(start) || !isIndex(end) || start > end) throw new RangeError(`[${start}, ${end}) is not a range of leaves`);
  const ids: NodeId[] = [];
  if (start === end) return ids;
  let size = largestPowerOfTwoBelow(end - start + 1);
  if (start % size !== 0) throw new RangeError(`[${start}, ${end}) does not start at a multiple of ${size}, so it is not made of perfect subtrees`);
  let level = Math.round(Math.log2(size));
  for (let at = start; at < end; size /= 2, level--) {
    if (end - at < size) continue;
    ids.push({ level, index: at / size });
    at += size;
  }
  return ids;
}

/** MTH of a range from its perfect subtrees' hashes (perfectSubtrees order), folded right to left. */
export function rangeHashFromSubtrees(hashes: readonly Buffer[]): Buffer {
  if (hashes.length === 0) return EMPTY_ROOT;
  let hash = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) hash = nodeHash(hashes[i]!, hash);
  return hash;
}

/** RFC 9162 2.1.3.1 PATH(index, D[size]) as the ranges its hashes are MTH of, bottom first. */
export function inclusionProofRanges(index: number, size: number): Range[] {
  if (!isIndex(index) || !isIndex(size) || index >= size) throw new RangeError(`Leaf ${index} is not in a tree of ${size}`);
  const topDown: Range[] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (index < lo + k) {
      topDown.push({ start: lo + k, end: hi });
      hi = lo + k;
    } else {
      topDown.push({ start: lo, end: lo + k });
      lo += k;
    }
  }
  return topDown.reverse();
}

/**
 * RFC 9162 2.1.4.1 PROOF(oldSize, D[newSize]) = SUBPROOF(oldSize, D[newSize], true) as ranges,
 * bottom first. The old tree's own root is left out only while it is still the whole subtree
 * being descended (the b flag); once the descent goes right, the subtree reached is included.
 */
export function consistencyProofRanges(oldSize: number, newSize: number): Range[] {
  if (!isIndex(oldSize) || !isIndex(newSize) || oldSize < 1 || oldSize > newSize) {
    throw new RangeError(`No consistency proof from ${oldSize} to ${newSize}`);
  }
  const topDown: Range[] = [];
  let lo = 0;
  let hi = newSize;
  let m = oldSize; // the old tree's leaves within [lo, hi)
  let isWholeOldTree = true;
  while (m !== hi - lo) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (m <= k) {
      topDown.push({ start: lo + k, end: hi });
      hi = lo + k;
    } else {
      topDown.push({ start: lo, end: lo + k });
      m -= k;
      lo += k;
      isWholeOldTree = false;
    }
  }
  if (!isWholeOldTree) topDown.push({ start: lo, end: hi });
  return topDown.reverse();
}

export type FetchNodes = (ids: NodeId[]) => Promise<Buffer[]>;

/** Hashes each range from stored nodes, calling `fetch` exactly once (with [] when none is needed). */
async function hashRanges(ranges: readonly Range[], fetch: FetchNodes): Promise<Buffer[]> {
  const parts = ranges.map((range) => perfectSubtrees(range.start, range.end));
  const positions = new Map<string, number>();
  const ids: NodeId[] = [];
  for (const id of parts.flat()) {
    const key = `${id.level}:${id.index}`;
    if (positions.has(key)) continue;
    positions.set(key, ids.length);
    ids.push(id);
  }
  const hashes = await fetch(ids);
  if (!Array.isArray(hashes) || hashes.length !== ids.length) throw new Error(`Asked for ${ids.length} tree nodes, got ${hashes?.length}`);
  hashes.forEach((hash, i) => {
    if (!Buffer.isBuffer(hash) || hash.length !== 32) throw new Error(`Tree node ${ids[i]!.level}/${ids[i]!.index} is not a 32-byte hash`);
  });
  return parts.map((part) => rangeHashFromSubtrees(part.map((id) => hashes[positions.get(`${id.level}:${id.index}`)!]!)));
}

export async function buildInclusionProof(index: number, size: number, fetch: FetchNodes): Promise<Buffer[]> {
  return hashRanges(inclusionProofRanges(index, size), fetch);
}

export async function buildConsistencyProof(oldSize: number, newSize: number, fetch: FetchNodes): Promise<Buffer[]> {
  return hashRanges(consistencyProofRanges(oldSize, newSize), fetch);
}

/** MTH(D[size]) from stored nodes; size 0 is EMPTY_ROOT. */
export async function rootFromStore(size: number, fetch: FetchNodes): Promise<Buffer> {
  if (!isIndex(size)) throw new RangeError(`${String(size)} is not a tree size`);
  const [root] = await hashRanges([{ start: 0, end: size }], fetch);
  return root!;
}

const isHash = (value: unknown): value is Buffer => Buffer.isBuffer(value) && value.length === 32;
const isHashList = (value: unknown): value is Buffer[] => Array.isArray(value) && value.every(isHash);

/** RFC 9162 2.1.3.2, step by step. False, never an exception, for any malformed input. */
export function verifyInclusion(leafHash: Buffer, index: number, size: number, proof: Buffer[], root: Buffer): boolean {
  if (!isHash(leafHash) || !isHash(root) || !isHashList(proof) || !isIndex(index) || !isIndex(size) || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && r.equals(root);
}

/**
 * RFC 9162 2.1.4.2, step by step. Equal sizes need an empty proof and equal roots. An old size of
 * 0 is refused: RFC 9162 defines no proof from the empty tree (any tree extends it).
 */
export function verifyConsistency(oldSize: number, newSize: number, oldRoot: Buffer, newRoot: Buffer, proof: Buffer[]): boolean {
  if (!isHash(oldRoot) || !isHash(newRoot) || !isHashList(proof) || !isIndex(oldSize) || !isIndex(newSize)) return false;
  if (oldSize < 1 || oldSize > newSize) return false;
  if (oldSize === newSize) return proof.length === 0 && oldRoot.equals(newRoot);
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : proof;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && fr.equals(oldRoot) && sr.equals(newRoot);
}

/**
 * Builds a tree leaf by leaf keeping only its right edge: the hashes of perfectSubtrees(0, size),
 * one per set bit of size, largest first. Each append returns the perfect nodes (level >= 1) it
 * completed, so a sequencer can store every node of the tree. Appended and returned buffers are
 * kept by reference: do not reuse or mutate them.
 */
export class CompactTree {
  private readonly edge: Buffer[] = [];
  private count = 0;

  /** Resumes a tree of `size` from the hashes of perfectSubtrees(0, size), in that order. */
  static fromEdge(size: number, edge: readonly Buffer[]): CompactTree {
    const expected = perfectSubtrees(0, size).length;
    if (edge.length !== expected) throw new RangeError(`A tree of ${size} has ${expected} edge nodes, not ${edge.length}`);
    const tree = new CompactTree();
    tree.edge.push(...edge);
    tree.count = size;
    return tree;
  }

  get size(): number {
    return this.count;
  }

  append(leafHash: Buffer): CompletedNode[] {
    const completed: CompletedNode[] = [];
    let hash = leafHash;
    let level = 0;
    // The new leaf closes one perfect subtree per trailing 1 bit of the old size.
    for (let n = this.count; isOdd(n);) {
      n = (n - 1) / 2;
      level++;
      hash = nodeHash(this.edge.pop()!, hash);
      completed.push({ level, index: n, hash });
    }
    this.edge.push(hash);
    this.count++;
    return completed;
  }

  root(): Buffer {
    return rangeHashFromSubtrees(this.edge);
  }
}
