/**
 * Incident cases: investigators open a case, work it through its statuses, attach what they can
 * see of the record with why, and write notes. A case never shows or confirms a record its reader
 * may not see, notes are append-only, and every change is a leaf of the verifiable log explained
 * by its audit entry.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asIntruder } from '../support/log-tamper.js';
import { ATTACH, buildCasesFixture, CREATE_CASE, type CasesFixture } from '../support/cases-fixture.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let f: CasesFixture;

beforeAll(async () => {
  t = await startTestVigil();
  f = await buildCasesFixture(t, 'acme');
});
afterAll(async () => t?.close());

async function ok<T = any>(query: string, token: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await t.gql<any>(query, token, variables);
  expect(response.errors, query).toBeUndefined();
  return response.data as T;
}

/** The first error of a request that must fail: its code, field and message. */
async function refused(query: string, token: string, variables?: Record<string, unknown>) {
  const response = await t.gql<any>(query, token, variables);
  expect(response.errors, query).toBeDefined();
  const [error] = response.errors!;
  return { code: error!.extensions.code, field: error!.extensions.field, message: error!.message };
}

async function openCase(token: string, title = 'Shadow file read on web'): Promise<string> {
  return (await ok(CREATE_CASE, token, { input: { title, severity: 'HIGH' } })).createCase.id;
}

const UPDATE = `mutation Update($id: ID!, $input: UpdateCaseInput!) { updateCase(id: $id, input: $input) { status closedAt title severity } }`;
const ASSIGN = `mutation Assign($id: ID!, $userId: ID) { assignCase(id: $id, userId: $userId) { assignee { email } } }`;
const DETACH = `mutation Detach($caseId: ID!, $kind: CaseItemKind!, $id: ID!) { detachFromCase(caseId: $caseId, kind: $kind, id: $id) { removedAt removedBy { email } } }`;
const NOTE = `mutation Note($caseId: ID!, $body: String!) { addCaseNote(caseId: $caseId, body: $body) { id body author { email } } }`;
const ITEMS = `query Items($id: ID!, $all: Boolean) { case(id: $id) {
  items(includeRemoved: $all) { kind itemId note removedAt record { __typename ... on Command { id line result } ... on AuditEntry { id action } } } } }`;

describe('a case’s lifecycle', () => {
  it('is opened, worked, assigned, closed, and reopened by an admin only, each step in its audit trail', async () => {
    const created = (await ok(CREATE_CASE, f.ivy.token, { input: { title: '  Shadow file read  ', severity: 'HIGH' } })).createCase;
    expect(created).toMatchObject({ title: 'Shadow file read', status: 'OPEN', severity: 'HIGH', createdBy: { email: f.ivy.email } });
    const id = created.id;

    expect((await ok(UPDATE, f.ivy.token, { id, input: { status: 'INVESTIGATING', severity: 'CRITICAL' } })).updateCase).toMatchObject({
      status: 'INVESTIGATING',
      severity: 'CRITICAL',
      closedAt: null,
    });
    expect((await ok(ASSIGN, f.ivy.token, { id, userId: f.ivy.id })).assignCase.assignee.email).toBe(f.ivy.email);

    const mine = await ok(`{ cases(filter: { assigneeUserId: "${f.ivy.id}", status: [INVESTIGATING] }) { nodes { id } } }`, f.ivy.token);
    expect(mine.cases.nodes).toEqual([{ id }]);
    expect((await ok(`{ cases(filter: { severity: [LOW] }) { nodes { id } } }`, f.ivy.token)).cases.nodes).toEqual([]);

    const closed = (await ok(UPDATE, f.ivy.token, { id, input: { status: 'CLOSED' } })).updateCase;
    expect(closed.status).toBe('CLOSED');
    expect(Date.parse(closed.closedAt)).not.toBeNaN();

    // Closed is final: no change, no reopening by a non-admin, no reopening straight to resolved.
    expect(await refused(UPDATE, f.ivy.token, { id, input: { title: 'renamed' } })).toMatchObject({ code: 'CONFLICT', field: 'input.status' });
    expect(await refused(UPDATE, f.ivy.token, { id, input: { status: 'OPEN' } })).toMatchObject({ code: 'FORBIDDEN', field: 'input.status' });
    expect(await refused(UPDATE, f.admin.token, { id, input: { status: 'RESOLVED' } })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.status' });
    expect(await refused(NOTE, f.ivy.token, { caseId: id, body: 'more' })).toMatchObject({ code: 'CONFLICT', field: 'caseId' });
    expect(await refused(ASSIGN, f.admin.token, { id, userId: null })).toMatchObject({ code: 'CONFLICT', field: 'caseId' });

    expect((await ok(UPDATE, f.admin.token, { id, input: { status: 'INVESTIGATING' } })).updateCase).toMatchObject({
      status: 'INVESTIGATING',
      closedAt: null,
    });

    const trail = await ok(`{ case(id: "${id}") { auditTrail(first: 20) { nodes { action actorEmail before after } } } }`, f.ivy.token);
    expect(trail.case.auditTrail.nodes.map((entry: { action: string }) => entry.action)).toEqual([
      'case.reopened',
      'case.updated',
      'case.assigned',
      'case.updated',
      'case.created',
    ]);
    expect(trail.case.auditTrail.nodes[0]).toMatchObject({ actorEmail: f.admin.email, before: { status: 'closed' }, after: { status: 'investigating' } });
  });

  it('refuses bad input with the code and the field at fault', async () => {
    expect(await refused(CREATE_CASE, f.ivy.token, { input: { title: '   ' } })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.title' });
    expect(await refused(CREATE_CASE, f.ivy.token, { input: { title: 'x'.repeat(201) } })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.title' });
    const id = await openCase(f.ivy.token);
    expect(await refused(ASSIGN, f.ivy.token, { id, userId: f.alice.id })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'userId' });
    expect(await refused(ASSIGN, f.ivy.token, { id, userId: f.other.admin.id })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'userId' });
    expect(await refused(ASSIGN, f.ivy.token, { id, userId: 'nobody' })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'userId' });
    expect(await refused(`{ case(id: "not-an-id") { id } }`, f.ivy.token)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    expect(await refused(ATTACH, f.ivy.token, { caseId: id, kind: 'COMMAND', id: 'x' })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    expect(await refused(ATTACH, f.ivy.token, { caseId: id, kind: 'COMMAND', id: f.ivyCommandId, note: 'n'.repeat(2001) })).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'note',
    });
    expect(await refused(NOTE, f.ivy.token, { caseId: id, body: ' ' })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'body' });
  });

  it('is for holders of CASES_MANAGE (and admins): anyone else is refused, and another tenant’s case is not found', async () => {
    const id = await openCase(f.ivy.token);
    expect(await refused(`{ cases { nodes { id } } }`, f.alice.token)).toMatchObject({ code: 'FORBIDDEN' });
    expect(await refused(`{ case(id: "${id}") { id } }`, f.alice.token)).toMatchObject({ code: 'FORBIDDEN' });
    expect(await refused(CREATE_CASE, f.alice.token, { input: { title: 't' } })).toMatchObject({ code: 'FORBIDDEN' });
    expect(await refused(`{ case(id: "${id}") { id } }`, f.other.admin.token)).toMatchObject({ code: 'NOT_FOUND' });
    expect(await refused(NOTE, f.other.admin.token, { caseId: id, body: 'hello' })).toMatchObject({ code: 'NOT_FOUND' });
    expect((await ok(`{ cases { nodes { id } } }`, f.other.admin.token)).cases.nodes).toEqual([]);
  });
});

describe('attaching records', () => {
  it('attaches what the investigator can see, with why; another user’s or tenant’s row is NOT_FOUND, as a missing one', async () => {
    const id = await openCase(f.ivy.token);
    const attached = (await ok(ATTACH, f.ivy.token, { caseId: id, kind: 'COMMAND', id: f.ivyCommandId, note: 'the login trail' })).attachToCase;
    expect(attached).toMatchObject({
      kind: 'COMMAND',
      itemId: f.ivyCommandId,
      note: 'the login trail',
      addedBy: { email: f.ivy.email },
      record: { __typename: 'Command', id: f.ivyCommandId, line: 'journalctl -u sshd --since today' },
    });

    const missing = '01930000-0000-7000-8000-000000000000';
    const unseen = await refused(ATTACH, f.ivy.token, { caseId: id, kind: 'COMMAND', id: f.aliceCommandId });
    expect(unseen).toMatchObject({ code: 'NOT_FOUND' });
    expect(unseen.message).toBe((await refused(ATTACH, f.ivy.token, { caseId: id, kind: 'COMMAND', id: missing })).message.replace(missing, f.aliceCommandId));
    // Audit entries need AUDIT_LOGS_VIEW, which the investigator does not hold.
    const [entry] = (await ok(`{ auditLog(first: 1) { nodes { id } } }`, f.admin.token)).auditLog.nodes;
    expect(await refused(ATTACH, f.ivy.token, { caseId: id, kind: 'AUDIT_ENTRY', id: entry.id })).toMatchObject({ code: 'NOT_FOUND' });
    // An admin sees the whole tenant, and no other.
    expect(await refused(ATTACH, f.admin.token, { caseId: id, kind: 'COMMAND', id: f.other.commandId })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await refused(ATTACH, f.ivy.token, { caseId: id, kind: 'COMMAND', id: f.ivyCommandId })).toMatchObject({ code: 'CONFLICT', field: 'id' });

    const items = await ok(ITEMS, f.ivy.token, { id });
    expect(items.case.items).toEqual([
      {
        kind: 'COMMAND',
        itemId: f.ivyCommandId,
        note: 'the login trail',
        removedAt: null,
        record: { __typename: 'Command', id: f.ivyCommandId, line: 'journalctl -u sshd --since today', result: null },
      },
    ]);
  });

  it('detaches without forgetting: the attachment stays with removedAt, and attaching again brings it back', async () => {
    const id = await openCase(f.ivy.token);
    await ok(ATTACH, f.ivy.token, { caseId: id, kind: 'COMMAND', id: f.ivyCommandId, note: 'first look' });
    const detached = (await ok(DETACH, f.ivy.token, { caseId: id, kind: 'COMMAND', id: f.ivyCommandId })).detachFromCase;
    expect(detached.removedBy.email).toBe(f.ivy.email);
    expect(Date.parse(detached.removedAt)).not.toBeNaN();
    expect(await refused(DETACH, f.ivy.token, { caseId: id, kind: 'COMMAND', id: f.ivyCommandId })).toMatchObject({ code: 'NOT_FOUND' });

    expect((await ok(ITEMS, f.ivy.token, { id })).case.items).toEqual([]);
    expect((await ok(ITEMS, f.ivy.token, { id, all: true })).case.items).toEqual([expect.objectContaining({ itemId: f.ivyCommandId, note: 'first look' })]);

    await ok(ATTACH, f.ivy.token, { caseId: id, kind: 'COMMAND', id: f.ivyCommandId, note: 'relevant after all' });
    expect((await ok(ITEMS, f.ivy.token, { id })).case.items).toEqual([expect.objectContaining({ note: 'relevant after all', removedAt: null })]);
  });

  it('shows each reader only the items they may see now, across a page of cases in one request', async () => {
    const id = await openCase(f.admin.token, 'Mixed evidence');
    const [entry] = (await ok(`{ auditLog(first: 1, filter: { action: ["case.created"] }) { nodes { id action } } }`, f.admin.token)).auditLog.nodes;
    await ok(ATTACH, f.admin.token, { caseId: id, kind: 'COMMAND', id: f.aliceCommandId, note: 'read the shadow file' });
    await ok(ATTACH, f.admin.token, { caseId: id, kind: 'COMMAND', id: f.ivyCommandId });
    await ok(ATTACH, f.admin.token, { caseId: id, kind: 'AUDIT_ENTRY', id: entry.id });

    const byAdmin = (await ok(ITEMS, f.admin.token, { id })).case.items;
    expect(byAdmin.map((item: any) => item.record)).toEqual([
      { __typename: 'Command', id: f.aliceCommandId, line: 'cat /etc/shadow', result: null },
      { __typename: 'Command', id: f.ivyCommandId, line: 'journalctl -u sshd --since today', result: null },
      { __typename: 'AuditEntry', id: entry.id, action: 'case.created' },
    ]);
    const byIvy = (await ok(ITEMS, f.ivy.token, { id })).case.items;
    expect(byIvy.map((item: any) => item.itemId)).toEqual([f.ivyCommandId]);

    // The whole list with its items: every case's items, each scoped, in one request.
    const page = await ok(`{ cases(first: 50) { nodes { id items { itemId } } } }`, f.ivy.token);
    const mixed = page.cases.nodes.find((node: { id: string }) => node.id === id);
    expect(mixed.items).toEqual([{ itemId: f.ivyCommandId }]);
    expect(page.cases.nodes.flatMap((node: any) => node.items.map((item: any) => item.itemId))).not.toContain(f.aliceCommandId);
  });
});

describe('notes and the log', () => {
  it('appends notes, oldest first, with no way to edit or delete one', async () => {
    const id = await openCase(f.ivy.token);
    await ok(NOTE, f.ivy.token, { caseId: id, body: 'Alice read /etc/shadow at 09:14.' });
    await ok(NOTE, f.admin.token, { caseId: id, body: 'Confirmed with Alice: not her.' });
    const notes = await ok(`{ case(id: "${id}") { notes { body author { email } } } }`, f.ivy.token);
    expect(notes.case.notes).toEqual([
      { body: 'Alice read /etc/shadow at 09:14.', author: { email: f.ivy.email } },
      { body: 'Confirmed with Alice: not her.', author: { email: f.admin.email } },
    ]);
    const mutations = await ok(`{ __schema { mutationType { fields { name } } } }`, f.ivy.token);
    const names = mutations.__schema.mutationType.fields.map((field: { name: string }) => field.name);
    expect(names).toContain('addCaseNote');
    expect(names.filter((name: string) => /CaseNote/.test(name))).toEqual(['addCaseNote']);
  });

  it('makes every change a leaf explained by its audit entry, and names a note changed around Vigil', async () => {
    const id = await openCase(f.ivy.token, 'Provable case');
    await ok(UPDATE, f.ivy.token, { id, input: { status: 'INVESTIGATING' } });
    await ok(ASSIGN, f.ivy.token, { id, userId: f.ivy.id });
    const item = (await ok(ATTACH, f.ivy.token, { caseId: id, kind: 'COMMAND', id: f.ivyCommandId })).attachToCase;
    await ok(DETACH, f.ivy.token, { caseId: id, kind: 'COMMAND', id: f.ivyCommandId });
    const note = (await ok(NOTE, f.ivy.token, { caseId: id, body: 'written once' })).addCaseNote;

    const leaves = async (recordId: string) =>
      (await ok(`{ logLeaves(recordId: "${recordId}") { index leaf } }`, f.admin.token)).logLeaves.map((leaf: { leaf: string }) => JSON.parse(leaf.leaf));
    const caseLeaves = await leaves(id);
    expect(caseLeaves.map((leaf: any) => [leaf.kind, leaf.row.status, leaf.row.assignee_user_id])).toEqual([
      ['case', 'open', null],
      ['case', 'investigating', null],
      ['case', 'investigating', f.ivy.id],
    ]);
    const itemLeaves = await leaves(item.id);
    expect(itemLeaves.map((leaf: any) => [leaf.kind, leaf.row.item_kind, leaf.row.item_id, leaf.row.removed_by_id])).toEqual([
      ['case_item', 'command', f.ivyCommandId, null],
      ['case_item', 'command', f.ivyCommandId, f.ivy.id],
    ]);
    expect((await leaves(note.id)).map((leaf: any) => [leaf.kind, leaf.row.body])).toEqual([['case_note', 'written once']]);
    // Each part of the case names its current leaf, as every record does (logInclusionProof proves it).
    const positions = await ok(
      `{ case(id: "${id}") { logLeaf { index } items(includeRemoved: true) { logLeaf { index } } notes { logLeaf { index } } } logLeaves(recordId: "${item.id}") { index } }`,
      f.admin.token,
    );
    expect(positions.case.logLeaf.index).toBeGreaterThan(0);
    expect(positions.case.items[0].logLeaf.index).toBe(positions.logLeaves.at(-1).index);
    expect(positions.case.notes[0].logLeaf.index).toBeGreaterThan(positions.case.items[0].logLeaf.index);

    const INTEGRITY = '{ logIntegrity { isIntact faults { kind recordKind recordId } } }';
    expect((await ok(INTEGRITY, f.admin.token)).logIntegrity).toEqual({ isIntact: true, faults: [] });

    await asIntruder(t.vigil.database.db, async (tx) => {
      await tx.execute(sql`update case_notes set body = 'never written' where tenant_id = ${f.admin.tenantId} and id = ${note.id}::uuid`);
    });
    const report = (await ok(INTEGRITY, f.admin.token)).logIntegrity;
    expect(report.isIntact).toBe(false);
    expect(report.faults).toContainEqual({ kind: 'RECORD_MODIFIED', recordKind: 'case_note', recordId: note.id });
  });
});
