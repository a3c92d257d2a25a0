/**
 * `vigil proof verify FILE --key VKEY`: checks an inclusion proof offline with the public key
 * alone. FILE is the JSON the logInclusionProof query answers (its `data.logInclusionProof`, or
 * the whole response): the leaf, its position, the tree size, the proof's hashes and the signed
 * checkpoint. Verified: the checkpoint is signed by a trusted key and is of the proof's tree size,
 * the leaf text hashes to the leaf hash, and the RFC 9162 proof leads from it to the signed root.
 * With --witness (repeatable) the checkpoint must also carry cosignatures (C2SP tlog-cosignature)
 * of at least --quorum of those witnesses (default: all), read from `checkpoint.cosignedNote`
 * (select it in the query): a checkpoint Vigil showed this reader but not the witnesses fails.
 * Exit 0 verified, 1 not, 2 a file or key that cannot be read.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { readCheckpoint } from '../log/checkpoint-chain.js';
import { parseWitnessKey, verifiedCosignatures } from '../log/cosignature.js';
import { leafHash, verifyInclusion } from '../log/merkle.js';
import { parseNote, parseVerifierKey, type NoteVerifier } from '../log/signed-note.js';

const say = (line: string) => process.stderr.write(`${line}\n`);

interface ProofFile {
  leaf: { index: number; kind: string; recordId: string; leaf: string | null; leafHash: string };
  treeSize: number;
  hashes: string[];
  checkpoint: { note: string; cosignedNote?: string } | null;
}

export interface WitnessPolicy {
  /** Witnesses' verifier keys (VIGIL_LOG_WITNESS_KEYS form). */
  readonly witnesses: readonly string[];
  /** How many of them must have cosigned; all when unset. */
  readonly quorum?: number;
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
    .option(
      '--witness <witness-key>',
      'a witness whose cosignature the checkpoint must carry (checkpoint.cosignedNote); repeat for several',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--quorum <count>', 'how many of the --witness keys must have cosigned (default: all)', (value: string) => Number(value))
    .action((file: string, options: { key: string[]; witness?: string[]; quorum?: number }) =>
      setExitCode(verifyProofFile(file, options.key, { witnesses: options.witness ?? [], quorum: options.quorum })),
    );
}

export function verifyProofFile(file: string, keys: readonly string[], policy: WitnessPolicy = { witnesses: [] }): number {
  let proof: ProofFile;
  let trusted;
  let witnesses: NoteVerifier[];
  const quorum = policy.quorum ?? policy.witnesses.length;
  try {
    witnesses = policy.witnesses.map(parseWitnessKey);
    if (!Number.isSafeInteger(quorum) || quorum < 0 || quorum > witnesses.length)
      throw new Error(`--quorum is a count of the ${witnesses.length} --witness keys given`);
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
  if (checkpoint.checkpoint && witnesses.length > 0) problems.push(...witnessProblems(proof.checkpoint!, witnesses, quorum));
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

/** What keeps the checkpoint from carrying `quorum` cosignatures of `witnesses`. */
function witnessProblems(checkpoint: { note: string; cosignedNote?: string }, witnesses: readonly NoteVerifier[], quorum: number): string[] {
  if (quorum === 0) return [];
  if (!checkpoint.cosignedNote) return ['the proof’s checkpoint carries no cosignatures: select checkpoint { cosignedNote } in logInclusionProof'];
  try {
    if (parseNote(checkpoint.cosignedNote).text !== parseNote(checkpoint.note).text) return ['the cosigned note is of another checkpoint'];
    const cosigned = verifiedCosignatures(checkpoint.cosignedNote, witnesses);
    if (cosigned.length >= quorum) return [];
    const missing = witnesses.filter((witness) => !cosigned.some((each) => each.witness.verifierKey === witness.verifierKey)).map((witness) => witness.name);
    return [`${cosigned.length} of the ${quorum} witness cosignatures required; none from ${missing.join(', ')}`];
  } catch (error) {
    return [`witnesses: ${(error as Error).message}`];
  }
}
