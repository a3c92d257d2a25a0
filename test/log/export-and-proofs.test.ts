/**
 * The log leaves Vigil: exported whole and verified offline (by Vigil's verifier, its CLI, and a
 * verifier written here from the README alone), proved record by record with the public key,
 * polled by witnesses. An export is never signed over a log that does not verify.
 */
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLogFile } from '../../server/export/verify-log-jsonl.js';
import { queryRows } from '../../server/db/database.js';
import { formatCheckpointBody, parseCheckpointBody } from '../../server/log/checkpoint-note.js';
import { noteSignerFromPrivateKey, parseNote, parseVerifierKey, signNote } from '../../server/log/signed-note.js';
import { CompactTree, leafHash, verifyConsistency } from '../../server/log/merkle.js';
import { addServer, ingest, minutesAgo } from '../support/records-fixture.js';
import { independentNoteCheck } from '../support/signed-note-verifier.js';
import { asIntruder, truncateLog } from '../support/log-tamper.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

const run = promisify(execFile);
let t: TestVigil;
let dir: string;

beforeAll(async () => {
  t = await startTestVigil();
  dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-log-export-'));
});
afterAll(async () => t?.close());

const base = () => t.url.replace(/\/graphql$/, '');
const db = () => t.vigil.database.db;

async function tenantWithRecords(slug: string): Promise<{ tenantId: string; admin: TestUser; agentToken: string; commandId: string }> {
  const { tenantId, admin } = await t.createTenant(slug);
  const server = await addServer(t, tenantId, `web-${slug}`);
  const events = Array.from({ length: 40 }, (_, index) => ({
    eventId: `c${index}`,
    kind: 'COMMAND',
    command: { shell: 'SYSTEM', line: `echo ${index} "quoted" \u00e9\u4e2d`, status: 'SUCCESS', submittedAt: minutesAgo(t, 60 - index) },
  }));
  const response = await ingest(t, server.agentToken, events);
  expect(response.errors).toBeUndefined();
  // Writers do not wait for the sequencer: the tampering below acts on a quiet log.
  await t.vigil.log.whenIdle();
  return { tenantId, admin, agentToken: server.agentToken, commandId: response.data.ingestEvents.events[7].recordId };
}

async function exportLog(token: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${base()}/export/log.jsonl`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, text: await response.text() };
}

async function* linesOf(text: string): AsyncGenerator<string> {
  yield* text.split('\n');
}

async function verifierKeys(token: string): Promise<string[]> {
  const response = await t.gql<any>('{ logVerifierKeys }', token);
  return response.data!.logVerifierKeys;
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'server/cli/main.ts', ...args], { cwd: process.cwd() });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('the log export', () => {
  it('verifies intact offline, with Vigil’s verifier, its CLI and a verifier written from the README', async () => {
    const tenant = await tenantWithRecords('exported');
    const file = await exportLog(tenant.admin.token);
    expect(file.status).toBe(200);
    const keys = await verifierKeys(tenant.admin.token);
    const report = await verifyLogFile(linesOf(file.text), { trusted: keys.map(parseVerifierKey) });
    expect(report).toMatchObject({ isIntact: true, faultCount: 0, isSignatureChecked: true });
    expect(report.size).toBeGreaterThan(40);
    expect(independentlyVerified(file.text, keys[0]!)).toEqual({ isIntact: true, size: report.size });

    const saved = path.join(dir, 'exported.jsonl');
    await writeFile(saved, file.text);
    const verified = await cli('audit', 'verify', saved, '--key', keys[0]!);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ isIntact: true, size: report.size });
  });

  it('names what was changed in the file: a leaf’s text, a missing line, a swap, the checkpoint, an untrusted key', async () => {
    const tenant = await tenantWithRecords('filetamper');
    const { text } = await exportLog(tenant.admin.token);
    const keys = (await verifierKeys(tenant.admin.token)).map(parseVerifierKey);
    const lines = text.trimEnd().split('\n');
    const check = async (changed: string[], options = { trusted: keys }) => verifyLogFile(linesOf(changed.join('\n')), options);

    const edited = [...lines];
    const at = edited.findIndex((line) => line.includes('echo 3 '));
    edited[at] = edited[at]!.replace('echo 3', 'true 3');
    const editedReport = await check(edited);
    expect(editedReport.faults).toContainEqual(expect.objectContaining({ kind: 'leaf_modified', index: at - 1, recordKind: 'command' }));

    const cut = lines.filter((_, index) => index !== 9);
    const cutReport = await check(cut);
    expect(cutReport.faults).toContainEqual(expect.objectContaining({ kind: 'leaf_missing', index: 8 }));
    expect(cutReport.faults.map((fault) => fault.kind)).toContain('tree_mismatch');

    const swapped = [...lines];
    [swapped[10], swapped[11]] = [swapped[11]!, swapped[10]!];
    expect((await check(swapped)).faults.map((fault) => fault.kind)).toEqual(expect.arrayContaining(['leaf_missing', 'tree_mismatch']));

    const header = JSON.parse(lines[0]!);
    const forged = [JSON.stringify({ ...header, checkpoint: header.checkpoint.replace(/\n\d+\n/, `\n${header.size + 1}\n`) }), ...lines.slice(1)];
    expect((await check(forged)).faults.map((fault) => fault.kind)).toContain('checkpoint_bad_signature');

    const other = parseVerifierKey((await t.gql<any>('{ logVerifierKeys }', t.admin.token)).data!.logVerifierKeys[0]);
    const stranger = { ...other, name: 'stranger' };
    expect((await check(lines, { trusted: [stranger] })).faults.map((fault) => fault.kind)).toContain('checkpoint_bad_signature');
    expect((await check(lines.slice(0, -1))).faults).toContainEqual(
      expect.objectContaining({ kind: 'leaf_missing', message: expect.stringContaining('cut short') }),
    );
  });

  it('is refused, like the audit export, when the log does not verify: nothing is signed over tampering', async () => {
    const tenant = await tenantWithRecords('laundered');
    const before = await db().execute(sql`select count(*) from log_checkpoints where tenant_id = ${tenant.tenantId}`);
    await asIntruder(
      db(),
      async (tx) => void (await tx.execute(sql`update commands set line = 'true' where tenant_id = ${tenant.tenantId} and id = ${tenant.commandId}::uuid`)),
    );
    for (const route of ['log.jsonl', 'audit.jsonl']) {
      const response = await fetch(`${base()}/export/${route}`, { headers: { authorization: `Bearer ${tenant.admin.token}` } });
      expect(response.status).toBe(409);
      const body = await response.json();
      expect(body.errors[0].extensions.code).toBe('CONFLICT');
      expect(body.errors[0].message).toContain(tenant.commandId);
    }
    const after = await db().execute(sql`select count(*) from log_checkpoints where tenant_id = ${tenant.tenantId}`);
    expect(after).toEqual(before);
  });

  it('holds a file to the transaction rules from its leaves’ text: a version moved out of its transaction is unexplained and out of place, even re-signed', async () => {
    const tenant = await tenantWithRecords('filexact');
    const { text } = await exportLog(tenant.admin.token);
    const lines = text.trimEnd().split('\n');
    const intact = await verifyLogFile(linesOf(text), { trusted: (await verifierKeys(tenant.admin.token)).map(parseVerifierKey) });
    expect(intact.faults).toEqual([]);

    // Whoever holds a signing key rewrites one command's transaction, rehashes, rebuilds and re-signs.
    const moved = lines.findIndex((line) => line.includes('echo 3 '));
    const leafLine = JSON.parse(lines[moved]!);
    leafLine.leaf = leafLine.leaf.replace(/"xact":\d+\}$/, '"xact":999999999}');
    expect(leafLine.leaf).toMatch(/"xact":999999999\}$/);
    leafLine.leafHash = leafHash(leafLine.leaf).toString('base64');
    const forged = [...lines];
    forged[moved] = JSON.stringify(leafLine);
    const tree = new CompactTree();
    for (const line of forged.slice(1, -1)) tree.append(Buffer.from(JSON.parse(line).leafHash, 'base64'));
    const header = JSON.parse(lines[0]!);
    const body = parseCheckpointBody(parseNote(header.checkpoint).text);
    const { privateKey } = generateKeyPairSync('ed25519');
    const signer = noteSignerFromPrivateKey(parseVerifierKey((await verifierKeys(tenant.admin.token))[0]!).name, privateKey);
    forged[0] = JSON.stringify({ ...header, checkpoint: signNote(formatCheckpointBody({ ...body, rootHash: tree.root() }), [signer]) });

    const report = await verifyLogFile(linesOf(forged.join('\n')), { trusted: [parseVerifierKey(signer.verifierKey)] });
    const index = leafLine.index as number;
    expect(report.faults).toContainEqual(expect.objectContaining({ kind: 'leaf_unexplained', index, recordKind: 'command' }));
    // Its neighbour, of the transaction it left, now sits apart from the rest of it.
    expect(report.faults).toContainEqual(expect.objectContaining({ kind: 'leaf_out_of_transaction', index: index + 1 }));
    expect(report.faults.map((fault) => fault.kind)).not.toContain('tree_mismatch');
    expect(report.faults.map((fault) => fault.kind)).not.toContain('checkpoint_bad_signature');
  });

  it('shows a cut tail against an earlier export given as anchor, even when the database was made consistent again', async () => {
    const tenant = await tenantWithRecords('anchored');
    // The intruder cuts at a transaction's end, so every leaf left has its audit entry.
    const [boundary] = await queryRows<{ size: string }>(
      db(),
      sql`select max(idx) + 1 as size from log_leaves where tenant_id = ${tenant.tenantId} and xact = (select xact from log_leaves where tenant_id = ${tenant.tenantId} and record_id = ${tenant.commandId})`,
    );
    const later = await ingest(t, tenant.agentToken, [
      { eventId: 'later', kind: 'COMMAND', command: { shell: 'SYSTEM', line: 'shred -u evidence', status: 'SUCCESS', submittedAt: minutesAgo(t, 1) } },
    ]);
    expect(later.errors).toBeUndefined();
    const first = await exportLog(tenant.admin.token);
    const firstSize = JSON.parse(first.text.split('\n')[0]!).size as number;
    const cutAt = Number(boundary!.size);
    // The intruder cuts a quiet log: the export's own audit entry is placed first.
    await t.vigil.log.whenIdle();
    await truncateLog(db(), tenant.tenantId, cutAt);
    await asIntruder(db(), async (tx) => void (await tx.execute(sql`delete from log_checkpoints where tenant_id = ${tenant.tenantId} and size > ${cutAt}`)));
    const second = await exportLog(tenant.admin.token);
    expect(second.status, second.text).toBe(200);
    const keys = await verifierKeys(tenant.admin.token);
    const alone = await verifyLogFile(linesOf(second.text), { trusted: keys.map(parseVerifierKey) });
    expect(alone.isIntact).toBe(true);

    const anchorFile = path.join(dir, 'anchor.jsonl');
    const secondFile = path.join(dir, 'second.jsonl');
    await writeFile(anchorFile, first.text);
    await writeFile(secondFile, second.text);
    const checked = await cli('audit', 'verify', secondFile, '--key', keys[0]!, '--anchor', anchorFile);
    expect(checked.code).toBe(1);
    const report = JSON.parse(checked.stdout);
    expect(report.isIntact).toBe(false);
    expect(report.faults.map((fault: { kind: string }) => fault.kind)).toEqual(
      expect.arrayContaining([expect.stringMatching(/checkpoint_truncated|tree_mismatch/)]),
    );
    expect(checked.stderr).toContain(String(firstSize));
  });
});

describe('proofs', () => {
  it('proves a record into a signed checkpoint, checked offline with the public key alone', async () => {
    const tenant = await tenantWithRecords('proved');
    await t.vigil.log.settle(tenant.tenantId, { force: true });
    const response = await t.gql<any>(
      `{ logInclusionProof(recordId: "${tenant.commandId}") { treeSize rootHash hashes leaf { index kind recordId leaf leafHash } checkpoint { note size } } }`,
      tenant.admin.token,
    );
    expect(response.errors).toBeUndefined();
    const proof = response.data!.logInclusionProof;
    expect(proof.leaf).toMatchObject({ kind: 'command', recordId: tenant.commandId });
    expect(JSON.parse(proof.leaf.leaf).row.line).toBe('echo 7 "quoted" \u00e9\u4e2d');
    const keys = await verifierKeys(tenant.admin.token);
    const file = path.join(dir, 'proof.json');
    await writeFile(file, JSON.stringify(response));
    const verified = await cli('proof', 'verify', file, '--key', keys[0]!);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ isVerified: true, recordId: tenant.commandId });

    const forged = structuredClone(response);
    forged.data!.logInclusionProof.leaf.leaf = proof.leaf.leaf.replace('echo 7', 'echo 8');
    await writeFile(file, JSON.stringify(forged));
    expect((await cli('proof', 'verify', file, '--key', keys[0]!)).code).toBe(1);
  });

  it('answers a record’s leaf on the record itself, and consistency between two sizes', async () => {
    const tenant = await tenantWithRecords('consistent');
    await t.vigil.log.settle(tenant.tenantId, { force: true });
    const leaf = await t.gql<any>(`{ command(id: "${tenant.commandId}") { logLeaf { index leafHash leaf } } }`, tenant.admin.token);
    expect(leaf.errors).toBeUndefined();
    expect(leaf.data!.command.logLeaf.index).toBeGreaterThanOrEqual(0);
    expect(
      createHash('sha256')
        .update(Buffer.from([0]))
        .update(leaf.data!.command.logLeaf.leaf)
        .digest('base64'),
    ).toBe(leaf.data!.command.logLeaf.leafHash);
    const response = await t.gql<any>('{ logConsistencyProof(fromSize: 3) { fromSize toSize fromRoot toRoot hashes } }', tenant.admin.token);
    expect(response.errors).toBeUndefined();
    const proof = response.data!.logConsistencyProof;
    const b = (value: string) => Buffer.from(value, 'base64');
    expect(verifyConsistency(proof.fromSize, proof.toSize, b(proof.fromRoot), b(proof.toRoot), proof.hashes.map(b))).toBe(true);
    expect(verifyConsistency(proof.fromSize, proof.toSize, b(proof.toRoot), b(proof.toRoot), proof.hashes.map(b))).toBe(false);
    const bad = await t.gql<any>('{ logConsistencyProof(fromSize: 0) { fromSize } }', tenant.admin.token);
    expect(bad.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'fromSize' } });
    const regular = await t.createUser(tenant.tenantId, { email: 'reader@consistent.test' });
    const forbidden = await t.gql<any>('{ logConsistencyProof(fromSize: 1) { fromSize } }', regular.token);
    expect(forbidden.errors![0]!.extensions.code).toBe('FORBIDDEN');
  });
});

describe('witnesses', () => {
  it('poll the latest checkpoint as a plain-text note and list quiet-period ones, which a witness verifies with the key', async () => {
    const tenant = await tenantWithRecords('witnessed');
    await t.vigil.log.settle(tenant.tenantId, { force: true });
    (t.clock as unknown as { advance(ms: number): void }).advance(61 * 60_000);
    await t.vigil.log.runMaintenance();
    const latest = await fetch(`${base()}/log/checkpoint`, { headers: { authorization: `Bearer ${tenant.admin.token}` } });
    expect(latest.status).toBe(200);
    expect(latest.headers.get('content-type')).toContain('text/plain');
    const note = await latest.text();
    const keys = await verifierKeys(tenant.admin.token);
    expect(independentNoteCheck(note, keys[0]!)).toBe(true);
    expect(note.split('\n')[0]).toMatch(new RegExp(`/tenants/${tenant.tenantId}$`));

    const listed = await fetch(`${base()}/log/checkpoints?limit=5`, { headers: { authorization: `Bearer ${tenant.admin.token}` } });
    const { checkpoints } = (await listed.json()) as { checkpoints: { size: number; signedAt: string; note: string }[] };
    expect(checkpoints[0]!.note).toBe(note);
    // Nothing was written in the quiet hour: two checkpoints of one size, an hour apart.
    expect(checkpoints[0]!.size).toBe(checkpoints[1]!.size);
    expect(Date.parse(checkpoints[0]!.signedAt) - Date.parse(checkpoints[1]!.signedAt)).toBeGreaterThanOrEqual(60 * 60_000);
    expect((await fetch(`${base()}/log/checkpoint`)).status).toBe(401);
    expect((await fetch(`${base()}/log/checkpoints?limit=0`, { headers: { authorization: `Bearer ${tenant.admin.token}` } })).status).toBe(400);
  });
});

/**
 * Written from the README's "Verifying from outside" alone: leaf hash SHA-256(0x00 || leaf), node
 * hash SHA-256(0x01 || left || right), RFC 6962 root; the checkpoint is a C2SP note whose second
 * and third lines are the size and base64 root, signed with Ed25519 over the text before the blank line.
 */
function independentlyVerified(text: string, vkey: string): { isIntact: boolean; size: number } {
  const lines = text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));
  const header = lines[0];
  const leaves = lines.filter((line) => line.type === 'leaf');
  const hashes = leaves.map((line) => {
    const hash = createHash('sha256')
      .update(Buffer.from([0]))
      .update(Buffer.from(line.leaf, 'utf8'))
      .digest();
    return hash.toString('base64') === line.leafHash ? hash : Buffer.alloc(32);
  });
  const mth = (items: Buffer[]): Buffer => {
    if (items.length === 1) return items[0]!;
    let k = 1;
    while (k * 2 < items.length) k *= 2;
    return createHash('sha256')
      .update(Buffer.from([1]))
      .update(mth(items.slice(0, k)))
      .update(mth(items.slice(k)))
      .digest();
  };
  const body = header.checkpoint.slice(0, header.checkpoint.indexOf('\n\n') + 1).split('\n');
  const isIntact = independentNoteCheck(header.checkpoint, vkey) && Number(body[1]) === leaves.length && mth(hashes).toString('base64') === body[2];
  return { isIntact, size: leaves.length };
}
