/**
 * Races that only a real PostgreSQL server can show: several connections, several instances.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { startVigil } from '../../server/vigil.js';
import { errorCodes } from '../support/graphql-client.js';
import { databaseUrl } from '../support/postgres-url.js';
import { isPostgres } from '../support/test-database.js';
import { startTestVigil, TEST_SECRET_KEY, TEST_SIGNING_KEY, type TestVigil } from '../support/test-vigil.js';

describe.runIf(isPostgres)('on PostgreSQL', () => {
  let t: TestVigil;
  beforeAll(async () => {
    t = await startTestVigil();
  });
  afterAll(async () => t?.close());

  it('lets only one of two admins demoting each other at once succeed', async () => {
    for (let round = 0; round < 10; round++) {
      const { tenantId, admin: first } = await t.createTenant(`duel-${round}`);
      const second = await t.createUser(tenantId, { email: `second@duel-${round}.test`, role: 'admin' });
      const demote = (actor: { token: string }, target: { id: string }) =>
        t.gql('mutation($id: ID!) { changeUserRole(id: $id, role: USER) { role } }', actor.token, { id: target.id });
      const results = await Promise.all([demote(first, second), demote(second, first)]);
      const codes = results.map((result) => errorCodes(result).join(',')).sort();
      // The loser is refused by the last-admin rule (CONFLICT) when both requests got past
      // authentication together, or as a non-admin (FORBIDDEN) when the winner committed first.
      expect([
        ['', 'CONFLICT'],
        ['', 'FORBIDDEN'],
      ]).toContainEqual(codes);
      const admins = await t.gql<any>('{ users(filter: { role: ADMIN }) { nodes { id } } }', results[0].errors ? second.token : first.token);
      expect(admins.data!.users.nodes).toHaveLength(1);
    }
  });

  it('migrates and bootstraps exactly once when three instances start together on an empty database', async () => {
    const template = inject('postgresTemplate')!;
    const name = `vigil_t_${randomBytes(6).toString('hex')}`;
    const admin = postgres(template.adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database "${name}"`);
    try {
      // A pool of one: the migration lock must not hold the only connection the migration needs.
      const config = loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        VIGIL_DB_POOL_MAX: '1',
        VIGIL_AUDIT_SIGNING_KEY: TEST_SIGNING_KEY,
        VIGIL_SECRET_KEY: TEST_SECRET_KEY,
        DATABASE_URL: databaseUrl(template.adminUrl, name),
      });
      const instances = await Promise.all([0, 1, 2].map(() => startVigil(config, { logger: createLogger('silent') })));
      try {
        const bootstrapped = instances.filter((instance) => instance.bootstrap !== null);
        expect(bootstrapped).toHaveLength(1);
        const token = bootstrapped[0]!.bootstrap!.token;
        for (const instance of instances) {
          const response = await fetch(instance.graphqlUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ query: '{ me { email } }' }),
          });
          expect(await response.json()).toEqual({ data: { me: { email: 'admin@localhost' } } });
        }
        const check = postgres(databaseUrl(template.adminUrl, name), { max: 1, onnotice: () => {} });
        const [tenants] = await check`select count(*)::int as count from tenants`;
        const [migrations] = await check`select count(*)::int as count from drizzle.__drizzle_migrations`;
        await check.end();
        expect(tenants!.count).toBe(1);
        expect(migrations!.count).toBeGreaterThan(0);
      } finally {
        await Promise.all(instances.map((instance) => instance.dispose()));
      }
    } finally {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    }
  });
});
