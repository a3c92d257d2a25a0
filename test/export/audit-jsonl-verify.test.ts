/**
 * GET /export/audit.jsonl and `vigil audit verify`: an export verifies offline, without the
 * database, exactly as the API verifies the chain; a file edited after export, or a database
 * edited before it, is caught at the same entry by both.
 */
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../../server/audit/canonical-entry.js';
import { queryRows } from '../../server/db/database.js';
import { fetchExport } from '../support/export-client.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';
import { processEnv, runCli } from '../support/vigil-process.js';

let t: TestVigil;
let dir: string;

interface Lines {
  header: Record<string, any>;
  entries: Record<string, any>[];
  checkpoint: Record<string, any>;
}

function linesOf(text: string): Lines {
  const lines = text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, any>);
  return { header: lines[0]!, entries: lines.slice(1, -1), checkpoint: lines.at(-1)! };
}

async function exportFile(name: string, query = ''): Promise<{ file: string; text: string; lines: Lines }> {
  const response = await fetchExport(t, `/export/audit.jsonl${query}`, t.admin.token);
  expect(response.status).toBe(200);
  const file = path.join(dir, name);
  fs.writeFileSync(file, response.text);
  return { file, text: response.text, lines: linesOf(response.text) };
}

async function verifyOffline(file: string, ...options: string[]) {
  const result = await runCli(['audit', 'verify', file, ...options], processEnv({}));
  return { ...result, report: result.code === 0 || result.code === 1 ? JSON.parse(result.stdout) : undefined };
}

async function verifyOnline(toSeq: number) {
  const response = await t.gql(`query($toSeq: Int) { auditIntegrity(toSeq: $toSeq) { isIntact fromSeq toSeq fault { seq kind } } }`, t.admin.token, { toSeq });
  expect(response.errors).toBeUndefined();
  return response.data!.auditIntegrity;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-export-'));
  t = await startTestVigil();
  for (const name of ['ada', 'grace', 'edsger']) {
    const created = await t.gql(`mutation($email: String!) { createUser(input: { email: $email }) { id } }`, t.admin.token, { email: `${name}@example.test` });
    expect(created.errors).toBeUndefined();
    await t.gql(`mutation($name: String!) { createUserToken(input: { name: $name }) { apiToken { id } } }`, t.admin.token, { name: `ci ${name}` });
  }
}, 60_000);

afterAll(async () => {
  await t?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the JSONL export', () => {
  it('is a header, every entry from the first with its hashes, and the checkpoint that covers them', async () => {
    const response = await fetchExport(t, '/export/audit.jsonl', t.admin.token);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="vigil-audit-default-\d{8}-\d{6}\.jsonl"$/);
    const { header, entries, checkpoint } = linesOf(response.text);
    const keys = await t.gql(`{ auditSigningKeys { keyId publicKey } }`, t.admin.token);
    expect(header).toEqual({
      type: 'header',
      format: 'vigil-audit-jsonl',
      version: 1,
      tenantId: t.admin.tenantId,
      fromSeq: 1,
      startHash: GENESIS_HASH,
      publicKeys: keys.data!.auditSigningKeys,
    });
    expect(entries.map((entry) => entry.seq)).toEqual([...Array(checkpoint.seq).keys()].map((index) => index + 1));
    expect(Object.keys(entries[1]!)).toEqual([
      'type',
      'tenantId',
      'seq',
      'id',
      'occurredAt',
      'actorType',
      'actorId',
      'actorEmail',
      'action',
      'resourceType',
      'resourceId',
      'resourceName',
      'before',
      'after',
      'clientIp',
      'userAgent',
      'requestId',
      'prevHash',
      'hash',
    ]);
    expect(entries[1]!.prevHash).toBe(entries[0]!.hash);
    expect(checkpoint).toMatchObject({ type: 'checkpoint', tenantId: t.admin.tenantId, headHash: entries.at(-1)!.hash });
    expect(String(checkpoint.seq)).toBe(response.headers.get('x-vigil-checkpoint-seq'));
  });

  it('verifies intact offline, as the API does up to the same checkpoint', async () => {
    const { file, lines } = await exportFile('intact.jsonl');
    const offline = await verifyOffline(file);
    expect(offline.code).toBe(0);
    expect(offline.report).toEqual({
      isIntact: true,
      fromSeq: 1,
      toSeq: lines.checkpoint.seq,
      checkedEntries: lines.checkpoint.seq,
      checkedCheckpoints: 1,
      fault: null,
    });
    expect(offline.stderr).toMatch(/warning: .*public keys written in the file itself/);
    const online = await verifyOnline(lines.checkpoint.seq);
    expect(online).toEqual({ isIntact: true, fromSeq: 1, toSeq: offline.report.toSeq, fault: null });
  });

  it('checks the signature with a trusted key when one is given, and refuses one of another key', async () => {
    const { file } = await exportFile('keyed.jsonl');
    const keys = await t.gql(`{ auditSigningKeys { publicKey } }`, t.admin.token);
    const trusted = path.join(dir, 'vigil.pem');
    fs.writeFileSync(trusted, keys.data!.auditSigningKeys[0].publicKey);
    const good = await verifyOffline(file, '--public-key', trusted);
    expect(good.code).toBe(0);
    expect(good.stderr).not.toMatch(/warning/);

    const stranger = path.join(dir, 'stranger.pem');
    fs.writeFileSync(stranger, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const bad = await verifyOffline(file, '--public-key', stranger);
    expect(bad.code).toBe(1);
    expect(bad.report.fault).toMatchObject({ kind: 'bad_signature' });
  });

  it('catches a snapshot edited in the file: modified, at that entry', async () => {
    const { text, lines } = await exportFile('original.jsonl');
    const target = lines.entries.find((entry) => entry.action === 'user.created' && entry.resourceName === 'grace@example.test')!;
    const edited = text
      .split('\n')
      .map((line) =>
        line.includes(`"seq":${target.seq},`) && line.includes('"type":"entry"')
          ? JSON.stringify({ ...target, after: { ...target.after, role: 'admin' } })
          : line,
      )
      .join('\n');
    expect(edited).not.toBe(text);
    const file = path.join(dir, 'edited.jsonl');
    fs.writeFileSync(file, edited);
    const offline = await verifyOffline(file);
    expect(offline.code).toBe(1);
    expect(offline.report).toMatchObject({ isIntact: false, fault: { seq: target.seq, kind: 'modified' } });
  });

  it('answers 2 for a file that is not a whole export', async () => {
    const { text } = await exportFile('whole.jsonl');
    const cut = path.join(dir, 'cut.jsonl');
    fs.writeFileSync(cut, text.trimEnd().split('\n').slice(0, -1).join('\n'));
    const truncated = await verifyOffline(cut);
    expect(truncated.code).toBe(2);
    expect(truncated.stderr).toMatch(/does not end with a checkpoint line/);
    const garbled = path.join(dir, 'garbled.jsonl');
    const lines = text.split('\n');
    fs.writeFileSync(garbled, [lines[0], '{"type":"entry","seq":', ...lines.slice(2)].join('\n'));
    const notJson = await verifyOffline(garbled);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/line 2: not JSON/);
    expect((await verifyOffline(path.join(dir, 'absent.jsonl'))).code).toBe(2);
  });

  it('says in its header when it is filtered: only a filter matching nothing verifies whole', async () => {
    const { file, lines } = await exportFile('filtered.jsonl', '?action=token.created');
    expect(lines.header.filter).toEqual({ action: ['token.created'] });
    expect(lines.header.fromSeq).toBe(lines.entries[0]!.seq);
    const offline = await verifyOffline(file);
    expect(offline.code).toBe(1);
    expect(offline.report.fault).toMatchObject({ kind: 'missing', seq: lines.entries[0]!.seq + 1 });

    const empty = await exportFile('empty.jsonl', '?action=nothing.matches');
    expect(empty.lines.entries).toEqual([]);
    expect(empty.lines.header).toMatchObject({ fromSeq: empty.lines.checkpoint.seq + 1, startHash: empty.lines.checkpoint.headHash });
    expect((await verifyOffline(empty.file)).code).toBe(0);
  });

  it('is refused over an entry edited in the database, so no signature launders it, and the API names the entry', async () => {
    const [row] = await queryRows<{ seq: number; id: string }>(
      t.vigil.database.db,
      sql`select seq, id from audit_entries where tenant_id = ${t.admin.tenantId} and action = 'user.created' and resource_name = 'edsger@example.test'`,
    );
    const seq = Number(row!.seq);
    await t.vigil.database.db.execute(
      sql`update audit_entries set after = jsonb_set(after, '{role}', '"admin"') where tenant_id = ${t.admin.tenantId} and seq = ${seq}`,
    );
    const refused = await fetchExport(t, '/export/audit.jsonl', t.admin.token);
    expect(refused.status).toBe(409);
    expect(JSON.parse(refused.text).errors[0]).toMatchObject({ extensions: { code: 'CONFLICT' }, message: expect.stringContaining(row!.id) });
    const online = await verifyOnline(seq + 5);
    expect(online.isIntact).toBe(false);
    expect({ seq: online.fault.seq, kind: online.fault.kind }).toEqual({ seq, kind: 'MODIFIED' });
  });
});
