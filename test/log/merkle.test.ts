/**
 * Properties of server/log/merkle.ts over random trees of up to 300 leaves (fast-check), checked
 * against a naive recursive reading of RFC 6962 section 2.1 written here: MTH, PATH and PROOF by
 * their definitions, memoised per tree.
 *
 * "A changed size fails" needs care: an RFC 9162 inclusion or consistency proof does not name its
 * tree size, only the shape of its path. Sizes whose path has the same shape (which side each
 * proof hash goes on) run the verifier through the same hashes, so the proof verifies there too;
 * the roots, which do commit to the size, are what tell such trees apart. So: every other size
 * with a different shape fails, every size with the same shape passes, and the changes
 * transparency-dev's verify_test.go probes (old size +-1 or ^2, new size *2 or /2) always fail.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildConsistencyProof,
  buildInclusionProof,
  CompactTree,
  consistencyProofRanges,
  EMPTY_ROOT,
  inclusionProofRanges,
  isPowerOfTwo,
  largestPowerOfTwoBelow,
  leafHash,
  nodeHash,
  perfectSubtrees,
  rangeHashFromSubtrees,
  rootFromStore,
  verifyConsistency,
  verifyInclusion,
  type CompletedNode,
  type NodeId,
} from '../../server/log/merkle.js';

/** RFC 6962 2.1, recursively and slowly, over one list of leaf hashes. */
class NaiveTree {
  private readonly memo = new Map<string, Buffer>();
  constructor(private readonly leaves: readonly Buffer[]) {}

  private static split(n: number): number {
    let k = 1;
    while (k * 2 < n) k *= 2;
    return k;
  }

  mth(start: number, end: number): Buffer {
    if (end === start) return createHash('sha256').digest();
    if (end - start === 1) return this.leaves[start]!;
    const key = `${start}:${end}`;
    let hash = this.memo.get(key);
    if (!hash) {
      const k = NaiveTree.split(end - start);
      hash = createHash('sha256')
        .update(Buffer.from([1]))
        .update(this.mth(start, start + k))
        .update(this.mth(start + k, end))
        .digest();
      this.memo.set(key, hash);
    }
    return hash;
  }

  /** PATH(m, D[start:end]). */
  path(m: number, start: number, end: number): Buffer[] {
    if (end - start <= 1) return [];
    const k = NaiveTree.split(end - start);
    return m < k ? [...this.path(m, start, start + k), this.mth(start + k, end)] : [...this.path(m - k, start + k, end), this.mth(start, start + k)];
  }

  /** SUBPROOF(m, D[start:end], b). */
  subproof(m: number, start: number, end: number, b: boolean): Buffer[] {
    if (m === end - start) return b ? [] : [this.mth(start, end)];
    const k = NaiveTree.split(end - start);
    return m <= k
      ? [...this.subproof(m, start, start + k, b), this.mth(start + k, end)]
      : [...this.subproof(m - k, start + k, end, false), this.mth(start, start + k)];
  }
}

/** A tree grown leaf by leaf with CompactTree, every completed node kept as a sequencer stores it. */
function grow(size: number, salt: string) {
  const leaves = Array.from({ length: size }, (_, i) => leafHash(`${salt}/${i}`));
  const nodes = new Map<string, Buffer>();
  const completed: CompletedNode[] = [];
  const roots: Buffer[] = [];
  const tree = new CompactTree();
  roots.push(tree.root());
  leaves.forEach((leaf, i) => {
    nodes.set(`0:${i}`, leaf);
    for (const node of tree.append(leaf)) {
      nodes.set(`${node.level}:${node.index}`, node.hash);
      completed.push(node);
    }
    roots.push(tree.root());
  });
  const naive = new NaiveTree(leaves);
  /** A store as it stood at `atSize` leaves: reading a node past it is a bug in the ranges. */
  const storeAt = (atSize: number) => {
    const calls: NodeId[][] = [];
    const fetch = async (ids: NodeId[]) => {
      calls.push(ids);
      return ids.map(({ level, index }) => {
        if ((index + 1) * 2 ** level > atSize) throw new Error(`node ${level}/${index} is not in a tree of ${atSize}`);
        return nodes.get(`${level}:${index}`)!;
      });
    };
    return { calls, fetch };
  };
  return { leaves, nodes, completed, roots, tree, naive, storeAt };
}

const keyOf = (id: NodeId) => `${id.level}:${id.index}`;
const flipped = (hash: Buffer, byte: number, mask: number) => {
  const copy = Buffer.from(hash);
  copy[byte]! ^= mask;
  return copy;
};

/** Which side of the running hash each inclusion proof hash goes on. */
const inclusionShape = (index: number, size: number): string | null => {
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) return null;
  return inclusionProofRanges(index, size)
    .map((range) => (range.start < index ? 'L' : 'R'))
    .join('');
};

/** For a consistency proof: whether the old root is prepended (P), then each hash's side. */
const consistencyShape = (oldSize: number, newSize: number): string | null => {
  if (oldSize < 1 || oldSize > newSize) return null;
  const sides = consistencyProofRanges(oldSize, newSize).map((range) => (range.end <= oldSize ? 'L' : 'R'));
  return (isPowerOfTwo(oldSize) && oldSize !== newSize ? 'P' : '') + sides.join('');
};

const saltArb = fc.string({ maxLength: 8 });
const maskArb = fc.integer({ min: 1, max: 255 });

describe('Merkle tree roots and stored nodes', () => {
  it('gives the same root for every size from appending, from the naive RFC 6962 MTH and from the store in one fetch', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 300 }), saltArb, async (size, salt) => {
        const grown = grow(size, salt);
        expect(grown.tree.size).toBe(size);
        const disagreeing: number[] = [];
        for (let s = 0; s <= size; s++) {
          const store = grown.storeAt(s);
          const expected = grown.naive.mth(0, s);
          const fromStore = await rootFromStore(s, store.fetch);
          if (!grown.roots[s]!.equals(expected) || !fromStore.equals(expected) || store.calls.length !== 1) disagreeing.push(s);
        }
        expect(disagreeing).toEqual([]);
        expect(grown.roots[0]).toEqual(EMPTY_ROOT);
      }),
    );
  });

  it('completes every perfect node of the tree exactly once, each the MTH of its own leaves', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), saltArb, (size, salt) => {
        const { completed, naive } = grow(size, salt);
        const seen = new Set(completed.map(keyOf));
        expect(seen.size).toBe(completed.length);
        for (let level = 1; 2 ** level <= size; level++) {
          expect(completed.filter((node) => node.level === level)).toHaveLength(Math.floor(size / 2 ** level));
        }
        for (const node of completed) expect(node.hash).toEqual(naive.mth(node.index * 2 ** node.level, (node.index + 1) * 2 ** node.level));
      }),
    );
  });

  it('resumes from the stored right edge at any size to the same roots and the same completed nodes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 }).chain((size) => fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size }))),
        saltArb,
        ([size, cut], salt) => {
          const grown = grow(size, salt);
          const edge = perfectSubtrees(0, cut).map((id) => grown.nodes.get(keyOf(id))!);
          const resumed = CompactTree.fromEdge(cut, edge);
          expect(resumed.size).toBe(cut);
          expect(resumed.root()).toEqual(grown.roots[cut]);
          const completed: CompletedNode[] = [];
          for (let i = cut; i < size; i++) {
            completed.push(...resumed.append(grown.leaves[i]!));
            expect(resumed.root()).toEqual(grown.roots[i + 1]);
          }
          expect(completed).toEqual(grown.completed.filter((node) => (node.index + 1) * 2 ** node.level > cut));
        },
      ),
    );
  });

  it('refuses to resume from an edge of the wrong length', () => {
    expect(() => CompactTree.fromEdge(3, [EMPTY_ROOT])).toThrow(RangeError);
    expect(() => CompactTree.fromEdge(4, [EMPTY_ROOT, EMPTY_ROOT])).toThrow(RangeError);
    expect(() => CompactTree.fromEdge(-1, [])).toThrow(RangeError);
    expect(CompactTree.fromEdge(0, []).root()).toEqual(EMPTY_ROOT);
  });
});

describe('Merkle inclusion proofs', () => {
  const treeAndLeaf = fc
    .integer({ min: 1, max: 300 })
    .chain((size) => fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 }), fc.integer({ min: 0, max: 40 })));

  it('builds the RFC 9162 proof in one fetch of distinct nodes inside the tree, and it verifies', async () => {
    await fc.assert(
      fc.asyncProperty(treeAndLeaf, saltArb, async ([size, index, grownBeyond], salt) => {
        const grown = grow(size + grownBeyond, salt);
        const store = grown.storeAt(size);
        const proof = await buildInclusionProof(index, size, store.fetch);
        expect(proof).toEqual(grown.naive.path(index, 0, size));
        expect(store.calls).toHaveLength(1);
        expect(new Set(store.calls[0]!.map(keyOf)).size).toBe(store.calls[0]!.length);
        expect(verifyInclusion(grown.leaves[index]!, index, size, proof, grown.roots[size]!)).toBe(true);
      }),
    );
  });

  it('rejects the proof once any byte of the leaf, a proof hash or the root changes', async () => {
    await fc.assert(
      fc.asyncProperty(treeAndLeaf, saltArb, maskArb, async ([size, index], salt, mask) => {
        const grown = grow(size, salt);
        const proof = await buildInclusionProof(index, size, grown.storeAt(size).fetch);
        const leaf = grown.leaves[index]!;
        const root = grown.roots[size]!;
        for (let byte = 0; byte < 32; byte++) {
          expect(verifyInclusion(flipped(leaf, byte, mask), index, size, proof, root)).toBe(false);
          expect(verifyInclusion(leaf, index, size, proof, flipped(root, byte, mask))).toBe(false);
          proof.forEach((_, i) =>
            expect(
              verifyInclusion(
                leaf,
                index,
                size,
                proof.map((p, j) => (i === j ? flipped(p, byte, mask) : p)),
                root,
              ),
            ).toBe(false),
          );
        }
        if (proof.length > 0) expect(verifyInclusion(leaf, index, size, proof.slice(1), root)).toBe(false);
        expect(verifyInclusion(leaf, index, size, [...proof, root], root)).toBe(false);
      }),
    );
  });

  it('rejects the proof at every other index, at twice or half the size, and at every size whose path has another shape', async () => {
    await fc.assert(
      fc.asyncProperty(treeAndLeaf, saltArb, async ([size, index], salt) => {
        const grown = grow(size, salt);
        const proof = await buildInclusionProof(index, size, grown.storeAt(size).fetch);
        const leaf = grown.leaves[index]!;
        const root = grown.roots[size]!;
        for (let other = -1; other <= size; other++) {
          if (other !== index) expect(verifyInclusion(leaf, other, size, proof, root)).toBe(false);
        }
        expect(verifyInclusion(leaf, index, size * 2, proof, root)).toBe(false);
        expect(verifyInclusion(leaf, index, Math.floor(size / 2), proof, root)).toBe(false);
        const shape = inclusionShape(index, size);
        for (let other = 0; other <= 2 * size + 1; other++) {
          if (other !== size) expect(verifyInclusion(leaf, index, other, proof, root)).toBe(inclusionShape(index, other) === shape);
        }
      }),
    );
  });
});

describe('Merkle consistency proofs', () => {
  const twoSizes = fc
    .integer({ min: 1, max: 300 })
    .chain((newSize) => fc.tuple(fc.integer({ min: 1, max: newSize }), fc.constant(newSize), fc.integer({ min: 0, max: 40 })));

  it('builds the RFC 9162 proof in one fetch of distinct nodes inside the new tree, and it verifies', async () => {
    await fc.assert(
      fc.asyncProperty(twoSizes, saltArb, async ([oldSize, newSize, grownBeyond], salt) => {
        const grown = grow(newSize + grownBeyond, salt);
        const store = grown.storeAt(newSize);
        const proof = await buildConsistencyProof(oldSize, newSize, store.fetch);
        expect(proof).toEqual(grown.naive.subproof(oldSize, 0, newSize, true));
        expect(store.calls).toHaveLength(1);
        expect(new Set(store.calls[0]!.map(keyOf)).size).toBe(store.calls[0]!.length);
        expect(verifyConsistency(oldSize, newSize, grown.roots[oldSize]!, grown.roots[newSize]!, proof)).toBe(true);
      }),
    );
  });

  it('rejects the proof once any byte of either root or a proof hash changes, or it is cut, extended or its roots swapped', async () => {
    await fc.assert(
      fc.asyncProperty(twoSizes, saltArb, maskArb, async ([oldSize, newSize], salt, mask) => {
        const grown = grow(newSize, salt);
        const proof = await buildConsistencyProof(oldSize, newSize, grown.storeAt(newSize).fetch);
        const oldRoot = grown.roots[oldSize]!;
        const newRoot = grown.roots[newSize]!;
        for (let byte = 0; byte < 32; byte++) {
          expect(verifyConsistency(oldSize, newSize, flipped(oldRoot, byte, mask), newRoot, proof)).toBe(false);
          expect(verifyConsistency(oldSize, newSize, oldRoot, flipped(newRoot, byte, mask), proof)).toBe(false);
          proof.forEach((_, i) =>
            expect(
              verifyConsistency(
                oldSize,
                newSize,
                oldRoot,
                newRoot,
                proof.map((p, j) => (i === j ? flipped(p, byte, mask) : p)),
              ),
            ).toBe(false),
          );
        }
        expect(verifyConsistency(oldSize, newSize, oldRoot, newRoot, [...proof, newRoot])).toBe(false);
        if (proof.length > 0) {
          expect(verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof.slice(0, -1))).toBe(false);
          expect(verifyConsistency(oldSize, newSize, oldRoot, newRoot, [proof[0]!, ...proof])).toBe(false);
          expect(verifyConsistency(oldSize, newSize, newRoot, oldRoot, proof)).toBe(false);
        }
      }),
    );
  });

  it('rejects the proof at the size changes verify_test.go probes, and at every other size whose path has another shape', async () => {
    await fc.assert(
      fc.asyncProperty(twoSizes, saltArb, async ([oldSize, newSize], salt) => {
        const grown = grow(newSize, salt);
        const proof = await buildConsistencyProof(oldSize, newSize, grown.storeAt(newSize).fetch);
        const oldRoot = grown.roots[oldSize]!;
        const newRoot = grown.roots[newSize]!;
        if (proof.length > 0) {
          for (const [m, n] of [
            [oldSize - 1, newSize],
            [oldSize + 1, newSize],
            [oldSize ^ 2, newSize],
            [oldSize, newSize * 2],
            [oldSize, Math.floor(newSize / 2)],
          ] as const) {
            expect(verifyConsistency(m, n, oldRoot, newRoot, proof)).toBe(false);
          }
        }
        const shape = consistencyShape(oldSize, newSize);
        for (let m = 0; m <= newSize + 1; m++) {
          if (m !== oldSize) expect(verifyConsistency(m, newSize, oldRoot, newRoot, proof)).toBe(consistencyShape(m, newSize) === shape && proof.length > 0);
        }
        for (let n = 0; n <= 2 * newSize + 1; n++) {
          if (n !== newSize) expect(verifyConsistency(oldSize, n, oldRoot, newRoot, proof)).toBe(consistencyShape(oldSize, n) === shape && proof.length > 0);
        }
      }),
    );
  });
});

describe('Merkle proofs of every small tree', () => {
  it('builds and verifies every inclusion and consistency proof of every tree up to 64 leaves', async () => {
    const grown = grow(64, 'exhaustive');
    for (let size = 1; size <= 64; size++) {
      const { fetch } = grown.storeAt(size);
      for (let index = 0; index < size; index++) {
        const proof = await buildInclusionProof(index, size, fetch);
        expect(verifyInclusion(grown.leaves[index]!, index, size, proof, grown.roots[size]!)).toBe(true);
      }
      for (let oldSize = 1; oldSize <= size; oldSize++) {
        const proof = await buildConsistencyProof(oldSize, size, fetch);
        expect(verifyConsistency(oldSize, size, grown.roots[oldSize]!, grown.roots[size]!, proof)).toBe(true);
      }
    }
  });
});

describe('Merkle helpers and malformed input', () => {
  it('tells powers of two, and the largest one below a number, exactly up to 2^53', () => {
    for (let k = 0; k <= 52; k++) {
      const p = 2 ** k;
      expect(isPowerOfTwo(p)).toBe(true);
      if (p > 2) expect(isPowerOfTwo(p - 1)).toBe(false);
      if (p > 1) expect(isPowerOfTwo(p + 1)).toBe(false);
      if (p >= 2) expect(largestPowerOfTwoBelow(p)).toBe(p / 2);
      if (p >= 2) expect(largestPowerOfTwoBelow(p + 1)).toBe(p);
      if (p >= 4) expect(largestPowerOfTwoBelow(p - 1)).toBe(p / 2);
    }
    expect(largestPowerOfTwoBelow(Number.MAX_SAFE_INTEGER)).toBe(2 ** 52);
    for (const n of [0, -4, 3.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53 + 2]) expect(isPowerOfTwo(n)).toBe(false);
    for (const n of [1, 0, -3, 2.5, Number.NaN]) expect(() => largestPowerOfTwoBelow(n)).toThrow(RangeError);
  });

  it('splits ranges into aligned perfect subtrees, and refuses a range that is not made of stored nodes', () => {
    expect(perfectSubtrees(0, 0)).toEqual([]);
    expect(perfectSubtrees(0, 13)).toEqual([
      { level: 3, index: 0 },
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ]);
    expect(perfectSubtrees(8, 15)).toEqual([
      { level: 2, index: 2 },
      { level: 1, index: 6 },
      { level: 0, index: 14 },
    ]);
    expect(perfectSubtrees(2 ** 40, 2 ** 40 + 3)).toEqual([
      { level: 1, index: 2 ** 39 },
      { level: 0, index: 2 ** 40 + 2 },
    ]);
    expect(() => perfectSubtrees(1, 4)).toThrow(RangeError);
    expect(() => perfectSubtrees(4, 3)).toThrow(RangeError);
    expect(() => perfectSubtrees(-1, 3)).toThrow(RangeError);
    expect(rangeHashFromSubtrees([])).toEqual(EMPTY_ROOT);
  });

  it('gives the proof ranges of a tree of 2^50 leaves without running out of precision', () => {
    const size = 2 ** 50 + 5;
    const ranges = inclusionProofRanges(size - 1, size);
    expect(ranges.at(-1)).toEqual({ start: 0, end: 2 ** 50 });
    expect(ranges.flatMap((range) => perfectSubtrees(range.start, range.end)).length).toBeGreaterThan(0);
    expect(consistencyProofRanges(2 ** 49 + 1, size).length).toBeGreaterThan(0);
  });

  it('fails a proof build whose fetch answers the wrong number of hashes or a hash of the wrong length', async () => {
    await expect(buildInclusionProof(3, 8, async (ids) => ids.slice(1).map(() => EMPTY_ROOT))).rejects.toThrow(/Asked for 3 tree nodes, got 2/);
    await expect(buildInclusionProof(3, 8, async (ids) => ids.map(() => Buffer.alloc(31)))).rejects.toThrow(/not a 32-byte hash/);
    await expect(rootFromStore(-1, async () => [])).rejects.toThrow(RangeError);
  });

  it('answers false, never throws, for verifier inputs of any type', () => {
    const hash = leafHash('x');
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.anything(), fc.anything(), (a, b, c, d) => {
        const calls = [
          () => verifyInclusion(a as Buffer, b as number, 3, [hash], hash),
          () => verifyInclusion(hash, 1, 3, c as Buffer[], d as Buffer),
          () => verifyInclusion(hash, a as number, b as number, [hash, hash], hash),
          () => verifyConsistency(a as number, b as number, hash, hash, [hash]),
          () => verifyConsistency(1, 3, c as Buffer, d as Buffer, [hash]),
          () => verifyConsistency(1, 3, hash, hash, a as Buffer[]),
        ];
        for (const call of calls) expect(call()).toBe(false);
      }),
    );
    expect(verifyInclusion(hash, 0, 2 ** 53, [hash], hash)).toBe(false);
    expect(verifyConsistency(1, 2 ** 60, hash, hash, [hash])).toBe(false);
    expect(
      verifyInclusion(
        hash,
        0,
        1,
        Array.from({ length: 10_000 }, () => hash),
        hash,
      ),
    ).toBe(false);
  });

  it('hashes nodes of any length, and 32-byte nodes the same way through its fast path', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), fc.uint8Array({ maxLength: 70 }), (left, right) => {
        const l = Buffer.from(left);
        const r = Buffer.from(right);
        expect(nodeHash(l, r)).toEqual(
          createHash('sha256')
            .update(Buffer.concat([Buffer.from([1]), l, r]))
            .digest(),
        );
      }),
    );
    const l = leafHash('l');
    const r = leafHash('r');
    expect(nodeHash(l, r)).toEqual(
      createHash('sha256')
        .update(Buffer.concat([Buffer.from([1]), l, r]))
        .digest(),
    );
    expect(nodeHash(l, r)).not.toBe(nodeHash(l, r)); // a fresh buffer each time, never the scratch
  });
});
