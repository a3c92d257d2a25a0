/**
 * Starts a real Vigil on a random port over the test file's own database, and makes tenants,
 * users and tokens through Vigil's own services (as its CLI does).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Permission, Role } from '../../server/auth/permissions.js';
import { ManualClock, type Clock } from '../../server/clock.js';
import { loadConfig } from '../../server/config.js';
import { createUserToken } from '../../server/identity/api-tokens.js';
import { createTenant } from '../../server/identity/tenants.js';
import { createUser } from '../../server/identity/users.js';
import { createLogger, type Logger } from '../../server/logger.js';
import { inTransaction, type ServiceContext } from '../../server/service-context.js';
import { startVigil, type RunningVigil } from '../../server/vigil.js';
import { graphql, type GraphQLResponse } from './graphql-client.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/** One audit signing key per test file (never a key file in the project's ./data). */
export const TEST_SIGNING_KEY = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/** The key sealing secrets at rest, per test file (never a key file in the project's ./data). */
export const TEST_SECRET_KEY = randomBytes(32).toString('base64');

export interface TestUser {
  readonly id: string;
  readonly email: string;
  readonly token: string;
  readonly tenantId: string;
}

export interface TestVigil {
  readonly vigil: RunningVigil;
  readonly url: string;
  readonly clock: Clock;
  /** The first-run admin of tenant `default`. */
  readonly admin: TestUser;
  gql<T = Record<string, any>>(query: string, token?: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  /** A service context acting as Vigil itself in `tenantId`. */
  systemContext(tenantId: string): ServiceContext;
  createUser(tenantId: string, options: { email: string; role?: Role; permissions?: Permission[]; groups?: string[] }): Promise<TestUser>;
  createTenant(slug: string): Promise<{ tenantId: string; admin: TestUser }>;
  close(): Promise<void>;
}

/** The configuration every test instance starts with, before its database's and its own. */
export const TEST_ENV: Readonly<Record<string, string>> = {
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'silent',
  NODE_ENV: 'test',
  VIGIL_AUDIT_SIGNING_KEY: TEST_SIGNING_KEY,
  VIGIL_SECRET_KEY: TEST_SECRET_KEY,
  // Background jobs stay out of the way (tests that count statements see only their own); the
  // tests of these jobs run them directly on the test clock, or set their own interval.
  VIGIL_WEBHOOK_POLL_MS: '60000',
  VIGIL_ALERT_EVALUATION_SECONDS: '3600',
  VIGIL_REPORT_SCHEDULE_SECONDS: '3600',
  VIGIL_APPROVAL_SWEEP_SECONDS: '3600',
  VIGIL_ACCESS_REVIEW_JOB_SECONDS: '86400',
  VIGIL_LOG_INTERVAL_MS: '60000',
  VIGIL_PRESENCE_SWEEP_SECONDS: '3600',
  // Rate limits count every request with a statement of their own; their tests turn them on.
  VIGIL_RATE_LIMIT_PER_TOKEN: '0',
  VIGIL_RATE_LIMIT_PER_IP: '0',
};

/** `logger`: where Vigil logs (silent by default), for tests that read its log lines. */
export async function startTestVigil(
  options: { clock?: Clock; env?: Record<string, string>; database?: TestDatabase; logger?: Logger } = {},
): Promise<TestVigil> {
  const database: TestDatabase = options.database ?? (await createTestDatabase());
  const clock = options.clock ?? new ManualClock();
  const config = loadConfig({
    ...TEST_ENV,
    ...database.env,
    ...options.env,
  });
  const vigil = await startVigil(config, { clock, logger: options.logger ?? createLogger('silent'), database: await database.openOptions() });
  // On a database that already holds a tenant there is no first run, and no first admin.
  const bootstrap = vigil.bootstrap ?? { admin: { id: '', email: '' }, token: '', tenant: { id: '' } };
  const systemContext = (tenantId: string): ServiceContext => ({
    db: vigil.database.db,
    clock,
    actor: { type: 'system', tenantId, name: 'test' },
  });

  const harness: TestVigil = {
    vigil,
    url: vigil.graphqlUrl,
    clock,
    admin: { id: bootstrap.admin.id, email: bootstrap.admin.email, token: bootstrap.token, tenantId: bootstrap.tenant.id },
    gql: (query, token, variables) => graphql(vigil.graphqlUrl, query, { token, variables }),
    systemContext,
    async createUser(tenantId, user) {
      return inTransaction(systemContext(tenantId), async (tx) => {
        const row = await createUser(tx, user);
        const { token } = await createUserToken(tx, { userId: row.id, name: 'test' });
        return { id: row.id, email: row.email, token, tenantId };
      });
    },
    async createTenant(slug) {
      const tenant = await vigil.database.db.transaction((tx) => createTenant(tx, { slug, name: slug }));
      const admin = await harness.createUser(tenant.id, { email: `admin@${slug}.test`, role: 'admin' });
      return { tenantId: tenant.id, admin };
    },
    async close() {
      await vigil.dispose();
      await database.drop();
    },
  };
  return harness;
}
