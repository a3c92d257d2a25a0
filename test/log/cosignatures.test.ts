/**
 * Witness cosignatures (C2SP tlog-cosignature) over real HTTP: a witness that accepts a checkpoint
 * cosigns it and sends the cosignature back; Vigil keeps it only when a key of
 * VIGIL_LOG_WITNESS_KEYS verifies it over that very checkpoint, and publishes it with the
 * checkpoint, where a verifier written from the spec alone accepts it; `vigil proof verify
 * --witness` requires the quorum asked for. Refused: an unknown witness, a cosignature moved to
 * another checkpoint, a checkpoint Vigil never signed, a time in the future, a malformed body.
 */
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyProofFile } from '../../server/cli/proof-verify.js';
import { makeWitnessKey, witnessOnce } from '../../server/cli/witness.js';
import { cosign, parseWitnessSignerKey, witnessKeyOf, witnessSignerKeyOf } from '../../server/log/cosignature.js';
import { parseNote } from '../../server/log/signed-note.js';
import { independentCosignatureCheck } from '../support/signed-note-verifier.js';
import { isPostgres } from '../support/test-database.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';
import { processEnv, runCli } from '../support/vigil-process.js';

let t: TestVigil;
let dir: string;
/** Two witnesses Vigil trusts, and one it does not. */
const witnesses = ['witness.example/a', 'witness.example/b', 'stranger.example/c'].map((name) => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { name, signerKey: witnessSignerKeyOf(name, privateKey), verifierKey: witnessKeyOf(name, publicKey) };
});
const [a, b, stranger] = witnesses as [(typeof witnesses)[0], (typeof witnesses)[0], (typeof witnesses)[0]];

let tenantId: string;
let admin: TestUser;
let logKey: string;

beforeAll(async () => {
  t = await startTestVigil({ env: { VIGIL_LOG_WITNESS_KEYS: `${a.verifierKey},${b.verifierKey}` } });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vigil-cosign-'));
  ({ tenantId, admin } = await t.createTenant('cosigned'));
  logKey = (await t.gql<{ logVerifierKeys: string[] }>('{ logVerifierKeys }', admin.token)).data!.logVerifierKeys[0]!;
  await write(2);
});
afterAll(async () => {
  await t?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

/** People added, each a leaf, then a checkpoint signed. */
async function write(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await t.createUser(tenantId, { email: `p${Math.random().toString(36).slice(2, 8)}@cosigned.test` });
  await t.vigil.log.settle(tenantId, { force: true });
  await t.vigil.log.whenIdle();
}

const CHECKPOINTS = `{ logCheckpoints(first: 5) { id size note cosignedNote cosignatures { witnessName keyId cosignedAt line } } }`;
async function checkpoints(): Promise<{ id: string; size: number; note: string; cosignedNote: string; cosignatures: Record<string, any>[] }[]> {
  const response = await t.gql(CHECKPOINTS, admin.token);
  expect(response.errors).toBeUndefined();
  return response.data!.logCheckpoints;
}

async function post(body: unknown, token: string | null = admin.token): Promise<{ status: number; body: any }> {
  const response = await fetch(new URL('/log/cosignatures', t.vigil.baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json().catch(() => null) };
}

const signer = (witness: typeof a) => parseWitnessSignerKey(witness.signerKey);
const now = () => Math.floor(Date.now() / 1000);

describe('witness cosignatures', () => {
  it('are made by a witness that accepts a checkpoint, kept, and published with it for a verifier written from the spec', async () => {
    const keyFile = path.join(dir, 'a.key');
    await fs.writeFile(keyFile, `${a.signerKey}\n`, { mode: 0o600 });
    const stateFile = path.join(dir, 'a.json');
    expect(await witnessOnce({ url: t.vigil.baseUrl, token: admin.token, keys: [logKey], stateFile, cosignKeyFile: keyFile })).toBe(0);

    const [latest] = await checkpoints();
    expect(latest!.cosignatures).toEqual([
      { witnessName: a.name, keyId: a.verifierKey.split('+')[1], cosignedAt: expect.any(String), line: expect.stringMatching(/^— witness\.example\/a \S+\n$/) },
    ]);
    expect(Math.abs(new Date(latest!.cosignatures[0]!.cosignedAt).getTime() / 1000 - now())).toBeLessThan(60);
    expect(latest!.cosignedNote).toBe(`${latest!.note}${latest!.cosignatures[0]!.line}`);
    expect(independentCosignatureCheck(latest!.cosignedNote, a.verifierKey)).toBe(new Date(latest!.cosignatures[0]!.cosignedAt).getTime() / 1000);
    // The log's own signature still reads in the cosigned note; the witness's key does not stand in for another witness.
    expect(independentCosignatureCheck(latest!.cosignedNote, b.verifierKey)).toBeNull();

    // Witnessed again later, unchanged: one cosignature, the newer.
    const later = now() + 5;
    expect((await post({ note: latest!.note, cosignature: cosign(parseNote(latest!.note).text, signer(a), later) })).status).toBe(201);
    const [again] = await checkpoints();
    expect(again!.cosignatures).toHaveLength(1);
    expect(new Date(again!.cosignatures[0]!.cosignedAt).getTime() / 1000).toBe(later);
    expect(again!.cosignatures[0]!.line).not.toBe(latest!.cosignatures[0]!.line);
    // An older statement does not replace a newer one.
    expect((await post({ note: latest!.note, cosignature: cosign(parseNote(latest!.note).text, signer(a), later - 60) })).status).toBe(201);
    expect((await checkpoints())[0]!.cosignatures[0]!.line).toBe(again!.cosignatures[0]!.line);
  });

  it('are required by vigil proof verify --witness, up to the quorum asked for', async () => {
    const [latest] = await checkpoints();
    const [user] = (await t.gql<any>('{ users(first: 1) { nodes { id } } }', admin.token)).data!.users.nodes;
    const response = await t.gql<any>(
      `{ logInclusionProof(recordId: "${user.id}") { treeSize rootHash hashes leaf { index kind recordId leaf leafHash } checkpoint { note cosignedNote } } }`,
      admin.token,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.logInclusionProof.treeSize).toBe(latest!.size);
    const file = path.join(dir, 'proof.json');
    await fs.writeFile(file, JSON.stringify(response));

    expect(verifyProofFile(file, [logKey], { witnesses: [a.verifierKey] })).toBe(0);
    expect(verifyProofFile(file, [logKey], { witnesses: [a.verifierKey, b.verifierKey], quorum: 1 })).toBe(0);
    // Both required: b never cosigned.
    expect(verifyProofFile(file, [logKey], { witnesses: [a.verifierKey, b.verifierKey] })).toBe(1);
    expect(verifyProofFile(file, [logKey], { witnesses: [b.verifierKey] })).toBe(1);

    // A checkpoint without its cosignatures (the query did not select them) does not pass.
    delete response.data!.logInclusionProof.checkpoint.cosignedNote;
    await fs.writeFile(file, JSON.stringify(response));
    expect(verifyProofFile(file, [logKey], { witnesses: [a.verifierKey] })).toBe(1);
    expect(verifyProofFile(file, [logKey])).toBe(0);
    // A quorum larger than the witnesses named is a mistake of the caller.
    expect(verifyProofFile(file, [logKey], { witnesses: [a.verifierKey], quorum: 2 })).toBe(2);
  });

  it('are refused from a witness Vigil does not trust, onto another checkpoint, for a note Vigil never signed, or dated ahead', async () => {
    await write(1);
    const [latest, older] = await checkpoints();
    const text = parseNote(latest!.note).text;

    const unknown = await post({ note: latest!.note, cosignature: cosign(text, signer(stranger), now()) });
    expect(unknown).toMatchObject({ status: 403, body: { errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })] } });

    // a's cosignature of the older checkpoint, presented as one of the latest.
    const moved = await post({ note: latest!.note, cosignature: cosign(parseNote(older!.note).text, signer(a), now()) });
    expect(moved.status).toBe(403);
    expect(JSON.stringify(moved.body)).toContain('does not verify');

    // A checkpoint body Vigil did not sign, its signature line kept.
    const forgedNote = latest!.note.replace(/\n(\d+)\n/, (_, size: string) => `\n${Number(size) + 1}\n`);
    expect((await post({ note: forgedNote, cosignature: cosign(parseNote(forgedNote).text, signer(a), now()) })).status).toBe(404);

    const ahead = await post({ note: latest!.note, cosignature: cosign(text, signer(a), now() + 3600) });
    expect(ahead).toMatchObject({
      status: 400,
      body: { errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'cosignature' }) })] },
    });

    expect((await post('{"note": ', admin.token)).status).toBe(400);
    expect((await post({ note: latest!.note }, admin.token)).body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'cosignature' });
    expect((await post({ note: latest!.note, cosignature: cosign(text, signer(a), now()) }, null)).status).toBe(401);
    const plain = await t.createUser(tenantId, { email: 'plain@cosigned.test' });
    expect((await post({ note: latest!.note, cosignature: cosign(text, signer(a), now()) }, plain.token)).status).toBe(403);

    // Nothing refused was kept; the latest checkpoint has no cosignature yet.
    expect((await checkpoints())[0]!.cosignatures).toEqual([]);
    expect((await post({ note: latest!.note, cosignature: cosign(text, signer(b), now()) })).status).toBe(201);
    expect((await checkpoints())[0]!.cosignatures.map((each) => each.witnessName)).toEqual([b.name]);
  });

  it.runIf(isPostgres)('are made by the CLI: witness-keygen, then witness --cosign-key', async () => {
    const keyFile = path.join(dir, 'cli.key');
    const made = await runCli(['witness-keygen', '--name', 'witness.example/cli', '--out', keyFile], processEnv({ LOG_LEVEL: 'silent' }));
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/^witness\.example\/cli\+[0-9a-f]{8}\+\S+\n$/);
    expect((await fs.stat(keyFile)).mode & 0o777).toBe(0o600);
    // Never overwritten.
    expect((await runCli(['witness-keygen', '--name', 'witness.example/cli', '--out', keyFile], processEnv({ LOG_LEVEL: 'silent' }))).code).toBe(2);
    // Vigil does not trust this witness: the round accepts the checkpoint but the cosignature is refused (exit 2).
    const round = await runCli(
      ['witness', '--url', t.vigil.baseUrl, '--key', logKey, '--state', path.join(dir, 'cli.json'), '--cosign-key', keyFile],
      processEnv({ LOG_LEVEL: 'silent', VIGIL_WITNESS_TOKEN: admin.token }),
    );
    expect(round.code).toBe(2);
    expect(round.stderr).toContain('HTTP 403');
    expect(await makeWitnessKey('witness.example/twice', path.join(dir, 'twice.key'))).toMatch(/^witness\.example\/twice\+/);
  });
});
