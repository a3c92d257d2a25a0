/**
 * GET /export/approvals.csv: the approval history for a quarter's review, with every decision,
 * its reviewer, channel and justification; the same rows and scope as the `approvals` list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportError, fetchExport, parseCsv } from '../support/export-client.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';
import { buildApprovalsFixture, decideAs, requestAccessAs, type ApprovalsFixture } from '../support/approvals-fixture.js';

let t: TestVigil;
let f: ApprovalsFixture;
/** A regular user allowed to export: sees only their own requests. */
let frank: TestUser;
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestVigil();
  f = await buildApprovalsFixture(t);
  frank = await t.createUser(t.admin.tenantId, { email: 'frank@example.test', permissions: ['audit_logs.export'] });
  ids.approved = (await requestAccessAs(t, f.alice, { servers: ['web-01', 'db-01'], reason: 'quarterly patching' })).data!.requestAccess.id;
  await decideAs(t, f.bob, ids.approved!, 'APPROVE', 'patch window agreed');
  ids.denied = (await requestAccessAs(t, f.dave, { servers: ['db-01'], reason: 'look around' })).data!.requestAccess.id;
  await decideAs(t, f.carol, ids.denied!, 'DENY', 'no ticket');
  ids.franks = (await requestAccessAs(t, frank, { servers: ['dev-01'], reason: 'debug' })).data!.requestAccess.id;
});
afterAll(() => t?.close());

describe('approvals export', () => {
  it('gives admins the whole history with reviewers, channels and justifications', async () => {
    const response = await fetchExport(t, '/export/approvals.csv', t.admin.token);
    expect(response.status).toBe(200);
    const rows = parseCsv(response.text);
    expect(rows.map((row) => row.id).sort()).toEqual(Object.values(ids).sort());
    const approved = rows.find((row) => row.id === ids.approved)!;
    expect(approved).toMatchObject({
      kind: 'access',
      status: 'approved',
      reason: 'quarterly patching',
      requester_email: f.alice.email,
      closed_by_email: f.bob.email,
    });
    expect(approved.server_names!.split(', ').sort()).toEqual(['db-01', 'web-01']);
    expect(approved.decisions).toMatch(new RegExp(`^approved by ${f.bob.email} via api at \\S+: patch window agreed$`));
    expect(approved.access_session_id).not.toBe('');
    const denied = rows.find((row) => row.id === ids.denied)!;
    expect(denied.decisions).toContain(`denied by ${f.carol.email} via api`);
    expect(denied.decisions).toContain('no ticket');
  });

  it('filters as the list does', async () => {
    const rows = parseCsv((await fetchExport(t, '/export/approvals.csv?status=denied', t.admin.token)).text);
    expect(rows.map((row) => row.id)).toEqual([ids.denied]);
    const reviewed = parseCsv((await fetchExport(t, `/export/approvals.csv?reviewerId=${f.bob.id}`, t.admin.token)).text);
    expect(reviewed.map((row) => row.id)).toEqual([ids.approved]);
    const bad = await fetchExport(t, '/export/approvals.csv?status=maybe', t.admin.token);
    expect(bad.status).toBe(400);
    expect(exportError(bad)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'status' });
  });

  it('gives a regular user only their own requests', async () => {
    const rows = parseCsv((await fetchExport(t, '/export/approvals.csv', frank.token)).text);
    expect(rows.map((row) => row.id)).toEqual([ids.franks]);
  });
});
