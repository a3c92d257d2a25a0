import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;
beforeAll(async () => {
  t = await startTestVigil();
});
afterAll(async () => t?.close());

describe('health and readiness', () => {
  it('answers /healthz and /readyz with 200 when the database is migrated', async () => {
    const health = await fetch(`${t.vigil.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${t.vigil.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', database: 'ok', pendingMigrations: 0 });
  });
});

describe('malformed requests', () => {
  it('answers a malformed JSON body with 400 and a clear message', async () => {
    const response = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
    expect(body.errors[0]!.message).toMatch(/^Malformed JSON body/);
    expect(JSON.stringify(body)).not.toContain('at ');
  });

  it('answers an oversized body with 413', async () => {
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ me { email } } # ${'x'.repeat(3 * 1024 * 1024)}` }),
    });
    expect(response.status).toBe(413);
  });

  it('answers a syntax error with GRAPHQL_PARSE_FAILED and no stack trace', async () => {
    const response = await t.gql('{ me { email ', t.admin.token);
    expect(response.status).toBe(400);
    expect(response.errors![0]!.extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(response.errors![0]!.extensions.stacktrace).toBeUndefined();
  });

  it('answers unknown paths with a JSON 404', async () => {
    const response = await fetch(`${t.vigil.baseUrl}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'Not found' });
  });
});

describe('request ids', () => {
  it('echoes a sane X-Request-Id and makes one up otherwise', async () => {
    const given = await fetch(`${t.vigil.baseUrl}/healthz`, { headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-123');
    const made = await fetch(`${t.vigil.baseUrl}/healthz`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('metrics', () => {
  it('exposes HTTP and GraphQL durations, errors by code and database connections', async () => {
    await t.gql('query WhoAmI { me { email } }', t.admin.token);
    await t.gql('query Anonymous { me { email } }');
    const response = await fetch(`${t.vigil.baseUrl}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/vigil_graphql_operation_duration_seconds_count\{operation="WhoAmI",type="query"\} 1/);
    expect(text).toMatch(/vigil_graphql_errors_total\{code="UNAUTHENTICATED"\} 1/);
    expect(text).toMatch(/vigil_http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(text).toMatch(/vigil_db_connections\{state="open"\} [1-9]/);
  });
});
