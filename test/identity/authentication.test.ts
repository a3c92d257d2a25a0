import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../server/clock.js';
import { queryRows } from '../../server/db/database.js';
import { errorCodes } from '../support/graphql-client.js';
import { startTestVigil, type TestVigil } from '../support/test-vigil.js';

const JWT_SECRET = 'a-test-secret-that-is-at-least-32-characters-long';
const ME = '{ me { email role } }';

describe('API tokens', () => {
  let t: TestVigil;
  beforeAll(async () => {
    t = await startTestVigil({ env: { VIGIL_JWT_SECRET: JWT_SECRET } });
  });
  afterAll(async () => t?.close());

  it('refuses a revoked token at once', async () => {
    const created = await t.gql<any>('mutation { createUserToken(input: { name: "laptop" }) { token apiToken { id name kind } } }', t.admin.token);
    const { token, apiToken } = created.data!.createUserToken;
    expect(apiToken).toMatchObject({ name: 'laptop', kind: 'USER' });
    expect((await t.gql(ME, token)).data?.me).toEqual({ email: 'admin@localhost', role: 'ADMIN' });

    const revoked = await t.gql<any>('mutation($id: ID!) { revokeToken(id: $id) { revokedAt } }', t.admin.token, { id: apiToken.id });
    expect(revoked.data!.revokeToken.revokedAt).not.toBeNull();

    const refused = await t.gql(ME, token);
    expect(refused.status).toBe(401);
    expect(errorCodes(refused)).toEqual(['UNAUTHENTICATED']);
    expect(refused.errors![0]!.message).toBe('The API token has been revoked');
  });

  it('refuses a token once its expiry has passed', async () => {
    const clock = t.clock as ManualClock;
    const expiresAt = new Date(clock.now().getTime() + 60 * 60_000).toISOString();
    const created = await t.gql<any>('mutation($at: DateTimeISO) { createUserToken(input: { name: "short", expiresAt: $at }) { token } }', t.admin.token, {
      at: expiresAt,
    });
    const token = created.data!.createUserToken.token;
    expect(errorCodes(await t.gql(ME, token))).toEqual([]);
    clock.advance(60 * 60_000);
    const refused = await t.gql(ME, token);
    expect(errorCodes(refused)).toEqual(['UNAUTHENTICATED']);
    expect(refused.errors![0]!.message).toBe('The API token has expired');
  });

  it('refuses an expiry in the past, naming the field', async () => {
    const response = await t.gql('mutation($at: DateTimeISO) { createUserToken(input: { name: "old", expiresAt: $at }) { token } }', t.admin.token, {
      at: '2001-01-01T00:00:00Z',
    });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.extensions.field).toBe('expiresAt');
  });

  it('refuses the tokens of a disabled user, and accepts them again once re-enabled', async () => {
    const bob = await t.createUser(t.admin.tenantId, { email: 'bob@example.com' });
    expect((await t.gql(ME, bob.token)).data?.me).toEqual({ email: 'bob@example.com', role: 'USER' });
    await t.gql('mutation($id: ID!) { disableUser(id: $id) { isDisabled } }', t.admin.token, { id: bob.id });
    expect(errorCodes(await t.gql(ME, bob.token))).toEqual(['UNAUTHENTICATED']);
    await t.gql('mutation($id: ID!) { enableUser(id: $id) { isDisabled } }', t.admin.token, { id: bob.id });
    expect((await t.gql(ME, bob.token)).data?.me).toEqual({ email: 'bob@example.com', role: 'USER' });
  });

  it('refuses unknown, malformed and tampered tokens alike', async () => {
    const tamperedSecret = `${t.admin.token.slice(0, -1)}${t.admin.token.endsWith('A') ? 'B' : 'A'}`;
    const otherTenant = t.admin.token.replace(/_[0-9a-f]{32}_/, `_${'0'.repeat(32)}_`);
    for (const token of [tamperedSecret, otherTenant, 'vigil_user_nonsense']) {
      const response = await t.gql(ME, token);
      expect(response.status).toBe(401);
      expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    }
    const badHeader = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Token abc' },
      body: JSON.stringify({ query: ME }),
    });
    expect(badHeader.status).toBe(401);
  });

  it('records when a token was last used', async () => {
    const before = await t.gql<any>('{ apiTokens { nodes { name lastUsedAt } } }', t.admin.token);
    const firstRun = before.data!.apiTokens.nodes.find((node: { name: string }) => node.name === 'first-run admin token');
    expect(firstRun.lastUsedAt).not.toBeNull();
  });
});

describe('JWT bearer tokens', () => {
  let t: TestVigil;
  let jwks: Server;
  let rsaKey: CryptoKey;
  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    rsaKey = pair.privateKey;
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    t = await startTestVigil({ env: { VIGIL_JWKS_URL: jwksUrl, VIGIL_JWT_ISSUER: 'https://idp.test' } });
  });
  afterAll(async () => {
    await t?.close();
    jwks?.close();
  });

  const sign = (claims: Record<string, unknown>, options: { issuer?: string; expiresIn?: string } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
      .setIssuer(options.issuer ?? 'https://idp.test')
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '5m')
      .sign(rsaKey);

  it('provisions an unknown user on first sight with the role claim, then serves them', async () => {
    const jwt = await sign({ sub: 'idp|42', email: 'Carol@Example.com', tenant: 'default', role: 'user', name: 'Carol' });
    expect((await t.gql(ME, jwt)).data?.me).toEqual({ email: 'carol@example.com', role: 'USER' });
    const users = await t.gql<any>('{ users(filter: { search: "carol" }) { nodes { email name role } } }', t.admin.token);
    expect(users.data!.users.nodes).toEqual([{ email: 'carol@example.com', name: 'Carol', role: 'USER' }]);
  });

  it("keeps Vigil's role once the user exists, whatever a later claim says", async () => {
    const jwt = await sign({ sub: 'idp|42', email: 'carol@example.com', tenant: 'default', role: 'admin' });
    expect((await t.gql(ME, jwt)).data?.me).toEqual({ email: 'carol@example.com', role: 'USER' });
  });

  it('refuses expired JWTs, other issuers, unknown tenants and missing claims', async () => {
    const cases = [
      await sign({ sub: 'x', email: 'dan@example.com', tenant: 'default' }, { expiresIn: '-1m' }),
      await sign({ sub: 'x', email: 'dan@example.com', tenant: 'default' }, { issuer: 'https://evil.test' }),
      await sign({ sub: 'x', email: 'dan@example.com', tenant: 'no-such-tenant' }),
      await sign({ sub: 'x', email: 'dan@example.com' }),
    ];
    const messages = [];
    for (const jwt of cases) {
      const response = await t.gql(ME, jwt);
      expect(response.status).toBe(401);
      expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
      messages.push(response.errors![0]!.message);
    }
    expect(messages).toEqual(['The JWT has expired', 'The JWT is not valid', "The JWT's tenant no-such-tenant does not exist", 'The JWT has no tenant claim']);
  });

  it('refuses a JWT that never expires, or lives longer than VIGIL_JWT_MAX_LIFETIME (a day by default)', async () => {
    const claims = { sub: 'idp|77', email: 'erin@example.com', tenant: 'default' };
    const endless = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'test-key' }).setIssuer('https://idp.test').setIssuedAt().sign(rsaKey);
    const decade = await sign(claims, { expiresIn: '3650d' });
    const withoutIat = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
      .setIssuer('https://idp.test')
      .setExpirationTime('2d')
      .sign(rsaKey);
    const messages = [];
    for (const jwt of [endless, decade, withoutIat]) {
      const response = await t.gql(ME, jwt);
      expect(response.status).toBe(401);
      expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
      messages.push(response.errors![0]!.message);
    }
    expect(messages).toEqual([
      'The JWT has no exp claim: Vigil accepts only JWTs that expire',
      'The JWT is valid for longer than 86400 seconds (VIGIL_JWT_MAX_LIFETIME)',
      'The JWT is valid for longer than 86400 seconds (VIGIL_JWT_MAX_LIFETIME)',
    ]);
    expect((await t.gql(ME, await sign(claims, { expiresIn: '23h' }))).data?.me).toEqual({ email: 'erin@example.com', role: 'USER' });
  });

  it('files a disabled user’s refused JWT as a failed sign-in of its tenant; a JWT it cannot verify files nothing', async () => {
    const jwt = await sign({ sub: 'idp|77', email: 'frank@example.com', tenant: 'default' });
    expect((await t.gql(ME, jwt)).data?.me).toEqual({ email: 'frank@example.com', role: 'USER' });
    const [frank] = await queryRows<{ id: string }>(t.vigil.database.db, sql`select id from users where email = 'frank@example.com'`);
    await t.gql('mutation($id: ID!) { disableUser(id: $id) { isDisabled } }', t.admin.token, { id: frank!.id });
    const refused = await t.gql(ME, jwt);
    expect(refused.errors![0]!.message).toBe('This user is disabled');
    const failures = () =>
      queryRows<{ user_id: string | null; user_email: string | null; details: Record<string, unknown> }>(
        t.vigil.database.db,
        sql`select user_id, user_email, details from activity_log where action = 'auth.sign_in_failed' order by occurred_at, id`,
      );
    expect(await failures()).toEqual([{ user_id: frank!.id, user_email: 'frank@example.com', details: { method: 'jwt', reason: 'This user is disabled' } }]);
    const forged = await new SignJWT({ sub: 'x', email: 'frank@example.com', tenant: 'default' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('https://idp.test')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JWT_SECRET));
    expect(errorCodes(await t.gql(ME, forged))).toEqual(['UNAUTHENTICATED']);
    expect(await failures()).toHaveLength(1);
  });

  it('refuses an HS256 token when only the JWKS is trusted', async () => {
    const forged = await new SignJWT({ sub: 'x', email: 'admin@localhost', tenant: 'default' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('https://idp.test')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JWT_SECRET));
    expect(errorCodes(await t.gql(ME, forged))).toEqual(['UNAUTHENTICATED']);
  });
});
