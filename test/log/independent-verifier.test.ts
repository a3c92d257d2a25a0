/**
 * A second verifier, written only from the text of RFC 9162 (test/support/rfc9162-verifier.ts,
 * importing nothing from server/): it hashes the leaves itself, computes every root itself, and
 * checks the proofs server/log/merkle.ts builds from the nodes its CompactTree completes, as a
 * sequencer stores them. It counts with BigInt and shifts, where the library divides numbers, so
 * the two share no arithmetic either.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildConsistencyProof, buildInclusionProof, CompactTree, verifyConsistency, verifyInclusion, type NodeId } from '../../server/log/merkle.js';
import { HASH, MTH, verifyConsistencyPerRfc, verifyInclusionPerRfc, ZERO } from '../support/rfc9162-verifier.js';

/** Random leaf data, its leaf hashes and every root, all computed here; the node store from the library's CompactTree. */
function makeLog(data: readonly Buffer[]) {
  const leafHashes = data.map((d) => HASH(ZERO, d));
  const roots = Array.from({ length: data.length + 1 }, (_, size) => MTH(data.slice(0, size)));
  const nodes = new Map<string, Buffer>();
  const tree = new CompactTree();
  const libraryRoots = [tree.root()];
  leafHashes.forEach((hash, index) => {
    nodes.set(`0:${index}`, hash);
    for (const node of tree.append(hash)) nodes.set(`${node.level}:${node.index}`, node.hash);
    libraryRoots.push(tree.root());
  });
  const fetch = async (ids: NodeId[]) => ids.map((id) => nodes.get(`${id.level}:${id.index}`)!);
  return { leafHashes, roots, libraryRoots, fetch };
}

const flipped = (hash: Buffer, byte: number, mask: number) => {
  const copy = Buffer.from(hash);
  copy[byte]! ^= mask;
  return copy;
};

const logArb = fc.array(
  fc.uint8Array({ maxLength: 24 }).map((bytes) => Buffer.from(bytes)),
  { minLength: 1, maxLength: 160 },
);

describe('an RFC 9162 verifier written from the text alone', () => {
  it('accepts the published proofs of the RFC 6962 example tree (transparency-dev/merkle proof/verify_test.go)', () => {
    const root8 = Buffer.from('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328', 'hex');
    const root6 = Buffer.from('76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef', 'hex');
    const leaf5 = HASH(ZERO, Buffer.from('40414243', 'hex'));
    const inclusion = [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ];
    const consistency = [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ];
    expect(
      verifyInclusionPerRfc(
        leaf5,
        5,
        8,
        inclusion.map((h) => Buffer.from(h, 'hex')),
        root8,
      ),
    ).toBe(true);
    expect(
      verifyConsistencyPerRfc(
        6,
        8,
        root6,
        root8,
        consistency.map((h) => Buffer.from(h, 'hex')),
      ),
    ).toBe(true);
  });

  it('computes the same roots as the library for every size of a random log', () => {
    fc.assert(
      fc.property(logArb, (data) => {
        const { roots, libraryRoots } = makeLog(data);
        expect(libraryRoots).toEqual(roots);
      }),
      { numRuns: 40 },
    );
  });

  it("accepts every inclusion proof the library builds, and agrees with the library's verifier on every altered one", async () => {
    await fc.assert(
      fc.asyncProperty(logArb, fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), async (data, pickSize, pickIndex, mask) => {
        const log = makeLog(data);
        const size = 1 + (pickSize % data.length);
        const index = pickIndex % size;
        const proof = await buildInclusionProof(index, size, log.fetch);
        const leaf = log.leafHashes[index]!;
        const root = log.roots[size]!;
        expect(verifyInclusionPerRfc(leaf, index, size, proof, root)).toBe(true);

        const altered: Array<[string, Buffer, number, number, Buffer[], Buffer]> = [];
        for (let other = -1; other <= size; other++) altered.push([`index ${other}`, leaf, other, size, proof, root]);
        for (let other = 0; other <= 2 * size + 1; other++) altered.push([`size ${other}`, leaf, index, other, proof, root]);
        for (let byte = 0; byte < 32; byte += 7) {
          altered.push([`leaf byte ${byte}`, flipped(leaf, byte, mask), index, size, proof, root]);
          altered.push([`root byte ${byte}`, leaf, index, size, proof, flipped(root, byte, mask)]);
          proof.forEach((_, i) =>
            altered.push([`proof[${i}] byte ${byte}`, leaf, index, size, proof.map((p, j) => (i === j ? flipped(p, byte, mask) : p)), root]),
          );
        }
        altered.push(['proof cut', leaf, index, size, proof.slice(0, -1), root]);
        altered.push(['proof extended', leaf, index, size, [...proof, root], root]);
        altered.push(['proof reversed', leaf, index, size, [...proof].reverse(), root]);
        const disagreements = altered
          .filter(([, l, i, s, p, r]) => verifyInclusionPerRfc(l, i, s, p, r) !== verifyInclusion(l, i, s, p, r))
          .map(([what]) => what);
        expect(disagreements).toEqual([]);
      }),
    );
  });

  it("accepts every consistency proof the library builds, and agrees with the library's verifier on every altered one", async () => {
    await fc.assert(
      fc.asyncProperty(logArb, fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), async (data, pickNew, pickOld, mask) => {
        const log = makeLog(data);
        const newSize = 1 + (pickNew % data.length);
        const oldSize = 1 + (pickOld % newSize);
        const proof = await buildConsistencyProof(oldSize, newSize, log.fetch);
        const oldRoot = log.roots[oldSize]!;
        const newRoot = log.roots[newSize]!;
        expect(verifyConsistencyPerRfc(oldSize, newSize, oldRoot, newRoot, proof)).toBe(true);

        const altered: Array<[string, number, number, Buffer, Buffer, Buffer[]]> = [];
        for (let m = -1; m <= newSize + 1; m++) altered.push([`old size ${m}`, m, newSize, oldRoot, newRoot, proof]);
        for (let n = 0; n <= 2 * newSize + 1; n++) altered.push([`new size ${n}`, oldSize, n, oldRoot, newRoot, proof]);
        for (let byte = 0; byte < 32; byte += 7) {
          altered.push([`old root byte ${byte}`, oldSize, newSize, flipped(oldRoot, byte, mask), newRoot, proof]);
          altered.push([`new root byte ${byte}`, oldSize, newSize, oldRoot, flipped(newRoot, byte, mask), proof]);
          proof.forEach((_, i) =>
            altered.push([`proof[${i}] byte ${byte}`, oldSize, newSize, oldRoot, newRoot, proof.map((p, j) => (i === j ? flipped(p, byte, mask) : p))]),
          );
        }
        altered.push(['roots swapped', oldSize, newSize, newRoot, oldRoot, proof]);
        altered.push(['proof cut', oldSize, newSize, oldRoot, newRoot, proof.slice(0, -1)]);
        altered.push(['proof extended', oldSize, newSize, oldRoot, newRoot, [...proof, newRoot]]);
        altered.push(['old root prepended', oldSize, newSize, oldRoot, newRoot, [oldRoot, ...proof]]);
        const disagreements = altered
          .filter(([, m, n, a, b, p]) => verifyConsistencyPerRfc(m, n, a, b, p) !== verifyConsistency(m, n, a, b, p))
          .map(([what]) => what);
        expect(disagreements).toEqual([]);
      }),
    );
  });
});
