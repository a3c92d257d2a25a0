/**
 * GET /export/audit.csv: the audit log as RFC 4180 CSV, with the `auditLog` query's filters, up to
 * a checkpoint signed for the export (in the response headers), safe to open in a spreadsheet,
 * and only for holders of AUDIT_LOGS_EXPORT.
 */
import { errorCodes } from '../support/graphql-client.js';
import { createPublicKey, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointPayload } from '../../server/audit/checkpoint-payload.js';
import { ManualClock } from '../../server/clock.js';
import { exportError, fetchExport, parseCsv } from '../support/export-client.js';
import type { GraphQLResponse } from '../support/graphql-client.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
let clock: ManualClock;
let auditor: TestUser;
let exporterOnly: TestUser;
let viewer: TestUser;
const startedAt = new Date('2026-11-20T10:00:00.000Z');

const FORMULA_NAMES = [`=cmd|' /C calc'!A0`, '@SUM(1+1)', '+1+2', '-2+3'];

const AUDIT_LOG = `query($filter: AuditLogFilterInput, $after: String) {
  auditLog(first: 500, after: $after, filter: $filter) { nodes { seq } pageInfo { hasNextPage endCursor } }
}`;

/** Every seq the auditLog query returns for `filter`, up to `throughSeq`, ascending. */
async function auditLogSeqs(filter: Record<string, unknown>, throughSeq: number): Promise<number[]> {
  const seqs: number[] = [];
  let after: string | null = null;
  do {
    const response: GraphQLResponse<any> = await t.gql(AUDIT_LOG, t.admin.token, { filter, after });
    expect(response.errors).toBeUndefined();
    seqs.push(...response.data!.auditLog.nodes.map((node: { seq: number }) => node.seq));
    after = response.data!.auditLog.pageInfo.hasNextPage ? response.data!.auditLog.pageInfo.endCursor : null;
  } while (after);
  return seqs.filter((seq) => seq <= throughSeq).sort((a, b) => a - b);
}

beforeAll(async () => {
  clock = new ManualClock(startedAt);
  t = await startTestVigil({ clock });
  const tenantId = t.admin.tenantId;
  auditor = await t.createUser(tenantId, { email: 'auditor@example.test', permissions: ['audit_logs.export', 'audit_logs.view'] });
  exporterOnly = await t.createUser(tenantId, { email: 'exporter@example.test', permissions: ['audit_logs.export'] });
  viewer = await t.createUser(tenantId, { email: 'viewer@example.test', permissions: ['audit_logs.view'] });
  for (const [index, name] of FORMULA_NAMES.entries()) {
    clock.advance(60_000);
    const created = await t.gql(
      `mutation($in: CreateUserTokenInput!) { createUserToken(input: $in) { apiToken { id } } }`,
      index % 2 ? t.admin.token : viewer.token,
      {
        in: { name },
      },
    );
    expect(created.errors).toBeUndefined();
  }
  clock.advance(60_000);
  const user = await t.gql(`mutation { createUser(input: { email: "dev@example.test", name: "Dev, \\"the\\" one" }) { id } }`, t.admin.token);
  expect(user.errors).toBeUndefined();
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('the audit CSV', () => {
  it('holds exactly the entries the auditLog query returns for the same filter, oldest first', async () => {
    const cases: { query: string; filter: Record<string, unknown> }[] = [
      { query: '', filter: {} },
      { query: '?action=token.created', filter: { action: ['token.created'] } },
      { query: '?action=token.created,user.created', filter: { action: ['token.created', 'user.created'] } },
      { query: '?action=token.created&action=user.created', filter: { action: ['token.created', 'user.created'] } },
      { query: `?actorId=${viewer.id}`, filter: { actorId: viewer.id } },
      { query: '?actorType=USER&resourceType=api_token', filter: { actorType: 'USER', resourceType: 'api_token' } },
      {
        query: `?from=${encodeURIComponent(new Date(startedAt.getTime() + 150_000).toISOString())}&to=2026-11-20T10:04:30Z`,
        filter: { from: new Date(startedAt.getTime() + 150_000).toISOString(), to: '2026-11-20T10:04:30Z' },
      },
      { query: '?keyword=calc', filter: { keyword: 'calc' } },
    ];
    for (const { query, filter } of cases) {
      const response = await fetchExport(t, `/export/audit.csv${query}`, auditor.token);
      expect(response.status, query).toBe(200);
      const checkpointSeq = Number(response.headers.get('x-vigil-checkpoint-seq'));
      const exported = parseCsv(response.text).map((row) => Number(row.seq));
      const expected = await auditLogSeqs(filter, checkpointSeq);
      expect(expected.length, query).toBeGreaterThan(0);
      expect(exported, query).toEqual(expected);
    }
  });

  it('has the documented columns, JSON snapshots and RFC 4180 quoting', async () => {
    const response = await fetchExport(t, '/export/audit.csv?action=user.created&resourceId=', auditor.token);
    expect(response.status).toBe(200);
    expect(response.text.split('\r\n')[0]).toBe(
      'seq,id,occurred_at,actor_type,actor_id,actor_email,action,resource_type,resource_id,resource_name,before,after,client_ip,user_agent,request_id,prev_hash,hash',
    );
    const dev = parseCsv(response.text).find((row) => row.resource_name === 'dev@example.test')!;
    expect(dev).toMatchObject({ action: 'user.created', actor_type: 'user', actor_id: t.admin.id, actor_email: t.admin.email, before: '' });
    expect(JSON.parse(dev.after!)).toMatchObject({ email: 'dev@example.test', name: 'Dev, "the" one', role: 'user' });
    expect(dev.occurred_at).toBe(new Date(startedAt.getTime() + 5 * 60_000).toISOString());
    expect(dev.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('puts a quote before a cell a spreadsheet would run as a formula', async () => {
    const response = await fetchExport(t, '/export/audit.csv?action=token.created', auditor.token);
    const names = parseCsv(response.text).map((row) => row.resource_name);
    expect(names.slice(-FORMULA_NAMES.length)).toEqual(FORMULA_NAMES.map((name) => `'${name}`));
    expect(names).toContain('first-run admin token');
    expect(response.text).toContain(`'=cmd|' /C calc'!A0`);
  });

  it('is a UTF-8 CSV attachment named for the tenant and time, with the signed checkpoint that covers it', async () => {
    const response = await fetchExport(t, '/export/audit.csv', auditor.token);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="vigil-audit-default-${'20261120-100500'}.csv"`);
    const checkpoint = {
      tenantId: t.admin.tenantId,
      seq: Number(response.headers.get('x-vigil-checkpoint-seq')),
      headHash: response.headers.get('x-vigil-checkpoint-hash')!,
      signedAt: new Date(response.headers.get('x-vigil-checkpoint-signed-at')!),
    };
    const rows = parseCsv(response.text);
    expect(Number(rows.at(-1)!.seq)).toBe(checkpoint.seq);
    expect(rows.at(-1)!.hash).toBe(checkpoint.headHash);
    const keys = await t.gql(`{ auditSigningKeys { keyId publicKey } }`, auditor.token);
    const key = keys.data!.auditSigningKeys.find((candidate: { keyId: string }) => candidate.keyId === response.headers.get('x-vigil-checkpoint-key-id'));
    const signature = Buffer.from(response.headers.get('x-vigil-checkpoint-signature')!, 'base64');
    expect(verify(null, Buffer.from(checkpointPayload(checkpoint)), createPublicKey(key.publicKey), signature)).toBe(true);
  });

  it('records the export, with its filter and checkpoint, in the audit log', async () => {
    const response = await fetchExport(t, '/export/audit.csv?action=token.created&keyword=calc', auditor.token);
    const checkpointSeq = Number(response.headers.get('x-vigil-checkpoint-seq'));
    const log = await t.gql(`{ auditLog(first: 1, filter: { action: ["audit.exported"] }) { nodes { seq actorId resourceType after } } }`, t.admin.token);
    expect(log.data!.auditLog.nodes).toEqual([
      {
        seq: checkpointSeq + 1,
        actorId: auditor.id,
        resourceType: 'audit_log',
        after: { format: 'csv', filter: { action: ['token.created'], keyword: 'calc' }, checkpointSeq },
      },
    ]);
  });
});

describe('who may export the audit log', () => {
  it('refuses a request without a token (401) or with a bad one (401)', async () => {
    const anonymous = await fetchExport(t, '/export/audit.csv');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/json/);
    expect(exportError(anonymous).code).toBe('UNAUTHENTICATED');
    const forged = await fetchExport(t, '/export/audit.jsonl', 'vigil_user_nope_nope');
    expect(forged.status).toBe(401);
    expect(exportError(forged).code).toBe('UNAUTHENTICATED');
  });

  it('refuses a user without AUDIT_LOGS_EXPORT (403), even one who may view the log', async () => {
    for (const format of ['csv', 'jsonl']) {
      const response = await fetchExport(t, `/export/audit.${format}`, viewer.token);
      expect(response.status).toBe(403);
      expect(exportError(response)).toMatchObject({ code: 'FORBIDDEN', requiredPermission: 'audit_logs.export' });
    }
  });

  it('refuses AUDIT_LOGS_EXPORT alone for the audit log and the verifiable log (403): what the queries refuse, no file shows', async () => {
    expect(errorCodes(await t.gql('{ auditLog(first: 1) { nodes { id } } }', exporterOnly.token))).toEqual(['FORBIDDEN']);
    for (const path of ['/export/audit.csv', '/export/audit.jsonl', '/export/log.jsonl']) {
      const response = await fetchExport(t, path, exporterOnly.token);
      expect(response.status, path).toBe(403);
      expect(exportError(response)).toMatchObject({ code: 'FORBIDDEN', requiredPermission: 'audit_logs.view' });
    }
    // Record exports stay theirs, scoped as their queries are.
    expect((await fetchExport(t, '/export/commands.csv', exporterOnly.token)).status).toBe(200);
  });

  it('lets a regular user granted AUDIT_LOGS_EXPORT export (200)', async () => {
    const granted = await t.gql(`mutation($id: ID!) { grantPermissions(userId: $id, permissions: [AUDIT_LOGS_EXPORT]) { id } }`, t.admin.token, {
      id: viewer.id,
    });
    expect(granted.errors).toBeUndefined();
    const response = await fetchExport(t, '/export/audit.csv', viewer.token);
    expect(response.status).toBe(200);
    expect(parseCsv(response.text).length).toBeGreaterThan(5);
  });

  it('answers HEAD with 405, exporting nothing', async () => {
    const before = await t.gql(`{ latestAuditCheckpoint { seq signedAt } }`, t.admin.token);
    const response = await fetch(`${t.vigil.baseUrl}/export/audit.csv`, { method: 'HEAD', headers: { authorization: `Bearer ${auditor.token}` } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
    const after = await t.gql(`{ latestAuditCheckpoint { seq signedAt } }`, t.admin.token);
    expect(after.data).toEqual(before.data);
  });

  it('answers 400 naming the parameter for a bad value or an unknown parameter', async () => {
    const cases: [string, string][] = [
      ['from=yesterday', 'from'],
      ['to=2026-13-45T00:00:00Z', 'to'],
      ['from=2026-11-20T10:00:00', 'from'],
      ['actorType=robot', 'actorType'],
      ['keyword=a&keyword=b', 'keyword'],
      ['acton=user.created', 'acton'],
    ];
    for (const [query, field] of cases) {
      const response = await fetchExport(t, `/export/audit.csv?${query}`, auditor.token);
      expect(response.status, query).toBe(400);
      expect(exportError(response), query).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
  });
});
