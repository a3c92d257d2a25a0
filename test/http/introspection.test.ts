/**
 * Who may introspect the schema (VIGIL_GRAPHQL_INTROSPECTION), decided alike over HTTP and over
 * WebSocket: by default any authenticated caller and no anonymous one, whatever NODE_ENV; `open`
 * lets anyone; `off` no one. `true` and `false`, the settings of earlier versions, still mean open
 * and off. `__typename` is never introspection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.js';
import { connectSubscriber } from '../support/subscription-client.js';
import { startTestVigil, type TestUser, type TestVigil } from '../support/test-vigil.js';

const SCHEMA = '{ __schema { queryType { name } } }';
const TYPE = '{ __type(name: "Query") { name } }';

/** A POST of `query`, with its status, headers and body as sent. */
async function post(t: TestVigil, query: string, token?: string) {
  const response = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as { data?: any; errors?: { message: string; extensions: Record<string, unknown> }[] },
  };
}

/** Runs `query` over a WebSocket authenticated with `token`: what arrived, data or errors. */
async function overWebSocket(t: TestVigil, token: string, query: string) {
  const subscriber = await connectSubscriber(t.url, token);
  try {
    await subscriber.subscribe(query);
    return { received: subscriber.received, errors: subscriber.errors };
  } finally {
    await subscriber.dispose();
  }
}

describe('introspection by default (authenticated), here with NODE_ENV=production', () => {
  let t: TestVigil;
  let user: TestUser;
  beforeAll(async () => {
    t = await startTestVigil({ env: { NODE_ENV: 'production' } });
    user = await t.createUser(t.admin.tenantId, { email: 'reader@example.test' });
  });
  afterAll(() => t?.close());

  it('refuses an anonymous caller over HTTP with UNAUTHENTICATED, 401 and WWW-Authenticate, before anything runs', async () => {
    for (const query of [SCHEMA, TYPE, `query Mixed { __typename ${SCHEMA.slice(1, -1)} }`]) {
      const refused = await post(t, query);
      expect(refused.status, query).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer');
      expect(refused.body.data).toBeUndefined();
      expect(refused.body.errors).toEqual([
        { message: 'Introspection needs authentication: send a bearer token in the Authorization header', extensions: { code: 'UNAUTHENTICATED' } },
      ]);
    }
  });

  it('still answers an anonymous __typename, which is not introspection', async () => {
    const answer = await post(t, '{ __typename }');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ data: { __typename: 'Query' } });
  });

  it('answers an admin and a regular user over HTTP', async () => {
    for (const token of [t.admin.token, user.token]) {
      const schema = await post(t, SCHEMA, token);
      expect(schema.status).toBe(200);
      expect(schema.body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
      expect((await post(t, TYPE, token)).body).toEqual({ data: { __type: { name: 'Query' } } });
    }
  });

  it('answers a regular user over WebSocket, where every connection is authenticated', async () => {
    const answer = await overWebSocket(t, user.token, SCHEMA);
    expect(answer.errors).toEqual([]);
    expect(answer.received).toEqual([{ __schema: { queryType: { name: 'Query' } } }]);
  });

  it('lets no anonymous WebSocket in to introspect: it is closed with 4401 at connection_init', async () => {
    const anonymous = await connectSubscriber(t.url, '');
    expect(await anonymous.closed).toMatchObject({ code: 4401 });
    await anonymous.dispose();
  });
});

describe('VIGIL_GRAPHQL_INTROSPECTION=off', () => {
  let t: TestVigil;
  beforeAll(async () => {
    t = await startTestVigil({ env: { VIGIL_GRAPHQL_INTROSPECTION: 'off' } });
  });
  afterAll(() => t?.close());

  const forbidden = {
    message: 'Introspection is turned off here (VIGIL_GRAPHQL_INTROSPECTION=off); the schema is published as schema.graphql',
    extensions: { code: 'FORBIDDEN' },
  };

  it('refuses even an admin over HTTP with FORBIDDEN and 403, and anonymous callers too', async () => {
    for (const token of [t.admin.token, undefined]) {
      const refused = await post(t, SCHEMA, token);
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual({ errors: [forbidden] });
    }
    expect((await post(t, '{ __typename }', t.admin.token)).body).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses an admin over WebSocket with the same error', async () => {
    const answer = await overWebSocket(t, t.admin.token, TYPE);
    expect(answer.received).toEqual([]);
    expect(answer.errors).toEqual([forbidden]);
  });
});

describe('VIGIL_GRAPHQL_INTROSPECTION=open (here as true, its earlier spelling)', () => {
  let t: TestVigil;
  beforeAll(async () => {
    t = await startTestVigil({ env: { VIGIL_GRAPHQL_INTROSPECTION: 'true', NODE_ENV: 'production' } });
  });
  afterAll(() => t?.close());

  it('answers an anonymous caller', async () => {
    const answer = await post(t, SCHEMA);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });
});

describe('the VIGIL_GRAPHQL_INTROSPECTION setting', () => {
  it('defaults to authenticated in every NODE_ENV, and reads true and false as open and off', () => {
    const policy = (env: Record<string, string>) => loadConfig(env).graphql.introspection;
    for (const NODE_ENV of ['production', 'development', 'test']) expect(policy({ NODE_ENV })).toBe('authenticated');
    expect(policy({ VIGIL_GRAPHQL_INTROSPECTION: '' })).toBe('authenticated');
    expect(['authenticated', 'open', 'off', 'true', 'false'].map((value) => policy({ VIGIL_GRAPHQL_INTROSPECTION: value }))).toEqual([
      'authenticated',
      'open',
      'off',
      'open',
      'off',
    ]);
  });

  it('refuses any other value, naming the variable and the choices', () => {
    expect(() => loadConfig({ VIGIL_GRAPHQL_INTROSPECTION: 'yes' })).toThrow(ConfigError);
    expect(() => loadConfig({ VIGIL_GRAPHQL_INTROSPECTION: 'yes' })).toThrow(/VIGIL_GRAPHQL_INTROSPECTION: expected authenticated, open or off/);
  });
});
