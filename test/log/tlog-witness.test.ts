/**
 * Vigil and a C2SP tlog-witness over real HTTP: `vigil witness serve`'s server cosigns each
 * checkpoint Vigil offers once its consistency proof from the size it cosigned last verifies;
 * Vigil keeps the cosignature with the checkpoint; a witness that holds another size tells it
 * (409, text/x.tlog.size) and is offered again from there; a history rewritten and signed again
 * is refused (same size: 409; grown: 422), nothing kept and the witness's state untouched. The
 * witness answers the protocol's statuses to a raw client: unknown origin 404, untrusted key 403,
 * old size above the checkpoint 400, malformed 400.
 */
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWitnessedLogs, startWitnessServer, type WitnessServer } from '../../server/cli/witness-serve.js';
import { parseWitnessKey, parseWitnessSignerKey, witnessKeyOf, witnessSignerKeyOf } from '../../server/log/cosignature.js';
import { parseCheckpointBody } from '../../server/log/checkpoint-note.js';
import { noteSignerFromPrivateKey, parseNote, parseVerifierKey, signNote, type NoteVerifier } from '../../server/log/signed-note.js';
import { formatAddCheckpoint } from '../../server/log/tlog-witness.js';
import { pushToWitnesses, type WitnessPushDeps } from '../../server/log/witness-push.js';
import { createLogger } from '../../server/logger.js';
import { asIntruder, one, rebuildTree, truncateLog } from '../support/log-tamper.js';
import { independentCosignatureCheck } from '../support/signed-note-verifier.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

const NAME = 'witness.example/w1';
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const witnessKey = witnessKeyOf(NAME, publicKey);

let t: TestVigil;
let server: WitnessServer;
let dir: string;
let stateFile: string;
const logs = new Map<string, NoteVerifier[]>();
let deps: WitnessPushDeps;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vigil-tlog-witness-'));
  stateFile = path.join(dir, 'heads.json');
  // The logs it witnesses are named once the workspaces exist.
  server = await startWitnessServer({ port: 0, cosigner: parseWitnessSignerKey(witnessSignerKeyOf(NAME, privateKey)), stateFile, logs });
  t = await startTestVigil({ env: { VIGIL_LOG_WITNESS_KEYS: witnessKey } });
  deps = {
    db: t.vigil.database.db,
    clock: t.clock,
    logger: createLogger('silent'),
    timeoutMs: 5000,
    witnesses: [{ name: NAME, url: server.url, key: parseWitnessKey(witnessKey) }],
  };
});
afterAll(async () => {
  await t?.close();
  await server?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

interface Workspace {
  tenantId: string;
  admin: TestUser;
  origin: string;
}

async function write(tenantId: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await t.createUser(tenantId, { email: `p${Math.random().toString(36).slice(2, 8)}@witnessed.test` });
  await t.vigil.log.settle(tenantId, { force: true });
  await t.vigil.log.whenIdle();
}

const latest = (tenantId: string) =>
  one<{ id: string; size: number; note: string }>(
    t.vigil.database.db,
    sql`select id, size::int as size, note from log_checkpoints where tenant_id = ${tenantId} order by signed_at desc, size desc limit 1`,
  );

/** A workspace with a few writes, witnessed by the witness server. */
async function workspace(slug: string): Promise<Workspace> {
  const { tenantId, admin } = await t.createTenant(slug);
  await write(tenantId, 3);
  const logKey = (await t.gql<{ logVerifierKeys: string[] }>('{ logVerifierKeys }', admin.token)).data!.logVerifierKeys[0]!;
  const origin = parseCheckpointBody(parseNote((await latest(tenantId)).note).text).origin;
  logs.set(origin, [parseVerifierKey(logKey)]);
  return { tenantId, admin, origin };
}

const heldBy = async (origin: string) => (JSON.parse(await fs.readFile(stateFile, 'utf8')) as Record<string, { size: number; rootHash: string }>)[origin];

async function cosignaturesOfLatest(w: Workspace): Promise<{ witnessName: string; line: string }[]> {
  const response = await t.gql<any>('{ latestLogCheckpoint { cosignedNote cosignatures { witnessName line } } }', w.admin.token);
  expect(response.errors).toBeUndefined();
  return response.data!.latestLogCheckpoint.cosignatures;
}

async function refusalsOfLatest(w: Workspace): Promise<Record<string, unknown>[]> {
  const response = await t.gql<any>('{ latestLogCheckpoint { witnessRefusals { witnessName keyId status reason refusedAt } } }', w.admin.token);
  expect(response.errors).toBeUndefined();
  return response.data!.latestLogCheckpoint.witnessRefusals;
}

/** The log's alarms the workspace's admin was sent, newest first. */
async function alarms(w: Workspace): Promise<Record<string, unknown>[]> {
  const response = await t.gql<any>('{ notifications(first: 20) { nodes { severity title body } } }', w.admin.token);
  expect(response.errors).toBeUndefined();
  return response.data!.notifications.nodes.filter((node: { title: string }) => node.title.startsWith('Verifiable log check failed'));
}

async function addCheckpoint(body: string): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`${server.url}/add-checkpoint`, { method: 'POST', body });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

describe('a C2SP tlog-witness', () => {
  it('cosigns each checkpoint Vigil offers that extends the one it cosigned, and Vigil keeps the cosignature', async () => {
    const w = await workspace('offered');
    expect(await pushToWitnesses(deps, w.tenantId)).toBe(1);
    const first = await latest(w.tenantId);
    expect(await heldBy(w.origin)).toEqual({ size: first.size, rootHash: parseCheckpointBody(parseNote(first.note).text).rootHash.toString('base64') });
    const [cosignature] = await cosignaturesOfLatest(w);
    expect(cosignature!.witnessName).toBe(NAME);
    expect(independentCosignatureCheck(`${first.note}${cosignature!.line}`, witnessKey)).toEqual(expect.any(Number));

    // Nothing new: nothing offered. Grown: offered with a proof from the size it holds.
    expect(await pushToWitnesses(deps, w.tenantId)).toBe(0);
    await write(w.tenantId, 2);
    expect(await pushToWitnesses(deps, w.tenantId)).toBe(1);
    const second = await latest(w.tenantId);
    expect(second.size).toBeGreaterThan(first.size);
    expect((await heldBy(w.origin))!.size).toBe(second.size);
    expect((await cosignaturesOfLatest(w)).map((each) => each.witnessName)).toEqual([NAME]);
  });

  it('is offered again from the size it holds when Vigil lost track of it (409)', async () => {
    const w = await workspace('forgotten');
    expect(await pushToWitnesses(deps, w.tenantId)).toBe(1);
    await t.vigil.database.db.execute(sql`delete from log_cosignatures where tenant_id = ${w.tenantId}`);
    await write(w.tenantId, 1);
    expect(await pushToWitnesses(deps, w.tenantId)).toBe(1);
    expect((await heldBy(w.origin))!.size).toBe((await latest(w.tenantId)).size);
    expect(await alarms(w)).toEqual([]);
  });

  it('refuses a history rewritten and signed again, at the same size and once grown; nothing is kept', async () => {
    const w = await workspace('rewritten');
    expect(await pushToWitnesses(deps, w.tenantId)).toBe(1);
    const before = await heldBy(w.origin);
    // An early leaf rewritten, the tree rebuilt and the contradicting checkpoints (and their cosignatures) deleted: Vigil signs the forgery.
    await asIntruder(t.vigil.database.db, async (tx) => {
      await tx.execute(sql`update log_leaves set leaf = replace(leaf, '"v":', '"forged":true,"v":'),
          leaf_hash = sha256('\\x00'::bytea || convert_to(replace(leaf, '"v":', '"forged":true,"v":'), 'UTF8'))
        where tenant_id = ${w.tenantId} and idx = 1`);
      await tx.execute(sql`delete from log_checkpoints where tenant_id = ${w.tenantId}`);
    });
    await rebuildTree(t.vigil.database.db, w.tenantId);
    await t.vigil.log.settle(w.tenantId, { force: true });
    await t.vigil.log.whenIdle();
    expect((await latest(w.tenantId)).size).toBe(before!.size);

    expect(await pushToWitnesses(deps, w.tenantId)).toBe(0);
    expect(await refusalsOfLatest(w)).toEqual([expect.objectContaining({ witnessName: NAME, status: 409, reason: expect.stringContaining('the log forked') })]);
    expect(await alarms(w)).toHaveLength(1);
    // Offered again, refused again: the alarm is raised once per checkpoint.
    expect(await pushToWitnesses(deps, w.tenantId)).toBe(0);
    expect(await alarms(w)).toHaveLength(1);

    await write(w.tenantId, 2);
    expect(await pushToWitnesses(deps, w.tenantId)).toBe(0);
    expect(await heldBy(w.origin)).toEqual(before);
    expect(await cosignaturesOfLatest(w)).toEqual([]);
    expect(await refusalsOfLatest(w)).toEqual([
      expect.objectContaining({ status: 422, reason: expect.stringContaining(`the one of ${before!.size} leaves it cosigned`) }),
    ]);
    expect(await alarms(w)).toHaveLength(2);
    expect((await alarms(w))[0]).toMatchObject({ severity: 'CRITICAL', body: expect.stringContaining(`Witness ${NAME} refused the checkpoint`) });
    // Straight from the protocol: grown from the size it holds, the forged tree's proof does not verify.
    const forged = await latest(w.tenantId);
    const proof = await t.gql<any>(`{ logConsistencyProof(fromSize: ${before!.size}) { hashes } }`, w.admin.token);
    const hashes = proof.data!.logConsistencyProof.hashes.map((hash: string) => Buffer.from(hash, 'base64'));
    expect((await addCheckpoint(formatAddCheckpoint({ oldSize: before!.size, proof: hashes, note: forged.note }))).status).toBe(422);
  });

  it('tells Vigil its log shrank when its tail was cut and signed again', async () => {
    const w = await workspace('cut');
    await write(w.tenantId, 3);
    expect(await pushToWitnesses(deps, w.tenantId)).toBe(1);
    const before = await heldBy(w.origin);
    await truncateLog(t.vigil.database.db, w.tenantId, before!.size - 3);
    await asIntruder(t.vigil.database.db, async (tx) => void (await tx.execute(sql`delete from log_checkpoints where tenant_id = ${w.tenantId}`)));
    await t.vigil.log.settle(w.tenantId, { force: true });
    await t.vigil.log.whenIdle();
    expect((await latest(w.tenantId)).size).toBeLessThan(before!.size);

    expect(await pushToWitnesses(deps, w.tenantId)).toBe(0);
    expect(await heldBy(w.origin)).toEqual(before);
    expect(await refusalsOfLatest(w)).toEqual([expect.objectContaining({ status: 409, reason: expect.stringContaining('the log shrank') })]);
    expect(await alarms(w)).toHaveLength(1);
  });

  it('answers the protocol’s statuses: 409 with its size, 404, 403, 400', async () => {
    const w = await workspace('statuses');
    const { note, size } = await latest(w.tenantId);
    expect(await addCheckpoint(formatAddCheckpoint({ oldSize: 1, proof: [], note }))).toEqual({ status: 409, type: 'text/x.tlog.size', text: '0\n' });
    expect((await addCheckpoint(formatAddCheckpoint({ oldSize: size + 1, proof: [], note }))).status).toBe(400);
    expect((await addCheckpoint('old 0\nnot a note')).status).toBe(400);

    const stranger = noteSignerFromPrivateKey('stranger', generateKeyPairSync('ed25519').privateKey);
    const text = parseNote(note).text;
    expect((await addCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], note: signNote(text, [stranger]) }))).status).toBe(403);
    const elsewhere = text.replace(w.origin, `${w.origin}-elsewhere`);
    expect((await addCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], note: signNote(elsewhere, [stranger]) }))).status).toBe(404);

    const accepted = await addCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], note }));
    expect(accepted.status).toBe(200);
    expect(accepted.text).toMatch(/^— witness\.example\/w1 \S+\n$/);
    expect(independentCosignatureCheck(`${note}${accepted.text}`, witnessKey)).toEqual(expect.any(Number));
  });

  it('is told its logs on the command line as <origin>=<verifier key>', () => {
    const logKey = parseVerifierKey(noteSignerFromPrivateKey('vigil.example', generateKeyPairSync('ed25519').privateKey).verifierKey).verifierKey;
    const parsed = parseWitnessedLogs([`vigil.example/tenants/a=${logKey}`, `vigil.example/tenants/b=${logKey}`]);
    expect([...parsed.keys()]).toEqual(['vigil.example/tenants/a', 'vigil.example/tenants/b']);
    expect(parsed.get('vigil.example/tenants/a')!.map((key) => key.verifierKey)).toEqual([logKey]);
    expect(() => parseWitnessedLogs([logKey])).toThrow(/is not <origin>=<verifier key>/);
  });
});
