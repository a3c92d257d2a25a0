/**
 * `vigil proof verify FILE --key VKEY`: checks an inclusion proof offline with the public key
 * alone. FILE is the JSON the logInclusionProof query answers (its `data.logInclusionProof`, or
 * the whole response): the leaf, its position, the tree size, the proof's hashes and the signed
 * checkpoint. Verified: the checkpoint is signed by a trusted key and is of the proof's tree size,
 * the leaf text hashes to the leaf hash, and the RFC 9162 proof leads from it to the signed root.
 * Exit 0 verified, 1 not, 2 a file or key that cannot be read.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { readCheckpoint } from '../log/checkpoint-chain.js';
import { leafHash, verifyInclusion } from '../log/merkle.js';
import { parseVerifierKey } from '../log/signed-note.js';

const say = (line: string) => process.stderr.write(`${line}\n`);

interface ProofFile {
  leaf: { index: number; kind: string; recordId: string; leaf: string | null; leafHash: string };
  treeSize: number;
  hashes: string[];
  checkpoint: { note: string } | null;
}

export function addProofCommands(program: Command, setExitCode: (code: number) => void): void {
  const proof = program.command('proof').description('Work with proofs of the verifiable log.');
  proof
    .command('verify')
    .description('Verify an inclusion proof (the logInclusionProof answer, as JSON) with a trusted key. Exit 0: verified, 1: not, 2: unreadable.')
    .argument('<file>', 'the JSON answer of logInclusionProof')
    .requiredOption(
      '--key <verifier-key>',
      'a trusted signed-note verifier key (logVerifierKeys); repeat for rotated keys',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .action((file: string, options: { key: string[] }) => setExitCode(verifyProofFile(file, options.key)));
}

export function verifyProofFile(file: string, keys: readonly string[]): number {
  let proof: ProofFile;
  let trusted;
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { data?: { logInclusionProof?: ProofFile } } & Partial<ProofFile>;
    proof = (parsed.data?.logInclusionProof ?? parsed) as ProofFile;
    if (!proof.leaf || !Array.isArray(proof.hashes) || typeof proof.treeSize !== 'number') throw new Error('it is not a logInclusionProof answer');
    trusted = keys.map((key) => parseVerifierKey(key));
  } catch (error) {
    say(`vigil: cannot read the proof or key: ${(error as Error).message}`);
    return 2;
  }
  const problems: string[] = [];
  const checkpoint = proof.checkpoint ? readCheckpoint(proof.checkpoint.note, null, trusted) : { error: 'the proof carries no checkpoint' };
  if (!checkpoint.checkpoint) problems.push(`checkpoint: ${checkpoint.error}`);
  else if (checkpoint.checkpoint.size !== proof.treeSize)
    problems.push(`the checkpoint signs ${checkpoint.checkpoint.size} leaves, the proof is for ${proof.treeSize}`);
  const stated = Buffer.from(proof.leaf.leafHash, 'base64');
  if (proof.leaf.leaf !== null && !leafHash(proof.leaf.leaf).equals(stated)) problems.push('the leaf text does not hash to the leaf hash');
  if (checkpoint.checkpoint) {
    const hashes = proof.hashes.map((hash) => Buffer.from(hash, 'base64'));
    if (!verifyInclusion(stated, proof.leaf.index, proof.treeSize, hashes, checkpoint.checkpoint.rootHash))
      problems.push('the proof does not lead from the leaf to the signed root');
  }
  const report = {
    isVerified: problems.length === 0,
    kind: proof.leaf.kind,
    recordId: proof.leaf.recordId,
    index: proof.leaf.index,
    treeSize: proof.treeSize,
    problems,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  for (const problem of problems) say(`vigil: ${problem}`);
  return report.isVerified ? 0 : 1;
}
