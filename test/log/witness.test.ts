/**
 * A witness outside Vigil, over real HTTP with the public key alone: it accepts each checkpoint
 * that extends the one it holds, and refuses, keeping what it held and the evidence, a history
 * rewritten and signed again by Vigil once the contradicting checkpoints were deleted (same size,
 * then grown), a cut tail, and a checkpoint no trusted key signed. The CLI runs as a process once.
 */
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { witnessOnce } from '../../server/cli/witness.js';
import { verifierKeyOf } from '../../server/log/signed-note.js';
import { asIntruder, one, rebuildTree, truncateLog } from '../support/log-tamper.js';
import { isPostgres } from '../support/test-database.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';
import { runCli } from '../support/vigil-process.js';

let t: TestVigil;
let dir: string;

beforeAll(async () => {
  t = await startTestVigil();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vigil-witness-'));
});
afterAll(async () => {
  await t?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

const db = () => t.vigil.database.db;

interface Workspace {
  tenantId: string;
  admin: TestUser;
  key: string;
  stateFile: string;
}

/** A workspace with a few audited writes, a signed checkpoint, and a witness state file of its own. */
async function workspace(slug: string): Promise<Workspace> {
  const { tenantId, admin } = await t.createTenant(slug);
  const keys = await t.gql<{ logVerifierKeys: string[] }>('{ logVerifierKeys }', admin.token);
  await write(tenantId, slug, 3);
  return { tenantId, admin, key: keys.data!.logVerifierKeys[0]!, stateFile: path.join(dir, `${slug}.json`) };
}

/** `count` people added, each an audit entry and a user leaf, then a checkpoint signed. */
async function write(tenantId: string, slug: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await t.createUser(tenantId, { email: `p${Math.random().toString(36).slice(2, 8)}@${slug}.test` });
  await t.vigil.log.settle(tenantId, { force: true });
  await t.vigil.log.whenIdle();
}

const witness = (w: Workspace, keys = [w.key], url = t.vigil.baseUrl) => witnessOnce({ url, token: w.admin.token, keys, stateFile: w.stateFile });
const held = async (w: Workspace) => JSON.parse(await fs.readFile(w.stateFile, 'utf8')) as { size: number; rootHash: string; note: string; origin: string };
const latest = (tenantId: string) =>
  one<{ size: number; note: string }>(
    db(),
    sql`select size::int as size, note from log_checkpoints where tenant_id = ${tenantId} order by signed_at desc, size desc limit 1`,
  );
const evidenceFiles = async (w: Workspace) => (await fs.readdir(dir)).filter((name) => name.startsWith(`${path.basename(w.stateFile)}.refused-`));

/** Someone with database access rewrites an early leaf, rebuilds the tree and removes the checkpoints that contradict it, so Vigil signs the forgery. */
async function rewriteHistory(w: Workspace): Promise<void> {
  await asIntruder(db(), async (tx) => {
    await tx.execute(sql`update log_leaves set leaf = replace(leaf, '"v":', '"forged":true,"v":'),
        leaf_hash = sha256('\\x00'::bytea || convert_to(replace(leaf, '"v":', '"forged":true,"v":'), 'UTF8'))
      where tenant_id = ${w.tenantId} and idx = 1`);
    await tx.execute(sql`delete from log_checkpoints where tenant_id = ${w.tenantId}`);
  });
  await rebuildTree(db(), w.tenantId);
  await t.vigil.log.settle(w.tenantId, { force: true });
  await t.vigil.log.whenIdle();
}

describe('a witness of the log', () => {
  it('accepts the first checkpoint, then each that extends it, keeping the latest in its file', async () => {
    const w = await workspace('witnessed');
    const first = await latest(w.tenantId);
    expect(await witness(w)).toBe(0);
    expect(await held(w)).toMatchObject({ size: first.size, note: first.note });
    expect((await held(w)).origin).toMatch(new RegExp(`/tenants/${w.tenantId}$`));

    await write(w.tenantId, 'witnessed', 2);
    const grown = await latest(w.tenantId);
    expect(grown.size).toBeGreaterThan(first.size);
    expect(await witness(w)).toBe(0);
    expect(await held(w)).toMatchObject({ size: grown.size, note: grown.note });
    // Nothing new: the same checkpoint is accepted again.
    expect(await witness(w)).toBe(0);
    expect(await evidenceFiles(w)).toEqual([]);
  });

  it('refuses a history rewritten and signed again, at the same size and once grown, keeping what it held and both notes', async () => {
    const w = await workspace('rewritten');
    expect(await witness(w)).toBe(0);
    const before = await held(w);

    await rewriteHistory(w);
    const forged = await latest(w.tenantId);
    // Vigil did sign it: no stored checkpoint was left to contradict the forged tree.
    expect(forged.size).toBe(before.size);
    expect(forged.note).not.toBe(before.note);
    expect(await witness(w)).toBe(1);
    expect(await held(w)).toEqual(before);
    const [evidence] = await evidenceFiles(w);
    const text = await fs.readFile(path.join(dir, evidence!), 'utf8');
    expect(text).toContain(before.note);
    expect(text).toContain(forged.note);

    await write(w.tenantId, 'rewritten', 2);
    expect((await latest(w.tenantId)).size).toBeGreaterThan(before.size);
    expect(await witness(w)).toBe(1);
    expect(await held(w)).toEqual(before);
    expect(await evidenceFiles(w)).toHaveLength(2);
  });

  it('refuses a cut tail signed again', async () => {
    const w = await workspace('cut');
    await write(w.tenantId, 'cut', 2);
    expect(await witness(w)).toBe(0);
    const before = await held(w);
    await truncateLog(db(), w.tenantId, before.size - 3);
    await asIntruder(
      db(),
      async (tx) => void (await tx.execute(sql`delete from log_checkpoints where tenant_id = ${w.tenantId} and size > ${before.size - 3}`)),
    );
    await t.vigil.log.settle(w.tenantId, { force: true });
    await t.vigil.log.whenIdle();
    expect((await latest(w.tenantId)).size).toBe(before.size - 3);
    expect(await witness(w)).toBe(1);
    expect(await held(w)).toEqual(before);
  });

  it('refuses a log that signs a larger tree but will not prove it extends the one held', async () => {
    const w = await workspace('unproven');
    expect(await witness(w)).toBe(0);
    const before = await held(w);
    await write(w.tenantId, 'unproven', 2);
    // The head no longer reaches the checkpoint's size: asked for the proof, the log answers 400.
    await asIntruder(db(), async (tx) => void (await tx.execute(sql`update log_heads set size = 1 where tenant_id = ${w.tenantId}`)));
    expect(await witness(w)).toBe(1);
    expect(await held(w)).toEqual(before);
    expect(await evidenceFiles(w)).toHaveLength(1);
  });

  it('refuses a checkpoint no trusted key signed, and reports an unreachable log apart (exit 2)', async () => {
    const w = await workspace('untrusted');
    const { publicKey } = generateKeyPairSync('ed25519');
    expect(await witness(w, [verifierKeyOf('someone-else', publicKey)])).toBe(1);
    await expect(fs.access(w.stateFile)).rejects.toThrow();
    expect(await witness(w, [w.key], 'http://127.0.0.1:1')).toBe(2);
    await expect(fs.access(w.stateFile)).rejects.toThrow();
    expect(await witness(w, ['not a key'])).toBe(2);
  });

  // The CLI talks HTTP to Vigil, whatever its database: one engine is enough for the process.
  it.runIf(isPostgres)('runs as `vigil witness`, with the token from the environment', async () => {
    const w = await workspace('cli');
    const args = ['witness', '--url', t.vigil.baseUrl, '--key', w.key, '--state', w.stateFile];
    const accepted = await runCli(args, { VIGIL_WITNESS_TOKEN: w.admin.token });
    expect(accepted.stderr).toBe('');
    expect(accepted.code).toBe(0);
    expect(JSON.parse(accepted.stdout)).toMatchObject({ isAccepted: true, size: (await latest(w.tenantId)).size });
    const noToken = await runCli(args, {});
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/VIGIL_WITNESS_TOKEN/);
  });
});
