/**
 * A case's bundle leaves Vigil: every line is checked offline with the public key alone, by a
 * verifier written here from the README and the bundle's documented format (RFC 9162 and signed
 * notes from test/support, nothing of server/). Changing a line (a command's text, a proof's hash)
 * fails verification naming the item.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTACH, buildCasesFixture, CREATE_CASE, type CasesFixture } from '../support/cases-fixture.js';
import { castLines, openTerminalSession, putChunk } from '../support/recording-agent.js';
import { verifyInclusionPerRfc } from '../support/rfc9162-verifier.js';
import { independentNoteCheck } from '../support/signed-note-verifier.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let f: CasesFixture;
let caseId: string;
let auditEntryId: string;
let noteId: string;
let recordingId: string;

beforeAll(async () => {
  t = await startTestVigil();
  f = await buildCasesFixture(t, 'bundled');
  caseId = (await ok(CREATE_CASE, f.admin.token, { input: { title: 'Shadow file read', severity: 'CRITICAL' } })).createCase.id;
  auditEntryId = (await ok(`{ auditLog(first: 1, filter: { action: ["case.created"] }) { nodes { id } } }`, f.admin.token)).auditLog.nodes[0].id;
  await ok(ATTACH, f.admin.token, { caseId, kind: 'COMMAND', id: f.aliceCommandId, note: 'the read itself' });
  await ok(ATTACH, f.admin.token, { caseId, kind: 'COMMAND', id: f.ivyCommandId });
  await ok(ATTACH, f.admin.token, { caseId, kind: 'AUDIT_ENTRY', id: auditEntryId, note: 'when the case was opened' });
  // Alice's terminal session, recorded in two chunks: the bundle proves the recording and each chunk.
  const sessionId = await openTerminalSession(t, f.web.agentToken, 'ts-bundled', f.alice.email);
  const header = { version: 2 as const, width: 80, height: 24 };
  expect((await putChunk(t, f.web.agentToken, 'ts-bundled', 0, castLines([[0.1, 'o', 'sudo cat /etc/shadow\r\n']], header))).status).toBe(201);
  expect((await putChunk(t, f.web.agentToken, 'ts-bundled', 1, castLines([[0.5, 'o', 'root:*:19000:0:99999:7:::\r\n']]), { final: 'true' })).status).toBe(201);
  recordingId = (await ok(`{ terminalSession(id: "${sessionId}") { recording { id } } }`, f.admin.token)).terminalSession.recording.id;
  await ok(ATTACH, f.admin.token, { caseId, kind: 'TERMINAL_RECORDING', id: recordingId, note: 'what she saw' });
  noteId = (await ok(`mutation { addCaseNote(caseId: "${caseId}", body: "Alice says it was not her.") { id } }`, f.admin.token)).addCaseNote.id;
});
afterAll(async () => t?.close());

async function ok<T = any>(query: string, token: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await t.gql<any>(query, token, variables);
  expect(response.errors, query).toBeUndefined();
  return response.data as T;
}

async function download(id: string, token: string): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`${t.url.replace(/\/graphql$/, '')}/export/cases/${id}/bundle`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

interface Failure {
  readonly type: string;
  readonly id: string | null;
  readonly reason: string;
}

/**
 * Written from the README alone: the checkpoint is a signed note whose second and third lines are
 * the tree size and the base64 root; a leaf hash is SHA-256(0x00 || leaf); the inclusion proof is
 * RFC 9162's, from the leaf hash at leafIndex to that root; a leaf is {"kind","row",...} with the
 * record's columns by SQL name; an item's attachment is proved the same way and names the case,
 * the item and why. Returns every failure, each naming its line's type and id.
 */
function verifyBundle(text: string, vkey: string): Failure[] {
  const lines = text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, any>);
  const [header, ...rest] = lines;
  const failures: Failure[] = [];
  const fail = (line: Record<string, any>, reason: string) => failures.push({ type: line.type, id: line.id ?? line.recordId ?? null, reason });
  if (header?.type !== 'header' || header.format !== 'vigil-case-bundle') return [{ type: 'header', id: null, reason: 'not a case bundle' }];
  if (!independentNoteCheck(header.checkpoint, vkey)) fail(header, 'checkpoint signature');
  const [, size, root] = (header.checkpoint as string).split('\n');
  if (Number(size) !== header.treeSize || root !== header.rootHash) fail(header, 'checkpoint does not sign this tree');
  if (header.case.id !== rest[0]?.recordId) fail(header, 'the case line is not this case');
  const rootHash = Buffer.from(root ?? '', 'base64');
  const end = rest.at(-1);
  if (end?.type !== 'end') fail(header, 'cut short');
  /** The failure of one <proof> (a leaf, its hash, its path to the signed root), or null. */
  const proofFailure = (proof: Record<string, any>): string | null => {
    const hash = createHash('sha256')
      .update(Buffer.from([0]))
      .update(Buffer.from(proof.leaf, 'utf8'))
      .digest();
    if (hash.toString('base64') !== proof.leafHash) return 'leaf text does not hash to leafHash';
    const path = (proof.inclusionProof as string[]).map((node) => Buffer.from(node, 'base64'));
    if (!verifyInclusionPerRfc(Buffer.from(proof.leafHash, 'base64'), proof.leafIndex, header.treeSize, path, rootHash)) return 'inclusion proof';
    const leaf = JSON.parse(proof.leaf);
    // A recording's chunk is named `<recording id>:<seq>`; every other record by its id.
    const id = leaf.row.id ?? `${leaf.row.recording_id}:${leaf.row.seq}`;
    return leaf.kind !== proof.leafKind || id !== proof.recordId ? 'leaf is of another record' : null;
  };
  for (const line of rest.filter((candidate) => candidate.type !== 'end')) {
    const failure = proofFailure(line);
    if (failure) fail(line, failure);
    const leaf = JSON.parse(line.leaf);
    if (line.type === 'item' && (leaf.kind !== line.kind || leaf.row.id !== line.id)) fail(line, 'leaf is not the item');
    if (line.type === 'note' && leaf.row.body !== line.body) fail(line, 'note text differs from its leaf');
    if (line.type === 'chunk' && (leaf.row.recording_id !== line.recordingId || leaf.row.seq !== line.seq)) fail(line, 'leaf is not the chunk');
    if (line.type !== 'item') continue;
    const attachment = line.attachment ? proofFailure(line.attachment) : 'no attachment proof';
    if (attachment) fail(line, `attachment: ${attachment}`);
    const attached = line.attachment ? JSON.parse(line.attachment.leaf).row : {};
    if (attached.case_id !== header.case.id || attached.item_id !== line.id || attached.note !== line.note) fail(line, 'attachment differs from the line');
  }
  const count = (type: string) => rest.filter((line) => line.type === type).length;
  if (end && (end.items !== count('item') || end.chunks !== count('chunk') || end.notes !== count('note'))) fail(end, 'counts');
  return failures;
}

const verifierKey = async (token: string): Promise<string> => (await ok(`{ logVerifierKeys }`, token)).logVerifierKeys[0];

describe('a case’s bundle', () => {
  it('verifies offline, line by line, with the public key alone, and holds the records as the API shows them', async () => {
    const bundle = await download(caseId, f.admin.token);
    expect(bundle.status).toBe(200);
    expect(bundle.type).toContain('application/x-ndjson');
    const vkey = await verifierKey(f.admin.token);
    expect(verifyBundle(bundle.text, vkey)).toEqual([]);

    const lines = bundle.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => [line.type, line.kind ?? line.leafKind ?? null, line.id ?? null])).toEqual([
      ['header', null, null],
      ['case', 'case', null],
      ['item', 'command', f.aliceCommandId],
      ['item', 'command', f.ivyCommandId],
      ['item', 'audit_entry', auditEntryId],
      ['item', 'terminal_recording', recordingId],
      ['chunk', 'recording_chunk', null],
      ['chunk', 'recording_chunk', null],
      ['note', 'case_note', noteId],
      ['end', null, null],
    ]);
    expect(lines[0]).toMatchObject({ case: { id: caseId, title: 'Shadow file read', severity: 'critical', status: 'open' }, verifierKey: vkey });
    const command = (await ok(`{ command(id: "${f.aliceCommandId}") { line operator { id } } }`, f.admin.token)).command;
    const row = JSON.parse(lines[2].leaf).row;
    expect({ line: row.line, operator: row.operator_user_id }).toEqual({ line: command.line, operator: command.operator.id });
    expect(lines[2].note).toBe('the read itself');
    expect(lines.filter((line) => line.type === 'chunk').map((line) => [line.recordId, JSON.parse(line.leaf).row.seq])).toEqual([
      [`${recordingId}:0`, 0],
      [`${recordingId}:1`, 1],
    ]);

    // The export is itself in the case's trail.
    const trail = await ok(`{ case(id: "${caseId}") { auditTrail(first: 1) { nodes { action after } } } }`, f.admin.token);
    expect(trail.case.auditTrail.nodes[0]).toMatchObject({ action: 'audit.exported', after: { format: 'vigil-case-bundle', items: 4, chunks: 2, notes: 1 } });
  });

  it('fails verification naming the item when a line is changed: the command text, a proof hash, both leaf and hash, or why it was attached', async () => {
    const { text } = await download(caseId, f.admin.token);
    const vkey = await verifierKey(f.admin.token);
    const lines = text.trimEnd().split('\n');
    const at = lines.findIndex((line) => line.includes(f.aliceCommandId) && line.includes('"type":"item"'));
    const changed = (edit: (line: Record<string, any>) => void) => {
      const copy = [...lines];
      const line = JSON.parse(copy[at]!);
      edit(line);
      copy[at] = JSON.stringify(line);
      return copy.join('\n');
    };

    const relined = changed((line) => (line.leaf = line.leaf.replace('cat /etc/shadow', 'ls /tmp')));
    expect(verifyBundle(relined, vkey)).toEqual([{ type: 'item', id: f.aliceCommandId, reason: 'leaf text does not hash to leafHash' }]);

    const reproved = changed((line) => {
      const first = Buffer.from(line.inclusionProof[0], 'base64');
      first[0]! ^= 1;
      line.inclusionProof[0] = first.toString('base64');
    });
    expect(verifyBundle(reproved, vkey)).toEqual([{ type: 'item', id: f.aliceCommandId, reason: 'inclusion proof' }]);

    const rehashed = changed((line) => {
      line.leaf = line.leaf.replace('cat /etc/shadow', 'ls /tmp');
      line.leafHash = createHash('sha256')
        .update(Buffer.from([0]))
        .update(line.leaf)
        .digest('base64');
    });
    expect(verifyBundle(rehashed, vkey)).toEqual([{ type: 'item', id: f.aliceCommandId, reason: 'inclusion proof' }]);

    const other = await verifierKey(f.other.admin.token);
    const stranger = other.replace(/^[^+]+/, 'stranger.example');
    expect(verifyBundle(text, stranger)).toContainEqual({ type: 'header', id: null, reason: 'checkpoint signature' });
    expect(verifyBundle(lines.slice(0, -1).join('\n'), vkey)).toContainEqual({ type: 'header', id: null, reason: 'cut short' });

    const renoted = changed((line) => (line.note = 'found by chance'));
    expect(verifyBundle(renoted, vkey)).toEqual([{ type: 'item', id: f.aliceCommandId, reason: 'attachment differs from the line' }]);
  });

  it('holds only what the exporter may see, and is refused or not found for anyone else', async () => {
    const una: TestUser = await t.createUser(f.admin.tenantId, {
      email: 'una@bundled.test',
      permissions: ['cases.manage', 'audit_logs.view', 'audit_logs.export'],
    });
    const seen = await download(caseId, una.token);
    expect(seen.status).toBe(200);
    const vkey = await verifierKey(una.token);
    expect(verifyBundle(seen.text, vkey)).toEqual([]);
    const items = seen.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((line) => line.type === 'item');
    // Una sees the audit log but not other people's commands.
    expect(items.map((line) => line.id)).toEqual([auditEntryId]);
    expect(seen.text).not.toContain('cat /etc/shadow');

    const refused = await download(caseId, f.ivy.token);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text).errors[0].extensions.code).toBe('FORBIDDEN');
    const elsewhere = await download(caseId, f.other.admin.token);
    expect(elsewhere.status).toBe(404);
    expect(JSON.parse(elsewhere.text).errors[0].extensions.code).toBe('NOT_FOUND');
    expect((await download('not-an-id', f.admin.token)).status).toBe(400);
  });
});
