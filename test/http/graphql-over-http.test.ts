/**
 * GraphQL over HTTP conformance: the graphql-http audit suite run against Vigil's /graphql with an
 * admin's token. Every MUST item passes; SHOULD items are reported (Apollo decides some of them).
 */
import { auditServer } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

let t: TestVigil;

beforeAll(async () => {
  t = await startTestVigil();
});
afterAll(async () => t?.close());

describe('GraphQL over HTTP', () => {
  it('passes every MUST item of the graphql-http audit suite', async () => {
    const results = await auditServer({
      url: t.url.endsWith('/graphql') ? t.url : `${t.url}/graphql`,
      fetchFn: (input: RequestInfo | URL, init?: RequestInit) =>
        fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${t.admin.token}` } }),
    });
    const failedMust = results
      .filter((result) => result.status === 'error')
      .map((result) => `${result.id} ${result.name}: ${'reason' in result ? result.reason : ''}`);
    const warnings = results.filter((result) => result.status === 'warn').map((result) => `${result.id} ${result.name}`);
    process.stdout.write(
      `graphql-http audit: ${results.length - failedMust.length - warnings.length} ok, ${warnings.length} SHOULD not met:\n  ${warnings.join('\n  ')}\n`,
    );
    expect(failedMust).toEqual([]);
  });
});
