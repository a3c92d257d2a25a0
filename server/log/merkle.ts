/**
 * RFC 6962 / RFC 9162 Merkle trees over SHA-256: leaf and node hashes, roots, inclusion and
 * consistency proofs and their verification, and an incremental builder. Pure: proofs read their
 * nodes through a `fetch` callback that gets every node it needs at once, so a caller can answer
 * a proof with one database query. Sizes and indexes are JavaScript numbers (exact up to 2^53);
 * halving uses division, never 32-bit shifts.
 */
import { createHash } from 'node:crypto';

export const EMPTY_ROOT: Buffer = createHash('sha256').digest();
const LEAF_PREFIX = Buffer.from([0]);
const NODE_PREFIX = Buffer.from([1]);

export function leafHash(leaf: Buffer | string): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(leaf).digest();
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

export function isPowerOfTwo(n: number): boolean {
  return n >= 1 && Number.isInteger(Math.log2(n)) && 2 ** Math.log2(n) === n;
}

/** The largest power of two strictly below n (n >= 2): where RFC 6962 splits a range of n. */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 2 ** Math.floor(Math.log2(n));
  if (k >= n) k /= 2;
  return k;
}

const half = (n: number) => Math.floor(n / 2);
const isOdd = (n: number) => n % 2 === 1;

/** A perfect subtree: 2^level leaves starting at leaf index * 2^level. Level 0 is a leaf. */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/**
 * The aligned perfect subtrees, left to right, that MTH(D[start:end]) is made of: the sizes are
 * the binary digits of end - start, largest first. Ranges that occur in RFC 6962 trees and
 * proofs always start at a multiple of their largest part, so every part is aligned.
 */
export function perfectSubtrees(start: number, end: number): NodeId[] {
  const ids: NodeId[] = [];
  let at = start;
  while (at < end) {
    let size = 2 ** Math.floor(Math.log2(end - at));
    while (size > end - at) size /= 2;
    while (at % size !== 0) size /= 2;
    const level = Math.round(Math.log2(size));
    ids.push({ level, index: at / size });
    at += size;
  }
  return ids;
}

/** MTH of a range from its perfect subtrees' hashes, folded right to left as RFC 6962 splits. */
export function rangeHashFromSubtrees(hashes: Buffer[]): Buffer {
  if (hashes.length === 0) return EMPTY_ROOT;
  let hash = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) hash = nodeHash(hashes[i]!, hash);
  return hash;
}

export interface Range {
  readonly start: number;
  readonly end: number;
}

/** RFC 9162 2.1.3.1 PATH(m, D[n]) as ranges, bottom first. */
export function inclusionProofRanges(index: number, size: number): Range[] {
  const ranges: Range[] = [];
  const path = (lo: number, hi: number) => {
    if (hi - lo <= 1) return;
    const k = largestPowerOfTwoBelow(hi - lo);
    if (index < lo + k) {
      path(lo, lo + k);
      ranges.push({ start: lo + k, end: hi });
    } else {
      path(lo + k, hi);
      ranges.push({ start: lo, end: lo + k });
    }
  };
  if (index < 0 || index >= size) throw new RangeError(`Leaf ${index} is not in a tree of ${size}`);
  path(0, size);
  return ranges;
}

/** RFC 9162 2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true) as ranges. */
export function consistencyProofRanges(oldSize: number, newSize: number): Range[] {
  if (oldSize < 1 || oldSize > newSize) throw new RangeError(`No consistency proof from ${oldSize} to ${newSize}`);
  const ranges: Range[] = [];
  const subproof = (m: number, lo: number, hi: number, isWhole: boolean) => {
    if (m === hi - lo) {
      if (!isWhole) ranges.push({ start: lo, end: hi });
      return;
    }
    const k = largestPowerOfTwoBelow(hi - lo);
    if (m <= k) {
      subproof(m, lo, lo + k, isWhole);
      ranges.push({ start: lo + k, end: hi });
    } else {
      subproof(m - k, lo + k, hi, false);
      ranges.push({ start: lo, end: lo + k });
    }
  };
  subproof(oldSize, 0, newSize, true);
  return ranges;
}

type Fetch = (ids: NodeId[]) => Promise<Buffer[]>;

/** Fetches every node the ranges need, once, and hashes each range. */
async function hashRanges(ranges: Range[], fetch: Fetch): Promise<Buffer[]> {
  const parts = ranges.map((range) => perfectSubtrees(range.start, range.end));
  const unique = new Map<string, NodeId>();
  for (const id of parts.flat()) unique.set(`${id.level}:${id.index}`, id);
  const ids = [...unique.values()];
  const hashes = await fetch(ids);
  const byKey = new Map(ids.map((id, i) => [`${id.level}:${id.index}`, hashes[i]!]));
  return parts.map((ids) => rangeHashFromSubtrees(ids.map((id) => byKey.get(`${id.level}:${id.index}`)!)));
}

export function buildInclusionProof(index: number, size: number, fetch: Fetch): Promise<Buffer[]> {
  return hashRanges(inclusionProofRanges(index, size), fetch);
}

export function buildConsistencyProof(oldSize: number, newSize: number, fetch: Fetch): Promise<Buffer[]> {
  return hashRanges(consistencyProofRanges(oldSize, newSize), fetch);
}

export async function rootFromStore(size: number, fetch: Fetch): Promise<Buffer> {
  if (size === 0) return EMPTY_ROOT;
  const [root] = await hashRanges([{ start: 0, end: size }], fetch);
  return root!;
}

const isHash = (value: unknown): value is Buffer => Buffer.isBuffer(value) && value.length === 32;

/** RFC 9162 2.1.3.2. */
export function verifyInclusion(leaf: Buffer, index: number, size: number, proof: Buffer[], root: Buffer): boolean {
  if (!isHash(leaf) || !isHash(root) || !Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  if (!Array.isArray(proof) || !proof.every(isHash)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
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

/** RFC 9162 2.1.4.2. */
export function verifyConsistency(oldSize: number, newSize: number, oldRoot: Buffer, newRoot: Buffer, proof: Buffer[]): boolean {
  if (!isHash(oldRoot) || !isHash(newRoot) || !Array.isArray(proof) || !proof.every(isHash)) return false;
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize) || oldSize < 1 || oldSize > newSize) return false;
  if (oldSize === newSize) return proof.length === 0 && oldRoot.equals(newRoot);
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : proof;
  if (path.length === 0) return false;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
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

export interface CompletedNode extends NodeId {
  readonly hash: Buffer;
}

/**
 * Builds a tree leaf by leaf keeping only its right edge (the perfect subtrees of perfectSubtrees(0,
 * size)): O(log n) memory. Each append returns the perfect nodes (level >= 1) it completed, so a
 * sequencer can store every node of the tree.
 */
export class CompactTree {
  private readonly levels: number[] = [];
  private readonly hashes: Buffer[] = [];
  private count = 0;

  static fromEdge(size: number, edge: Buffer[]): CompactTree {
    const tree = new CompactTree();
    const ids = perfectSubtrees(0, size);
    if (ids.length !== edge.length) throw new Error(`A tree of ${size} has ${ids.length} edge nodes, not ${edge.length}`);
    ids.forEach((id, i) => {
      tree.levels.push(id.level);
      tree.hashes.push(edge[i]!);
    });
    tree.count = size;
    return tree;
  }

  get size(): number {
    return this.count;
  }

  append(leaf: Buffer): CompletedNode[] {
    const completed: CompletedNode[] = [];
    let level = 0;
    let hash = leaf;
    let index = this.count;
    while (this.levels.length > 0 && this.levels[this.levels.length - 1] === level) {
      this.levels.pop();
      hash = nodeHash(this.hashes.pop()!, hash);
      level++;
      index = half(index);
      completed.push({ level, index, hash });
    }
    this.levels.push(level);
    this.hashes.push(hash);
    this.count++;
    return completed;
  }

  root(): Buffer {
    return this.count === 0 ? EMPTY_ROOT : rangeHashFromSubtrees(this.hashes);
  }
}
