/**
 * The log's archive in object storage: a real S3-protocol server (s3rver, signatures checked)
 * receives one gzipped segment per tenant and closed hour, quiet hours included; the objects,
 * downloaded and read in order by the offline verifier (`vigil audit verify`), verify as the
 * whole log, and any object changed, dropped or re-signed is named. An upload that fails is
 * finished later as the same object, and the next hour waits for it; two instances archiving at
 * once write each object once.
 */
import { execFile } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync, verify as verifySignature } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogArchive } from '../../server/archive/log-archive.js';
import { createS3ObjectStore } from '../../server/archive/object-store.js';
import { ManualClock } from '../../server/clock.js';
import { loadConfig } from '../../server/config.js';
import { queryRows } from '../../server/db/database.js';
import { verifyLogFile, type LogFileReport } from '../../server/export/verify-log-jsonl.js';
import { leafHash } from '../../server/log/merkle.js';
import { noteSignerFromPrivateKey, parseNote, parseVerifierKey, signNote } from '../../server/log/signed-note.js';
import { createLogger } from '../../server/logger.js';
import { startVigil, type RunningVigil } from '../../server/vigil.js';
import { addServer, ingest, minutesAgo, type TestServer } from '../support/records-fixture.js';
import { ocsfProblems } from '../support/ocsf-validator.js';
import { startTestS3, type TestS3 } from '../support/s3-server.js';
import { createTestDatabase, isPostgres, type TestDatabase } from '../support/test-database.js';
import { startTestVigil, TEST_ENV, type TestUser, type TestVigil } from '../support/test-vigil.js';

const run = promisify(execFile);
const clock = new ManualClock(new Date('2026-12-06T10:20:00.000Z'));
let s3: TestS3;
let database: TestDatabase;
let t: TestVigil;
let dir: string;
let tenantId: string;
let admin: TestUser;
let server: TestServer;
let keys: string[];

beforeAll(async () => {
  s3 = await startTestS3();
  // The periodic pass stays out of the way: each test runs the archive itself, on its clock.
  database = await createTestDatabase();
  t = await startTestVigil({ clock, database, env: { ...s3.env('audit'), VIGIL_ARCHIVE_CHECK_SECONDS: '3600', VIGIL_ARCHIVE_OCSF: 'true' } });
  dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-archive-'));
  ({ tenantId, admin } = await t.createTenant('archived'));
  server = await addServer(t, tenantId, 'db-archived');
  keys = (await t.gql<any>('{ logVerifierKeys }', admin.token)).data!.logVerifierKeys;
});
afterAll(async () => {
  await t?.close();
  await s3?.close();
});

let commandNumber = 0;
async function reportCommands(count: number): Promise<void> {
  const events = Array.from({ length: count }, () => {
    const index = commandNumber++;
    return {
      eventId: `a${index}`,
      kind: 'COMMAND',
      command: { shell: 'SYSTEM', line: `pg_dump app > /backup/${index}.sql`, status: 'SUCCESS', submittedAt: minutesAgo(t, 5) },
    };
  });
  const response = await ingest(t, server.agentToken, events);
  expect(response.errors).toBeUndefined();
  await t.vigil.log.whenIdle();
}

/** The log segments (their OCSF companions left out). */
const tenantKeys = async (id = tenantId) => (await s3.keys(`audit/tenants/${id}/`)).filter((key) => !key.endsWith('.ocsf.jsonl.gz'));

async function logSize(): Promise<number> {
  await t.vigil.log.catchUp(tenantId);
  const [head] = await queryRows<{ size: string | number }>(t.vigil.database.db, sql`select size from log_heads where tenant_id = ${tenantId}`);
  return Number(head!.size);
}

async function download(key: string, text?: string): Promise<string> {
  const file = path.join(dir, `${path.basename(key, '.jsonl.gz')}-${Math.random().toString(36).slice(2)}.jsonl.gz`);
  await writeFile(file, text === undefined ? await s3.get(key) : gzipSync(text));
  return file;
}

async function verify(files: string[], ...extra: string[]): Promise<{ code: number; report: any; stderr: string }> {
  const args = ['--import', 'tsx', 'server/cli/main.ts', 'audit', 'verify', ...files, ...keys.flatMap((key) => ['--key', key]), ...extra];
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd: process.cwd() });
    return { code: 0, report: JSON.parse(stdout), stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, report: failed.stdout ? JSON.parse(failed.stdout) : undefined, stderr: failed.stderr };
  }
}

/** The same check in this process (the CLI's is proven once above): the texts read in order as one log. */
async function verifyTexts(texts: string[]): Promise<LogFileReport> {
  async function* lines() {
    for (const text of texts) yield* text.split('\n');
  }
  return verifyLogFile(lines(), { trusted: keys.map((key) => parseVerifierKey(key)) });
}

const headerOf = (text: string) => JSON.parse(text.slice(0, text.indexOf('\n'))) as Record<string, any>;

/** The three hours the first test archives, kept for the later ones. */
const hours: { key: string; text: string }[] = [];

describe('the log archive', () => {
  it('writes one object per tenant and closed hour, quiet hours included, and the objects verify offline as the whole log', async () => {
    await reportCommands(40);
    clock.set(new Date('2026-12-06T11:01:00.000Z'));
    await t.vigil.archive!.runOnce();
    const afterFirst = await logSize();
    const [first] = await tenantKeys();
    expect(first).toBe(`audit/tenants/${tenantId}/log/2026/12/06/20261206T1000Z-0-${afterFirst}.jsonl.gz`);
    // Every tenant has its own object for the hour, the first-run tenant too.
    expect(await tenantKeys(t.admin.tenantId)).toEqual([expect.stringMatching(/\/log\/2026\/12\/06\/20261206T1000Z-0-\d+\.jsonl\.gz$/)]);

    await reportCommands(25);
    clock.set(new Date('2026-12-06T12:00:30.000Z'));
    await t.vigil.archive!.runOnce();
    const afterSecond = await logSize();
    expect(afterSecond).toBeGreaterThan(afterFirst + 25);

    // Nothing written in this hour: its object holds no leaf and a checkpoint signed after it.
    clock.set(new Date('2026-12-06T13:00:10.000Z'));
    await t.vigil.archive!.runOnce();
    expect(await logSize()).toBe(afterSecond);

    const archived = await tenantKeys();
    expect(archived).toEqual([
      first,
      `audit/tenants/${tenantId}/log/2026/12/06/20261206T1100Z-${afterFirst}-${afterSecond}.jsonl.gz`,
      `audit/tenants/${tenantId}/log/2026/12/06/20261206T1200Z-${afterSecond}-${afterSecond}.jsonl.gz`,
    ]);
    for (const key of archived) hours.push({ key, text: await s3.text(key) });
    const headers = hours.map((hour) => headerOf(hour.text));
    expect(headers.map((header) => [header.version, header.from, header.size])).toEqual([
      [2, 0, afterFirst],
      [2, afterFirst, afterSecond],
      [2, afterSecond, afterSecond],
    ]);
    expect(headers[1]!.previousCheckpoint).toBe(headers[0]!.checkpoint);
    expect(headers[2]!.previousCheckpoint).toBe(headers[1]!.checkpoint);
    expect(headers[2]!.periodStart).toBe('2026-12-06T12:00:00.000Z');
    // The quiet hour's checkpoint was signed after the hour ended.
    expect(parseNote(headers[2]!.checkpoint).text).toMatch(/vigil-time 2026-12-06T13:00:10\.000Z/);
    // The first hour's object holds the commands as reported.
    expect(hours[0]!.text).toContain('pg_dump app > /backup/39.sql');
    expect(hours[0]!.text).not.toContain('/backup/40.sql');

    // Beside each segment, its events as OCSF: one valid object per leaf, carrying the same checkpoint.
    for (const [index, hour] of hours.entries()) {
      const ocsfKey = hour.key.replace(/\.jsonl\.gz$/, '.ocsf.jsonl.gz');
      const objects = (await s3.text(ocsfKey))
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, any>);
      const leaves = hour.text
        .split('\n')
        .filter((line) => line.startsWith('{"type":"leaf"'))
        .map((line) => JSON.parse(line) as { index: number; leafHash: string });
      expect(objects.map((object) => object.metadata.sequence)).toEqual(leaves.map((leaf) => leaf.index));
      expect(objects.map((object) => object.unmapped.vigil.leaf_hash)).toEqual(leaves.map((leaf) => Buffer.from(leaf.leafHash, 'base64').toString('hex')));
      for (const object of objects) expect(ocsfProblems(object)).toEqual([]);
      const metadata = await s3.metadata(ocsfKey);
      expect(Buffer.from(metadata['vigil-checkpoint']!, 'base64').toString('utf8')).toBe(headers[index]!.checkpoint);
    }
    expect(JSON.stringify(await s3.text(hours[0]!.key.replace(/\.jsonl\.gz$/, '.ocsf.jsonl.gz')))).toContain('pg_dump app > /backup/39.sql');

    const files = await Promise.all(archived.map((key) => download(key)));
    const whole = await verify(files);
    expect(whole.stderr).not.toMatch(/vigil: [a-z_]+ at/);
    expect(whole.code).toBe(0);
    expect(whole.report).toMatchObject({
      isIntact: true,
      tenantId,
      from: 0,
      size: afterSecond,
      checkedLeaves: afterSecond,
      segments: 3,
      isSignatureChecked: true,
    });

    // One object alone verifies against its own checkpoints, from where it starts.
    const alone = { report: await verifyTexts([hours[1]!.text]) };
    expect(alone.report).toMatchObject({ isIntact: true, from: afterFirst, size: afterSecond, checkedLeaves: afterSecond - afterFirst, segments: 1 });
    expect(alone.report.notes.join(' ')).toContain(`Checked from position ${afterFirst}`);
  });

  it('verifies with a verifier written from the README alone (node:crypto, nothing of Vigil)', () => {
    expect(hours).toHaveLength(3);
    const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
    const node = (left: Buffer, right: Buffer) => sha256(Buffer.from([1]), left, right);
    /** Line 3 of the checkpoint note: the base64 root; the note's text is every line up to the blank line. */
    const signedRoot = (note: string) => Buffer.from(note.split('\n')[2]!, 'base64');
    const signedSize = (note: string) => Number(note.split('\n')[1]);
    // The verifier key: <name>+<8 hex key id>+<base64(0x01 || Ed25519 public key)>; base64 may hold "+" too.
    const [, keyId, keyBytes] = /^[^+]+\+([0-9a-f]{8})\+(.+)$/.exec(keys[0]!)!;
    const publicKey = createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(keyBytes!, 'base64').subarray(1)]),
      format: 'der',
      type: 'spki',
    });
    const isSigned = (note: string) => {
      const [text, signatures] = note.split('\n\n');
      return signatures!
        .split('\n')
        .filter(Boolean)
        .some((line) => {
          const signature = Buffer.from(line.split(' ')[2]!, 'base64');
          return signature.subarray(0, 4).toString('hex') === keyId && verifySignature(null, Buffer.from(`${text}\n`), publicKey, signature.subarray(4));
        });
    };
    let previous: string | null = null;
    for (const hour of hours) {
      const [headerLine, ...rest] = hour.text.trimEnd().split('\n');
      const header = JSON.parse(headerLine!) as { from: number; size: number; checkpoint: string; previousCheckpoint: string | null; compactRange: string[] };
      expect(header.previousCheckpoint).toBe(previous);
      expect(isSigned(header.checkpoint)).toBe(true);
      // The compact range: one perfect subtree per set bit of `from`, largest first; folded right to left it is the previous root.
      const edge = header.compactRange.map((hash) => Buffer.from(hash, 'base64'));
      const sizes = [...header.from.toString(2)].flatMap((bit, i, bits) => (bit === '1' ? [2 ** (bits.length - 1 - i)] : []));
      expect(edge).toHaveLength(sizes.length);
      if (header.previousCheckpoint) {
        expect(isSigned(header.previousCheckpoint)).toBe(true);
        expect(signedSize(header.previousCheckpoint)).toBe(header.from);
        expect(edge.reduceRight((right, left) => node(left, right)).equals(signedRoot(header.previousCheckpoint))).toBe(true);
      }
      // Appending a leaf merges the trailing subtrees of equal size.
      const stack = edge.map((hash, i) => ({ hash, size: sizes[i]! }));
      for (const line of rest.slice(0, -1)) {
        const leaf = JSON.parse(line) as { leaf: string; leafHash: string };
        const hash = sha256(Buffer.from([0]), Buffer.from(leaf.leaf, 'utf8'));
        expect(hash.toString('base64')).toBe(leaf.leafHash);
        let top = { hash, size: 1 };
        while (stack.length > 0 && stack.at(-1)!.size === top.size) {
          const left = stack.pop()!;
          top = { hash: node(left.hash, top.hash), size: left.size * 2 };
        }
        stack.push(top);
      }
      expect(JSON.parse(rest.at(-1)!)).toEqual({ type: 'end', size: header.size });
      expect(signedSize(header.checkpoint)).toBe(header.size);
      expect(
        stack
          .map((entry) => entry.hash)
          .reduceRight((right, left) => node(left, right))
          .equals(signedRoot(header.checkpoint)),
      ).toBe(true);
      previous = header.checkpoint;
    }
  });

  it('lists each object with the SHA-256 of its bytes, to audit the bucket with, for AUDIT_LOGS_VIEW holders of its tenant only', async () => {
    const query = '{ logArchive { location period objects { key from size bytes sha256 uploadedAt attempts lastError checkpoint { size note } } } }';
    const listed = await t.gql<any>(query, admin.token);
    expect(listed.errors).toBeUndefined();
    const archive = listed.data!.logArchive;
    expect(archive).toMatchObject({ location: `s3://${s3.bucket}/audit/tenants/${tenantId}/log/`, period: 'HOUR' });
    expect(archive.objects.map((object: { key: string }) => object.key)).toEqual(hours.map((hour) => hour.key).reverse());
    for (const object of archive.objects) {
      const stored = await s3.get(object.key);
      expect(object).toMatchObject({ sha256: createHash('sha256').update(stored).digest('hex'), bytes: stored.length, attempts: 1, lastError: null });
      expect(object.checkpoint.size).toBe(object.size);
      expect(headerOf(gunzipSync(stored).toString('utf8')).checkpoint).toBe(object.checkpoint.note);
    }

    const user = await t.createUser(tenantId, { email: 'dev@archived.test' });
    expect((await t.gql<any>(query, user.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const other = await t.gql<any>(query, t.admin.token);
    expect(other.data!.logArchive.location).toContain(t.admin.tenantId);
    expect(other.data!.logArchive.objects.map((object: { key: string }) => object.key).join(' ')).not.toContain(tenantId);
    expect((await t.gql<any>('{ logArchive(first: 0) { location } }', admin.token)).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('names a changed leaf, a rehashed one, an object left out and a checkpoint another key signed', async () => {
    expect(hours).toHaveLength(3);
    const [first, third] = [hours[0]!.text, hours[2]!.text];
    const lines = hours[1]!.text.split('\n');
    const target = lines.findIndex((line) => line.includes('/backup/50.sql'));
    const leafLine = JSON.parse(lines[target]!) as { index: number; recordId: string; leaf: string; leafHash: string };

    const changed = [...lines];
    changed[target] = JSON.stringify({ ...leafLine, leaf: leafLine.leaf.replace('/backup/50.sql', '/backup/ok.sql') });
    const modified = { report: await verifyTexts([first, changed.join('\n'), third]) };
    expect(modified.report.isIntact).toBe(false);
    expect(modified.report.faults).toContainEqual(expect.objectContaining({ kind: 'leaf_modified', index: leafLine.index, recordId: leafLine.recordId }));

    // Rehashed too: the leaf checks out, the tree no longer hashes to the root the hour's checkpoint signed.
    const rewritten = leafLine.leaf.replace('/backup/50.sql', '/backup/ok.sql');
    const rehashed = [...lines];
    rehashed[target] = JSON.stringify({ ...leafLine, leaf: rewritten, leafHash: leafHash(rewritten).toString('base64') });
    const treeChanged = { report: await verifyTexts([first, rehashed.join('\n'), third]) };
    expect(treeChanged.report.isIntact).toBe(false);
    expect(treeChanged.report.faults).toContainEqual(expect.objectContaining({ kind: 'tree_mismatch' }));
    expect(treeChanged.report.faults.map((fault: { kind: string }) => fault.kind)).not.toContain('leaf_modified');

    const leftOut = await verify([await download(hours[0]!.key), await download(hours[2]!.key)]);
    expect(leftOut.code).toBe(1);
    expect(leftOut.report.faults.map((fault: { kind: string }) => fault.kind)).toEqual(expect.arrayContaining(['leaf_missing', 'checkpoint_broken_link']));

    // The quiet hour's checkpoint re-signed by another key over the same tree.
    const stranger = noteSignerFromPrivateKey('stranger', generateKeyPairSync('ed25519').privateKey);
    const header = headerOf(hours[2]!.text);
    const forged = hours[2]!.text.replace(
      JSON.stringify(header),
      JSON.stringify({ ...header, checkpoint: signNote(parseNote(header.checkpoint).text, [stranger]) }),
    );
    const resigned = { report: await verifyTexts([first, hours[1]!.text, forged]) };
    expect(resigned.report.isIntact).toBe(false);
    expect(resigned.report.faults).toContainEqual(expect.objectContaining({ kind: 'checkpoint_bad_signature' }));
  });

  it('finishes a failed upload later as the same object, and the next hour waits for it', async () => {
    const config = loadConfig({ ...s3.env('audit'), VIGIL_ARCHIVE_S3_BUCKET: 'no-such-bucket' }).archive!;
    const missingBucket = await createS3ObjectStore(config);
    const failing = createLogArchive({
      db: t.vigil.database.db,
      clock,
      logger: createLogger('silent'),
      log: t.vigil.log,
      store: missingBucket,
      prefix: 'audit',
      period: 'hour',
    });
    await reportCommands(10);
    clock.set(new Date('2026-12-06T14:00:05.000Z'));
    expect(await failing.runOnce()).toEqual([]);
    const [pending] = await queryRows<{ object_key: string; uploaded_at: string | null; last_error: string | null; attempts: number }>(
      t.vigil.database.db,
      sql`select object_key, uploaded_at, last_error, attempts from log_archive_objects where tenant_id = ${tenantId} and period_start = '2026-12-06T13:00:00Z'`,
    );
    // What the object holds was fixed before the upload failed.
    expect(pending).toMatchObject({ uploaded_at: null, attempts: 1 });
    expect(pending!.object_key).toMatch(/20261206T1300Z-\d+-\d+\.jsonl\.gz$/);
    expect(pending!.last_error).toMatch(/bucket/i);

    // The next hour closes while the upload is still failing: its object must wait.
    await reportCommands(5);
    clock.set(new Date('2026-12-06T15:00:05.000Z'));
    expect(await failing.runOnce()).toEqual([]);
    expect(await tenantKeys()).toHaveLength(3);
    missingBucket.close();

    // Storage is back (and the retry delay over): the same key, then the next hour after it.
    clock.set(new Date('2026-12-06T15:10:00.000Z'));
    const written = await t.vigil.archive!.runOnce();
    expect(written.filter((object) => object.tenantId === tenantId).map((object) => object.key)).toEqual([
      pending!.object_key,
      expect.stringMatching(/20261206T1400Z-\d+-\d+\.jsonl\.gz$/),
    ]);
    const archived = await tenantKeys();
    expect(archived).toHaveLength(5);
    const all = { report: await verifyTexts(await Promise.all(archived.map((key) => s3.text(key)))) };
    expect(all.report).toMatchObject({ isIntact: true, size: await logSize(), segments: 5 });
  });

  it.runIf(isPostgres)('writes each object once when two instances archive at once', async () => {
    const second: RunningVigil = await startVigil(
      loadConfig({
        ...TEST_ENV,
        VIGIL_ARCHIVE_CHECK_SECONDS: '3600',
        ...s3.env('audit'),
        ...database.env,
      }),
      { clock, logger: createLogger('silent'), database: await database.openOptions() },
    );
    try {
      await reportCommands(20);
      clock.set(new Date('2026-12-06T16:00:20.000Z'));
      const [a, b] = await Promise.all([t.vigil.archive!.runOnce(), second.archive!.runOnce()]);
      const ofTenant = [...a, ...b].filter((object) => object.tenantId === tenantId);
      expect(ofTenant).toHaveLength(1);
      const tenants = await queryRows<{ id: string }>(t.vigil.database.db, sql`select id from tenants`);
      expect([...a, ...b].map((object) => object.tenantId).sort()).toEqual(tenants.map((tenant) => tenant.id).sort());
      expect((await tenantKeys()).filter((key) => key.includes('T1500Z'))).toHaveLength(1);
    } finally {
      await second.dispose();
    }
  });
});
