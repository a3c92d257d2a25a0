/**
 * Which keys are trusted comes from configuration, never from the database: an instance whose key
 * is not trusted refuses to start instead of signing, one restarted without its key refuses
 * instead of quietly starting a new one, and rotation is listed in VIGIL_AUDIT_TRUSTED_KEYS.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.js';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { verifierKeyOf } from '../../server/log/signed-note.js';
import { startVigil, type RunningVigil } from '../../server/vigil.js';
import { graphql } from '../support/graphql-client.js';
import { createTestDatabase, isPostgres, type TestDatabase } from '../support/test-database.js';
import { TEST_SECRET_KEY } from '../support/test-vigil.js';

const newKey = () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const verifierKey = (pem: string) => verifierKeyOf('vigil', createPublicKey(pem));

let database: TestDatabase;
let dataDir: string;
const clock = new ManualClock();

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'vigil-keys-'));
});
afterAll(async () => database?.drop());

/** An instance on this file's one database (PGlite: a data dir of its own, kept between starts). */
function start(env: Record<string, string>): Promise<RunningVigil> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    VIGIL_DATA_DIR: dataDir,
    VIGIL_SECRET_KEY: TEST_SECRET_KEY,
    ...database.env,
    ...env,
  });
  return startVigil(config, { clock, logger: createLogger('silent'), database: isPostgres ? {} : undefined });
}

// The first start on PGlite migrates a fresh data dir from nothing, which takes a while on a busy machine.
describe('trusted keys', { timeout: 120_000 }, () => {
  const first = newKey();
  const second = newKey();
  let adminToken: string;
  let tenantId: string;

  it('refuses to start with a key that VIGIL_AUDIT_TRUSTED_KEYS does not list, naming the key', async () => {
    await expect(start({ VIGIL_AUDIT_SIGNING_KEY: first, VIGIL_AUDIT_TRUSTED_KEYS: verifierKey(second) })).rejects.toThrow(
      new RegExp(`signing key \\(${verifierKey(first).replace(/[+/]/g, '\\$&')}\\) is not in VIGIL_AUDIT_TRUSTED_KEYS`),
    );
  });

  it('refuses to start with another key over a log the first one signed, and starts once both are listed', async () => {
    const vigil = await start({ VIGIL_AUDIT_SIGNING_KEY: first });
    adminToken = vigil.bootstrap!.token;
    tenantId = vigil.bootstrap!.tenant.id;
    await vigil.log.settle(vigil.bootstrap!.tenant.id, { force: true });
    await vigil.dispose();

    await expect(start({ VIGIL_AUDIT_SIGNING_KEY: second })).rejects.toThrow(/was not signed by this instance's key/);

    const rotated = await start({ VIGIL_AUDIT_SIGNING_KEY: second, VIGIL_AUDIT_TRUSTED_KEYS: `${verifierKey(first)},${verifierKey(second)}` });
    try {
      await graphql(rotated.graphqlUrl, 'mutation { createUser(input: { email: "after-rotation@example.test" }) { id } }', { token: adminToken });
      await rotated.log.settle(tenantId, { force: true });
      const report = await graphql<any>(rotated.graphqlUrl, '{ logIntegrity { isIntact checkedCheckpoints faults { kind message } } logVerifierKeys }', {
        token: adminToken,
      });
      expect(report.errors).toBeUndefined();
      expect(report.data!.logIntegrity).toMatchObject({ isIntact: true, faults: [] });
      expect(report.data!.logIntegrity.checkedCheckpoints).toBeGreaterThanOrEqual(2);
      expect(report.data!.logVerifierKeys).toEqual([verifierKey(first), verifierKey(second)]);
    } finally {
      await rotated.dispose();
    }
  });

  it('reports checkpoints signed with a key configuration dropped', async () => {
    const vigil = await start({ VIGIL_AUDIT_SIGNING_KEY: second, VIGIL_AUDIT_TRUSTED_KEYS: verifierKey(second) });
    try {
      const report = await graphql<any>(vigil.graphqlUrl, '{ logIntegrity { isIntact faults { kind message } } }', { token: adminToken });
      expect(report.data!.logIntegrity.isIntact).toBe(false);
      expect(report.data!.logIntegrity.faults).toContainEqual(
        expect.objectContaining({ kind: 'CHECKPOINT_BAD_SIGNATURE', message: expect.stringContaining('no trusted key signed it') }),
      );
    } finally {
      await vigil.dispose();
    }
  });
});
