/**
 * Abuse limits: each refused before any resolver runs, with an error naming the limit; and rate
 * limits per token and per address with Retry-After.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../server/db/database.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';
import { connectSubscriber } from '../support/subscription-client.js';

async function post(t: TestVigil, body: unknown, token?: string, raw?: string) {
  const response = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: raw ?? JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

/** Statements run by resolvers show up as audit reads; a refused operation must not reach one. */
async function auditReads(t: TestVigil): Promise<number> {
  const [row] = await queryRows<{ count: number }>(
    t.vigil.database.db,
    sql`select count(*)::int as count from audit_entries where action = 'audit.log_viewed'`,
  );
  return row!.count;
}

describe('GraphQL limits (defaults: depth 12, 30 aliases, cost 25,000, batches of 10)', () => {
  let t: TestVigil;
  beforeAll(async () => {
    t = await startTestVigil({ env: { VIGIL_BODY_LIMIT: '64kb' } });
  });
  afterAll(() => t?.close());

  it('refuses a selection deeper than VIGIL_GRAPHQL_MAX_DEPTH, naming the limit, before any resolver runs', async () => {
    // Each round trip command → session → its commands adds three levels.
    let deep = 'id';
    for (let level = 0; level < 5; level += 1) deep = `terminalSession { commands(first: 1) { nodes { ${deep} } } }`;
    deep = `{ commands(first: 1) { nodes { ${deep} } } }`;
    const before = await auditReads(t);
    const refused = await post(t, { query: deep }, t.admin.token);
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'depth', max: 12 });
    expect(refused.body.errors[0].extensions.actual).toBeGreaterThan(12);
    expect(refused.body.errors[0].message).toContain('VIGIL_GRAPHQL_MAX_DEPTH');
    const shallow = await post(t, { query: '{ auditLog(first: 1) { nodes { seq } } }' }, t.admin.token);
    expect(shallow.status).toBe(200);
    expect(await auditReads(t)).toBe(before + 1);
  });

  it('refuses more aliases than VIGIL_GRAPHQL_MAX_ALIASES', async () => {
    const aliases = Array.from({ length: 31 }, (_, index) => `a${index}: me { id }`).join(' ');
    const refused = await post(t, { query: `{ ${aliases} }` }, t.admin.token);
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].extensions).toMatchObject({ limit: 'aliases', max: 30, actual: 31 });
    const within = await post(t, { query: `{ ${Array.from({ length: 30 }, (_, index) => `a${index}: me { id }`).join(' ')} }` }, t.admin.token);
    expect(within.status).toBe(200);
  });

  it('prices lists by their page size, variables included, and refuses an operation over VIGIL_GRAPHQL_MAX_COST', async () => {
    const nested = `query($outer: Int, $inner: Int) { auditLog(first: $outer) { nodes { seq } } users(first: $outer) { nodes { id } } commands(first: $outer) { nodes { terminalSession { commands(first: $inner) { nodes { id line status } } } } } }`;
    const before = await auditReads(t);
    const refused = await post(t, { query: nested, variables: { outer: 500, inner: 500 } }, t.admin.token);
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 'cost', max: 25_000 });
    expect(refused.body.errors[0].extensions.actual).toBeGreaterThan(25_000);
    expect(await auditReads(t)).toBe(before);
    const cheap = await post(t, { query: nested, variables: { outer: 10, inner: 10 } }, t.admin.token);
    expect(cheap.status).toBe(200);
    expect(await auditReads(t)).toBe(before + 1);
  });

  it('runs a batch of up to VIGIL_GRAPHQL_MAX_BATCH operations and refuses a bigger one whole', async () => {
    const one = { query: '{ me { email } }' };
    const batch = await post(
      t,
      Array.from({ length: 10 }, () => one),
      t.admin.token,
    );
    expect(batch.status).toBe(200);
    expect(batch.body).toHaveLength(10);
    expect(batch.body[9].data.me.email).toBe(t.admin.email);
    const tooMany = await post(
      t,
      Array.from({ length: 11 }, () => one),
      t.admin.token,
    );
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0].extensions).toMatchObject({ code: 'BAD_REQUEST', limit: 'batch', max: 10, actual: 11 });
    expect(tooMany.body.errors[0].message).toContain('VIGIL_GRAPHQL_MAX_BATCH');
  });

  it('refuses a batch whose operations each pass the cost limit but exceed it together, before any runs', async () => {
    // Each operation costs about 10,000 (100 commands, each with a page of 100): under the limit alone.
    const heavy = {
      query: 'query($n: Int) { commands(first: $n) { nodes { terminalSession { commands(first: $n) { nodes { id } } } } } }',
      variables: { n: 100 },
    };
    const alone = await post(t, heavy, t.admin.token);
    expect(alone.status).toBe(200);
    const batch = await post(
      t,
      Array.from({ length: 10 }, () => heavy),
      t.admin.token,
    );
    expect(batch.status).toBe(400);
    expect(batch.body.errors[0].extensions).toMatchObject({ code: 'BAD_REQUEST', limit: 'batch_cost', max: 25_000 });
    expect(batch.body.errors[0].extensions.actual).toBeGreaterThan(25_000 * 3);
    expect(batch.body.errors[0].message).toContain('VIGIL_GRAPHQL_MAX_COST');
    // Refused whole: one answer for the request, not one per operation.
    expect(Array.isArray(batch.body)).toBe(false);
  });

  it('refuses a body over VIGIL_BODY_LIMIT with 413 and a message', async () => {
    const huge = await post(t, { query: `{ me { id } }`, variables: { padding: 'x'.repeat(70 * 1024) } }, t.admin.token);
    expect(huge.status).toBe(413);
    expect(huge.body.errors[0].message).toMatch(/larger than the limit/);
  });

  it('applies the same limits to subscriptions over WebSocket', async () => {
    const subscriber = await connectSubscriber(t.url, t.admin.token);
    try {
      const aliases = Array.from({ length: 31 }, (_, index) => `c${index}: __typename`).join(' ');
      await subscriber.subscribe(`subscription { commandChanged { ${aliases} } }`);
      const deadline = Date.now() + 3000;
      while (subscriber.errors.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(subscriber.errors[0]?.message).toContain('VIGIL_GRAPHQL_MAX_ALIASES');
      expect(subscriber.errors[0]?.extensions).toMatchObject({ limit: 'aliases', max: 30, actual: 31 });
    } finally {
      await subscriber.dispose();
    }
  });

  it('refuses text PostgreSQL cannot store and values nested too deep, naming the field, before anything runs', async () => {
    const requests = async () => (await queryRows<{ count: number }>(t.vigil.database.db, sql`select count(*)::int as count from approvals`))[0]!.count;
    const before = await requests();
    const nul = await post(
      t,
      {
        query: 'mutation($r: String!) { requestAccess(input: { servers: ["web-01"], durationMinutes: 60, reason: $r }) { id } }',
        variables: { r: 'a\u0000b' },
      },
      t.admin.token,
    );
    expect(nul.status).toBe(400);
    expect(nul.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'r' });
    expect(await requests()).toBe(before);
    const surrogate = await post(
      t,
      { query: 'query($k: String) { auditLog(filter: { keyword: $k }) { nodes { seq } } }', variables: { k: 'x\ud800y' } },
      t.admin.token,
    );
    expect(surrogate.status).toBe(400);
    expect(surrogate.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'k' });
    // Written inline, GraphQL's own parser refuses the lone surrogate.
    const inline = await post(t, { query: '{ auditLog(filter: { keyword: "x\\ud800y" }) { nodes { seq } } }' }, t.admin.token);
    expect(inline.status).toBe(400);
    expect(inline.body.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    let deep: unknown = 'x';
    for (let level = 0; level < 70; level += 1) deep = { a: deep };
    const nested = await post(
      t,
      {
        query: 'mutation($e: [ActivityReportInput!]!) { reportActivity(entries: $e) }',
        variables: { e: [{ action: 'ACCESS_SESSION_ENDED', occurredAt: new Date().toISOString(), result: 200, details: deep }] },
      },
      t.admin.token,
    );
    expect(nested.status).toBe(400);
    expect(nested.body.errors[0].message).toMatch(/nested at most 64 levels/);
  });

  it('refuses a subscription sent over HTTP, and a cursor whose values were edited', async () => {
    const subscription = await post(t, { query: 'subscription { approvalRequested { id } }' }, t.admin.token);
    expect(subscription.status).toBe(400);
    expect(subscription.body.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(subscription.body.errors[0].message).toMatch(/WebSocket/);
    const edited = Buffer.from(JSON.stringify(['not-a-uuid'])).toString('base64url');
    const cursor = await post(t, { query: `{ users(after: "${edited}") { nodes { id } } }` }, t.admin.token);
    expect(cursor.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('keeps Apollo’s CSRF prevention: a simple cross-site GET with a query is refused', async () => {
    const response = await fetch(`${t.url}?query=${encodeURIComponent('{ me { id } }')}`, { headers: { authorization: `Bearer ${t.admin.token}` } });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/CSRF|preflight/i);
  });
});

describe('rate limits', () => {
  let t: TestVigil;
  beforeAll(async () => {
    t = await startTestVigil({ env: { VIGIL_RATE_LIMIT_PER_TOKEN: '5', VIGIL_RATE_LIMIT_PER_IP: '8' } });
  });
  afterAll(() => t?.close());

  it('answers 429 with Retry-After and a TOO_MANY_REQUESTS error past the limit per token, and counts again the next minute', async () => {
    const user = await t.createUser(t.admin.tenantId, { email: 'rate@example.test' });
    const answers = [];
    for (let index = 0; index < 6; index += 1) answers.push(await post(t, { query: '{ me { email } }' }, user.token));
    expect(answers.slice(0, 5).map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    const refused = answers[5]!;
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body.errors[0].extensions).toMatchObject({ code: 'TOO_MANY_REQUESTS', limit: 'token', max: 5, retryAfterSeconds: retryAfter });
    // Another token from the same address is not held back by this token's count…
    expect((await post(t, { query: '{ me { email } }' }, t.admin.token)).status).toBe(200);
    // …and a new minute starts a new count.
    (t.clock as unknown as { advance(ms: number): void }).advance(61_000);
    expect((await post(t, { query: '{ me { email } }' }, user.token)).status).toBe(200);
  });

  it('limits an address whatever the token, bad ones included, and keeps counting failed sign-ins in the activity log', async () => {
    (t.clock as unknown as { advance(ms: number): void }).advance(61_000);
    const victim = await t.createUser(t.admin.tenantId, { email: 'victim@example.test' });
    const statuses = [];
    for (let index = 0; index < 9; index += 1) {
      // The victim's token id with a wrong secret: a failed sign-in of a known user.
      statuses.push((await post(t, { query: '{ me { email } }' }, `${victim.token.slice(0, -6)}wrong${index}`)).status);
    }
    expect(statuses.slice(0, 8).every((status) => status === 401)).toBe(true);
    expect(statuses[8]).toBe(429);
    // The eight refused sign-ins were recorded (the ninth never reached authentication).
    const [failed] = await queryRows<{ count: number }>(
      t.vigil.database.db,
      sql`select count(*)::int as count from activity_log where action = 'auth.sign_in_failed'`,
    );
    expect(failed!.count).toBe(8);
  });
});
